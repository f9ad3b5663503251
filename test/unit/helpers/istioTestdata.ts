// Istio's own test data (istioctl's config-dump and describe dumps, with the tables istioctl prints for them),
// read from the pinned istio.io/istio module in the Go module cache: the same version the oracle is built
// from, fetched by `npm run setup` through the Go module proxy. Nothing is copied into this repository.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ORACLE_GO_MOD = fileURLToPath(new URL('../../harness/oracle/go.mod', import.meta.url));

/** The pinned istio.io/istio version, as the oracle's go.mod requires it. */
export function istioModuleVersion(): string {
  const version = readFileSync(ORACLE_GO_MOD, 'utf8').match(/^\s*istio\.io\/istio\s+(v\S+)/m)?.[1];
  if (!version) throw new Error(`${ORACLE_GO_MOD} does not require istio.io/istio`);
  return version;
}

let moduleDir: string | undefined;

/** The module's folder in the Go module cache; a clear error when setup has not fetched it. */
export function istioModuleDir(): string {
  if (moduleDir) return moduleDir;
  const version = istioModuleVersion();
  const env = spawnSync('go', ['env', 'GOMODCACHE'], { encoding: 'utf8' });
  if (env.error || env.status !== 0)
    throw new Error(
      `go env GOMODCACHE failed (${env.error?.message ?? env.stderr.trim()}): install Go and run npm run setup`,
    );
  const dir = join(env.stdout.trim(), `istio.io/istio@${version}`);
  if (!existsSync(join(dir, 'go.mod'))) {
    throw new Error(
      `Istio's test data is not in the Go module cache (${dir}): run npm run setup, or go mod download istio.io/istio@${version}`,
    );
  }
  moduleDir = dir;
  return dir;
}

/** A file of istioctl's test data, e.g. `writer/envoy/configdump/testdata/routes/empty-gateway/output.txt`. */
export function istioctlTestdata(relative: string): string {
  return join(istioModuleDir(), 'istioctl/pkg', relative);
}

export const readIstioctlTestdata = (relative: string): string => readFileSync(istioctlTestdata(relative), 'utf8');
