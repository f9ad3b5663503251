// The CLI's I/O over an in-memory file system, so subcommands run in-process in tests.
import type { CliIo } from '../../../src/cli/args';

export function memoryIo(files: Record<string, string>) {
  const out = { stdout: '', stderr: '' };
  const io: CliIo = {
    stdout: (t) => void (out.stdout += t),
    stderr: (t) => void (out.stderr += t),
    readFile: (p) => {
      const text = files[p];
      if (text === undefined) return Promise.reject(Object.assign(new Error(`ENOENT: ${p}`), { code: 'ENOENT' }));
      return Promise.resolve(text);
    },
  };
  return { io, out };
}
