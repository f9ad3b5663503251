// Where Istio's own analyzers are (test/harness/analyze-oracle, built from istio.io/istio at the pinned version by
// its build.sh), and the skip reason of a test that needs them on a machine where they are not built (a failure on CI).
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { prerequisite } from './prerequisite';

const ORACLE_DIR = fileURLToPath(new URL('../../harness/analyze-oracle/', import.meta.url));
const istioVersion = /^\s*istio\.io\/istio (\S+)/m.exec(readFileSync(join(ORACLE_DIR, 'go.mod'), 'utf8'))![1]!;

export const ANALYZE_ORACLE = join(
  process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'),
  'istio-ingress-lab',
  'analyze-oracle',
  istioVersion,
  'analyze-oracle',
);

/**
 * The hash build.sh keeps next to the binary (cached-go-build.sh: sha256 of go.mod, go.sum and the Go files). The
 * cache is shared by every checkout of the same Istio version, so another checkout may have built it from other
 * sources.
 */
function sourceHash(): string {
  const goFiles = readdirSync(ORACLE_DIR)
    .filter((f) => f.endsWith('.go'))
    .sort();
  const hash = createHash('sha256');
  for (const f of ['go.mod', 'go.sum', ...goFiles]) hash.update(readFileSync(join(ORACLE_DIR, f)));
  return hash.digest('hex');
}

const builtHash = (): string | undefined => {
  try {
    return readFileSync(`${ANALYZE_ORACLE}.srchash`, 'utf8').trim();
  } catch {
    return undefined;
  }
};

/** `false` when the analyzer oracle is built from these sources; else the skip reason (a throw on CI). */
export const analyzeOracleMissing = () =>
  existsSync(ANALYZE_ORACLE)
    ? prerequisite(
        builtHash() === sourceHash(),
        "the Istio analyzer oracle was built from other sources than this checkout's (another checkout shares the cache): run bash test/harness/analyze-oracle/build.sh",
      )
    : prerequisite(false, 'the Istio analyzer oracle is not built: run bash test/harness/analyze-oracle/build.sh');
