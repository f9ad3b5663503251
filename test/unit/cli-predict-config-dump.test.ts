// `ingress-lab predict -o config-dump`: the predicted listeners and route configurations as an Envoy
// /config_dump. On every corpus case, `ingress-lab routes|listeners --config-dump` on it prints the tables it
// prints for Istio's own output (the oracle's listeners and route configurations in the same dump form), and so
// does the real istioctl (`proxy-config routes|listeners --file`, built by setup; skipped, saying so, when absent).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { main } from '../../src/cli';
import { predictedConfigDump } from '../../src/cli/predictCommand';
import type { PredictedCluster } from '../../src/istio/predictClusters';
import type { PredictedListener } from '../../src/istio/predictListeners';
import type { RouteConfiguration } from '../../src/envoy/types';
import { memoryIo } from './helpers/memoryIo';
import { istioModuleVersion } from './helpers/istioTestdata';

const corpus = fileURLToPath(new URL('../corpus/', import.meta.url));
const cases = readdirSync(corpus)
  .filter((d) => existsSync(`${corpus}${d}/oracle.json`))
  .sort();
const ISTIOCTL = join(
  process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'),
  'istio-ingress-lab',
  'istio',
  istioModuleVersion(),
  'istioctl',
);
const tmp = mkdtempSync(join(tmpdir(), 'predict-dump-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

async function run(args: string[], files: Record<string, string>): Promise<string> {
  const { io, out } = memoryIo(files);
  const code = await main(args, io);
  return `exit ${code}\n${out.stdout}${out.stderr}`;
}

for (const name of cases) {
  test(`corpus ${name}: the predicted dump's routes, listeners and clusters tables equal those of Istio's output (ingress-lab, istioctl)`, async (t) => {
    const dir = `${corpus}${name}/`;
    const files = Object.fromEntries(
      readdirSync(dir)
        .filter((f) => f.endsWith('.yaml'))
        .map((f) => [f, readFileSync(`${dir}${f}`, 'utf8')]),
    );
    const { io, out } = memoryIo(files);
    assert.equal(await main(['predict', '-o', 'config-dump', ...Object.keys(files).sort()], io), 0, out.stderr);
    const predicted = out.stdout;
    const oracle = JSON.parse(readFileSync(`${dir}oracle.json`, 'utf8')) as {
      routes: RouteConfiguration[];
      listeners: PredictedListener[];
      clusters: PredictedCluster[];
    };
    const oracleDump = JSON.stringify(
      predictedConfigDump(
        oracle.routes,
        oracle.listeners.map((l) => ({ ...l, '@type': 'type.googleapis.com/envoy.config.listener.v3.Listener' })),
        oracle.clusters.map((c) => ({ ...c, '@type': 'type.googleapis.com/envoy.config.cluster.v3.Cluster' })),
      ),
    );
    // the same file name for both, so an error message (no routes at all) reads the same too
    for (const kind of ['routes', 'listeners', 'clusters']) {
      const ours = await run([kind, '--config-dump', 'dump.json'], { 'dump.json': predicted });
      assert.equal(ours, await run([kind, '--config-dump', 'dump.json'], { 'dump.json': oracleDump }), kind);
    }
    if (!existsSync(ISTIOCTL)) {
      t.diagnostic(`istioctl not built (${ISTIOCTL}): run npm run setup; only ingress-lab's table was compared`);
      return;
    }
    writeFileSync(join(tmp, `${name}.predicted.json`), predicted);
    writeFileSync(join(tmp, `${name}.oracle.json`), oracleDump);
    const istioctl = (kind: string, f: string) => {
      const r = spawnSync(ISTIOCTL, ['proxy-config', kind, '--file', join(tmp, f)], { encoding: 'utf8' });
      return `exit ${r.status}\n${r.stdout}${r.stderr}`;
    };
    for (const kind of ['routes', 'listeners', 'clusters'])
      assert.equal(istioctl(kind, `${name}.predicted.json`), istioctl(kind, `${name}.oracle.json`), kind);
  });
}
