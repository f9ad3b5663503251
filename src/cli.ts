// `ingress-lab`: the engine headless. The dispatch table below holds every subcommand; each is a Command
// (src/cli/args.ts) that gets its arguments and an injectable I/O, so tests run it in-process.
import { analyzeCommand } from './cli/analyzeCommand';
import { EXIT_INPUT, EXIT_OK, type CliIo, type Command } from './cli/args';
import { envoyCommands } from './cli/envoyCommands';
import { explainLogCommand } from './cli/explainLogCommand';
import { predictCommand } from './cli/predictCommand';
import { oneLine, readStdinText, readTextFile } from './cli/readInput';
import { traceCommand } from './cli/traceCommand';

/** Every subcommand, in the order `--help` lists them. Other modules add theirs here (predict, analyze, trace). */
export const commands: Command[] = [predictCommand, analyzeCommand, traceCommand, explainLogCommand, ...envoyCommands];

export function helpText(list: readonly Command[] = commands): string {
  const width = Math.max(...list.map((c) => c.name.length));
  return (
    'Usage: ingress-lab <command> [options]\n\nCommands:\n' +
    list.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}\n`).join('') +
    '\nRun ingress-lab <command> --help for the options of a command.\n'
  );
}

export async function main(argv: string[], io: CliIo, list: readonly Command[] = commands): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    const text = helpText(list);
    if (name === undefined) {
      io.stderr(text);
      return EXIT_INPUT;
    }
    io.stdout(text);
    return EXIT_OK;
  }
  const cmd = list.find((c) => c.name === name);
  if (!cmd) {
    io.stderr(
      `ingress-lab: unknown command "${name}"; commands: ${list.map((c) => c.name).join(', ')} (see ingress-lab --help)\n`,
    );
    return EXIT_INPUT;
  }
  try {
    return await cmd.run(rest, io);
  } catch (e) {
    io.stderr(
      `ingress-lab: internal error in ${name}: ${oneLine(e instanceof Error ? e.message : String(e), 300)} (please report this with the input that caused it)\n`,
    );
    return 1;
  }
}

export const processIo: CliIo = {
  stdout: (t) => void process.stdout.write(t),
  stderr: (t) => void process.stderr.write(t),
  readFile: (p) => readTextFile(p),
  readStdin: () => readStdinText(),
};

// Runs only as the bundled entry point (dist/cli.cjs), not when tests import this module.
if (typeof require !== 'undefined' && typeof module !== 'undefined' && require.main === module) {
  main(process.argv.slice(2), processIo).then(
    (code) => {
      process.exitCode = code;
    },
    (e) => {
      process.stderr.write(`ingress-lab: internal error: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exitCode = 1;
    },
  );
}
