// Step 2: write the three sample files into the workspace, never overwriting a file without asking.
import * as vscode from 'vscode';
import { checkSampleParams, planScaffold, renderSample, SAMPLE_FILES, type SampleFile } from '../../lab/scaffold';
import type { LabContext } from '../ctx';
import type { CommandFactory } from './index';

export const SAMPLE_SCHEME = 'istio-ingress-lab-sample';

export interface ScaffoldOutcome {
  folder: string;
  written: SampleFile[];
  unchanged: SampleFile[];
  skipped: SampleFile[];
}

export async function renderedSamples(ctx: LabContext): Promise<Record<SampleFile, string>> {
  const params = ctx.settings.sample;
  const problems = checkSampleParams(params);
  if (problems.length) throw new Error(problems.join(' '));
  const out = {} as Record<SampleFile, string>;
  for (const f of SAMPLE_FILES) {
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
      return (await renderedSamples(ctx))[file] ?? '';
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

/** Writes into the first workspace folder, or into `target` when a caller (a test, another command) names one. */
export const scaffoldSample: CommandFactory =
  (ctx) =>
  async (target?: vscode.Uri): Promise<ScaffoldOutcome | undefined> => {
    const folder = target instanceof vscode.Uri ? { uri: target } : workspaceFolder(ctx);
    if (!folder) return undefined;
    const rendered = await renderedSamples(ctx);
    const existing: Partial<Record<SampleFile, string>> = {};
    for (const f of SAMPLE_FILES) existing[f] = await readIfExists(vscode.Uri.joinPath(folder.uri, f));
    const outcome: ScaffoldOutcome = { folder: folder.uri.fsPath, written: [], unchanged: [], skipped: [] };

    for (const entry of planScaffold(rendered, existing)) {
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

    const present = outcome.written.length + outcome.unchanged.length + outcome.skipped.length === SAMPLE_FILES.length;
    await ctx.setStep('scaffolded', present);
    const specs = vscode.Uri.joinPath(folder.uri, 'istio-specs.yaml');
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
