// Finding curl / istioctl / kubectl: a configured path wins, then the lab's own tools, else the first
// executable on PATH.
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';

export type ToolName = 'curl' | 'istioctl' | 'kubectl';

export interface LocatedTool {
  name: ToolName;
  path: string;
  /** Where the path came from, for the log and for messages. */
  from: 'setting' | 'lab' | 'PATH';
}

/**
 * The folder where the lab's own cluster links its tools (the real istioctl), named by `npm run lab` and the
 * tests. Not PATH itself: code-server's extension host takes PATH from the user's login shell, which drops
 * what the lab put in front.
 */
export const LAB_BIN_ENV = 'ISTIO_INGRESS_LAB_BIN';

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
    if (isAbsolute(configured) && isExecutableFile(configured))
      return { ok: true, tool: { name, path: configured, from: 'setting' } };
    if (!isAbsolute(configured)) {
      const onPath = searchPath(configured, env);
      if (onPath) return { ok: true, tool: { name, path: onPath, from: 'setting' } };
    }
    return {
      ok: false,
      message: `The setting istioIngressLab.tools.${name}Path is "${configured}", which is not an executable file. Fix the path or clear the setting to use ${name} from PATH.`,
    };
  }
  const lab = env[LAB_BIN_ENV];
  if (lab && isExecutableFile(join(lab, name))) return { ok: true, tool: { name, path: join(lab, name), from: 'lab' } };
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
