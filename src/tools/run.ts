// Running a located tool with an argument array (never a shell string), cancellable, logged.
import { execa } from 'execa';
import type { LocatedTool } from './locate';

export interface ToolRunResult {
  exitCode: number | undefined;
  stdout: string;
  stderr: string;
  /** The command line as a user would type it, for the log and for copying. */
  commandLine: string;
  cancelled: boolean;
  timedOut: boolean;
  /** Set when the process could not start or failed; one sentence. */
  failure?: string;
}

export interface ToolRunOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
  log?: (line: string) => void;
}

/** Quotes an argument for a POSIX shell, only when needed, so the printed command can be pasted as is. */
export function shellQuote(arg: string): string {
  if (arg !== '' && /^[A-Za-z0-9_@%+=:,./-]+$/.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

export function commandLine(cmd: string, args: readonly string[]): string {
  return [cmd, ...args].map(shellQuote).join(' ');
}

export async function runTool(
  tool: LocatedTool,
  args: readonly string[],
  opts: ToolRunOptions = {},
): Promise<ToolRunResult> {
  const line = commandLine(tool.name, args);
  opts.log?.(`run: ${line}  (${tool.path})`);
  const started = Date.now();
  const r = await execa(tool.path, [...args], {
    reject: false,
    stdin: 'ignore',
    cancelSignal: opts.signal,
    timeout: opts.timeoutMs ?? 30_000,
    env: opts.env,
    stripFinalNewline: false,
    maxBuffer: 32 * 1024 * 1024,
  });
  const result: ToolRunResult = {
    exitCode: r.exitCode,
    stdout: String(r.stdout ?? ''),
    stderr: String(r.stderr ?? ''),
    commandLine: line,
    cancelled: Boolean(r.isCanceled),
    timedOut: Boolean(r.timedOut),
  };
  if (r.failed) {
    result.failure = r.isCanceled
      ? 'cancelled'
      : r.timedOut
        ? `timed out after ${Math.round((opts.timeoutMs ?? 30_000) / 1000)} s`
        : r.exitCode === undefined
          ? `could not start ${tool.path}: ${r.originalMessage ?? r.shortMessage}`
          : `exited with code ${r.exitCode}`;
  }
  opts.log?.(`done: ${tool.name} ${result.failure ?? 'ok'} in ${Date.now() - started} ms`);
  return result;
}
