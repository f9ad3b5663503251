// Where Istio's own analyzers are (test/harness/analyze-oracle, built from istio.io/istio at the pinned version by
// its build.sh), and the skip reason of a test that needs them on a machine where they are not built (a failure on CI).
import { existsSync, readFileSync } from 'node:fs';
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

/** `false` when the analyzer oracle is built; else the skip reason (a throw on CI). */
export const analyzeOracleMissing = () =>
  prerequisite(
    existsSync(ANALYZE_ORACLE),
    'the Istio analyzer oracle is not built: run bash test/harness/analyze-oracle/build.sh',
  );
