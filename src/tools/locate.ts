// Finding curl / istioctl / kubectl: a configured path wins, else the first executable on PATH.
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';

export type ToolName = 'curl' | 'istioctl' | 'kubectl';

export interface LocatedTool {
  name: ToolName;
  path: string;
  /** Where the path came from, for the log and for messages. */
  from: 'setting' | 'PATH';
}

export type LocateResult = { ok: true; tool: LocatedTool } | { ok: false; message: string };

function isExecutableFile(p: string): boolean {
  try {
    if (!statSync(p).isFile()) return false;
    accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export function locateTool(
  name: ToolName,
  configuredPath: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): LocateResult {
  const configured = configuredPath?.trim();
  if (configured) {
    if (isAbsolute(configured) && isExecutableFile(configured)) return { ok: true, tool: { name, path: configured, from: 'setting' } };
    if (!isAbsolute(configured)) {
      const onPath = searchPath(configured, env);
      if (onPath) return { ok: true, tool: { name, path: onPath, from: 'setting' } };
    }
    return {
      ok: false,
      message: `The setting istioIngressLab.tools.${name}Path is "${configured}", which is not an executable file. Fix the path or clear the setting to use ${name} from PATH.`,
    };
  }
  const found = searchPath(name, env);
  if (found) return { ok: true, tool: { name, path: found, from: 'PATH' } };
  // VS Code started from a desktop launcher often has a shorter PATH than a terminal.
  return {
    ok: false,
    message: `${name} is not on the PATH of VS Code (${(env.PATH ?? '').split(delimiter).length} folders searched). Install it, or set istioIngressLab.tools.${name}Path to its full path.`,
  };
}

function searchPath(cmd: string, env: NodeJS.ProcessEnv): string | undefined {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, cmd);
    if (isExecutableFile(candidate)) return candidate;
  }
  return undefined;
}
