// The one reader of versions.sh for the harness's JavaScript: versions, cache paths and ports are pinned
// there (the shell scripts source it), so the .mjs files ask bash for the values instead of copying them.
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const VERSIONS_SH = join(dirname(fileURLToPath(import.meta.url)), 'versions.sh');

/** The values of the named versions.sh variables, by name (one bash run; a value never holds a newline). */
export function versionVars(...names) {
  const out = execFileSync(
    'bash',
    ['-c', 'source "$1"; shift; for n in "$@"; do printf "%s\\n" "${!n}"; done', 'bash', VERSIONS_SH, ...names],
    { encoding: 'utf8' },
  );
  const values = out.replace(/\n$/, '').split('\n');
  return Object.fromEntries(names.map((n, i) => [n, values[i] ?? '']));
}
