// What every `ingress-lab` subcommand shares: the Command interface the dispatch table in src/cli.ts holds,
// the injectable I/O (so tests run commands in-process), a small option parser, and input errors that the
// CLI prints as one line naming the file, with exit code 2.
import { JsonSyntaxError, parseJsonText } from '../envoy/jsonText';
import { InputFileError, oneLine } from './readInput';

export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  /** Reads a file as UTF-8; rejects with a Node-style error (code ENOENT, EACCES, EISDIR...). */
  readFile(path: string): Promise<string>;
  /** Reads standard input to its end (commands that take "-" for a file); absent where there is none. */
  readStdin?(): Promise<string>;
}

export interface Command {
  name: string;
  /** One line for `ingress-lab --help`. */
  summary: string;
  /** Returns the exit code: 0 success, 2 bad input or usage. */
  run(args: string[], io: CliIo): Promise<number>;
}

export const EXIT_OK = 0;
export const EXIT_INPUT = 2;

/** Bad input (file, JSON, missing section, bad option): printed as `ingress-lab: <message>`, exit 2. */
export class CliInputError extends Error {
  override name = 'CliInputError';
}

export type OptionKind = 'string' | 'number' | 'boolean' | 'strings';

export interface OptionSpec {
  kind: OptionKind;
  alias?: string;
  /** Allowed values for string options. */
  choices?: readonly string[];
}

export interface ParsedArgs {
  options: Record<string, string | number | boolean | string[] | undefined>;
  positionals: string[];
  help: boolean;
}

/** Parses `--name value`, `--name=value`, aliases like `-o`, `--` and positionals; throws CliInputError. */
export function parseArgs(command: string, args: string[], spec: Record<string, OptionSpec>): ParsedArgs {
  const options: ParsedArgs['options'] = {};
  const positionals: string[] = [];
  let help = false;
  const byAlias = new Map<string, string>();
  for (const [name, s] of Object.entries(spec)) if (s.alias) byAlias.set(s.alias, name);
  // One iterator for the words, so an option's value is simply the next word.
  const words = args[Symbol.iterator]();
  for (const a of words) {
    if (a === '--') {
      positionals.push(...words);
      break;
    }
    if (a === '--help' || a === '-h') {
      help = true;
      continue;
    }
    if (!a.startsWith('-') || a === '-') {
      positionals.push(a);
      continue;
    }
    let name: string;
    let value: string | undefined;
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      name = eq >= 0 ? a.slice(2, eq) : a.slice(2);
      value = eq >= 0 ? a.slice(eq + 1) : undefined;
    } else {
      const alias = byAlias.get(a.slice(1));
      if (!alias) throw new CliInputError(`unknown option ${a} for "${command}" (see ingress-lab ${command} --help)`);
      name = alias;
    }
    const s = spec[name];
    if (!s) throw new CliInputError(`unknown option --${name} for "${command}" (see ingress-lab ${command} --help)`);
    if (s.kind === 'boolean') {
      if (value === undefined) options[name] = true;
      else if (value === 'true' || value === 'false') options[name] = value === 'true';
      else throw new CliInputError(`--${name} takes true or false, not "${value}"`);
      continue;
    }
    if (value === undefined) {
      const next = words.next();
      if (next.done) throw new CliInputError(`--${name} needs a value`);
      value = next.value;
    }
    if (s.kind === 'number') {
      if (!/^\d+$/.test(value)) throw new CliInputError(`--${name} takes a number, not "${value}"`);
      options[name] = Number(value);
    } else if (s.kind === 'strings') {
      const list = (options[name] as string[] | undefined) ?? [];
      list.push(value);
      options[name] = list;
    } else {
      if (s.choices && !s.choices.includes(value))
        throw new CliInputError(`--${name} must be one of ${s.choices.join('|')}, not "${value}"`);
      options[name] = value;
    }
  }
  return { options, positionals, help };
}

/** Reads a text file, turning Node's errors into one sentence that names the file. */
export async function readInputFile(io: CliIo, path: string): Promise<string> {
  try {
    return await io.readFile(path);
  } catch (e) {
    if (e instanceof InputFileError) throw new CliInputError(e.message);
    const code = (e as NodeJS.ErrnoException)?.code;
    const why =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EACCES' || code === 'EPERM'
          ? 'permission denied'
          : code === 'EISDIR'
            ? 'it is a directory'
            : code === 'ELOOP'
              ? 'its symbolic links loop'
              : ((e as Error)?.message ?? String(e));
    throw new CliInputError(`cannot read ${path}: ${why}`);
  }
}

/** Reads and parses a JSON file; a syntax error names the file, line and column. */
export async function readJsonFile(io: CliIo, path: string): Promise<unknown> {
  const text = await readInputFile(io, path);
  if (text.trim() === '') throw new CliInputError(`${path} is empty (expected JSON)`);
  let value: unknown;
  try {
    value = parseJsonText(text);
  } catch (e) {
    if (e instanceof JsonSyntaxError)
      throw new CliInputError(`${path}:${e.line}:${e.column}: invalid JSON: ${oneLine(e.detail, 200)}`);
    throw e;
  }
  const depth = jsonDepthOver(value, MAX_JSON_DEPTH);
  if (depth)
    throw new CliInputError(
      `${path}: JSON nested deeper than ${MAX_JSON_DEPTH} levels; Envoy's dumps nest far less: give the output of /config_dump or istioctl ... -o json`,
    );
  return value;
}

/** Deeper JSON is refused before any reader walks it (recursion would overflow the stack). */
export const MAX_JSON_DEPTH = 500;

/** Whether `value` nests deeper than `max` levels (iterative, so it never overflows itself). */
export function jsonDepthOver(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length) {
    const [v, d] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (d >= max) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v))
      if (child !== null && typeof child === 'object') stack.push([child, d + 1]);
  }
  return false;
}

/** Runs a command body, printing CliInputError (and anything unexpected) as one line, never a stack trace. */
export async function runGuarded(io: CliIo, body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (e) {
    if (e instanceof CliInputError) {
      io.stderr(`ingress-lab: ${oneLine(e.message, 1000)}\n`);
      return EXIT_INPUT;
    }
    if (e instanceof RangeError && /call stack|string length|array length/i.test(e.message)) {
      io.stderr('ingress-lab: the input is too large or nested too deeply to read; split it into smaller files\n');
      return EXIT_INPUT;
    }
    const msg = e instanceof Error ? e.message : String(e);
    io.stderr(`ingress-lab: internal error: ${oneLine(msg, 300)} (please report this with the input that caused it)\n`);
    return 1;
  }
}
