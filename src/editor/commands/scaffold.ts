// Step 2: write the three sample files into the workspace, never overwriting a file without asking.
// The walkthrough's variant picks the routing file: istio-specs.yaml (VirtualService) or gateway-api.yaml.
import * as vscode from 'vscode';
import {
  checkSampleParams,
  planScaffold,
  renderSample,
  routingFile,
  sampleFiles,
  SAMPLE_FILES,
  GATEWAY_API_SAMPLE_FILES,
  type SampleFile,
} from '../../lab/scaffold';
import type { LabContext } from '../ctx';
import type { CommandFactory } from './index';

export const SAMPLE_SCHEME = 'istio-ingress-lab-sample';

export interface ScaffoldOutcome {
  folder: string;
  written: SampleFile[];
  unchanged: SampleFile[];
  skipped: SampleFile[];
}

export async function renderedSamples(
  ctx: LabContext,
  files: readonly SampleFile[] = [...new Set([...SAMPLE_FILES, ...GATEWAY_API_SAMPLE_FILES])],
): Promise<Partial<Record<SampleFile, string>>> {
  const params = ctx.settings.sample;
  const problems = checkSampleParams(params);
  if (problems.length) throw new Error(problems.join(' '));
  const out: Partial<Record<SampleFile, string>> = {};
  for (const f of files) {
    const bytes = await vscode.workspace.fs.readFile(vscode.Uri.joinPath(ctx.extensionUri, 'samples', f));
    out[f] = renderSample(new TextDecoder().decode(bytes), params);
  }
  return out;
}

/** Serves the rendered samples (with the current settings) for the "Show Diff" editor. */
export function sampleContentProvider(ctx: LabContext): vscode.TextDocumentContentProvider {
  return {
    async provideTextDocumentContent(uri) {
      const file = uri.path.replace(/^\//, '') as SampleFile;
      return (await renderedSamples(ctx, [file]))[file] ?? '';
    },
  };
}

async function readIfExists(uri: vscode.Uri): Promise<string | undefined> {
  try {
    return new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
  } catch {
    return undefined;
  }
}

export function workspaceFolder(ctx: LabContext): vscode.WorkspaceFolder | undefined {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder) {
    void ctx.prompts.error(
      'Istio Ingress Lab: open a folder first (File › Open Folder); the sample files are written into it.',
    );
  }
  return folder;
}

/** The folder a caller (a test, another command) names among a command's arguments, if any. */
export function folderArg(args: readonly unknown[]): vscode.Uri | undefined {
  return args.find((a): a is vscode.Uri => a instanceof vscode.Uri);
}

/**
 * Writes into the first workspace folder, or into the folder a caller names; the variant (a walkthrough
 * link's argument, "gatewayApi") says which sample.
 */
export const scaffoldSample: CommandFactory =
  (ctx) =>
  async (...args: unknown[]): Promise<ScaffoldOutcome | undefined> => {
    const variant = ctx.variantFor(args);
    const target = folderArg(args);
    const folder = target ? { uri: target } : workspaceFolder(ctx);
    if (!folder) return undefined;
    const files = sampleFiles(variant);
    const rendered = await renderedSamples(ctx, files);
    const existing: Partial<Record<SampleFile, string>> = {};
    for (const f of files) existing[f] = await readIfExists(vscode.Uri.joinPath(folder.uri, f));
    const outcome: ScaffoldOutcome = { folder: folder.uri.fsPath, written: [], unchanged: [], skipped: [] };

    for (const entry of planScaffold(rendered, existing, files)) {
      const target = vscode.Uri.joinPath(folder.uri, entry.file);
      if (entry.action === 'unchanged') {
        outcome.unchanged.push(entry.file);
        continue;
      }
      if (entry.action === 'conflict' && !(await askOverwrite(ctx, entry.file, target))) {
        outcome.skipped.push(entry.file);
        continue;
      }
      await vscode.workspace.fs.writeFile(target, new TextEncoder().encode(entry.content));
      outcome.written.push(entry.file);
    }
    ctx.log.info(
      `scaffold into ${outcome.folder}: wrote [${outcome.written.join(',')}] unchanged [${outcome.unchanged.join(',')}] skipped [${outcome.skipped.join(',')}]`,
    );

    const present = outcome.written.length + outcome.unchanged.length + outcome.skipped.length === files.length;
    await ctx.setStep('scaffolded', present, variant);
    const specs = vscode.Uri.joinPath(folder.uri, routingFile(variant));
    await vscode.window.showTextDocument(specs, { preview: false });
    void ctx.prompts.info(
      `Istio Ingress Lab: ${outcome.written.length ? `wrote ${outcome.written.join(', ')}` : 'no file written'}` +
        (outcome.unchanged.length ? `; already up to date: ${outcome.unchanged.join(', ')}` : '') +
        (outcome.skipped.length ? `; kept your ${outcome.skipped.join(', ')}` : '') +
        '.',
    );
    return outcome;
  };

/** Asks about one existing file that differs; "Show Diff" opens vscode.diff and asks again. */
async function askOverwrite(ctx: LabContext, file: SampleFile, target: vscode.Uri): Promise<boolean> {
  for (;;) {
    const answer = await ctx.prompts.warn(
      `${file} already exists in the workspace and differs from the lab's sample.`,
      { modal: true, detail: 'Overwrite replaces your file with the sample; Skip keeps it.' },
      'Show Diff',
      'Overwrite',
      'Skip',
    );
    if (answer === 'Overwrite') return true;
    if (answer !== 'Show Diff') return false;
    await vscode.commands.executeCommand(
      'vscode.diff',
      target,
      vscode.Uri.from({ scheme: SAMPLE_SCHEME, path: `/${file}` }),
      `${file}: yours ↔ lab sample`,
    );
  }
}
