// A real Envoy for unit tests that check the engine against it: the harness's cached binary, free ports,
// a plain HTTP client, and start-until-ready. On CI a missing binary fails (prerequisite); elsewhere it skips.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { prerequisite } from './prerequisite';

function envoyBinary(): string | undefined {
  if (process.env.LAB_ENVOY_BIN) return process.env.LAB_ENVOY_BIN;
  const versions = readFileSync(new URL('../../harness/versions.sh', import.meta.url), 'utf8');
  const v = /ENVOY_VERSION="([^"]+)"/.exec(versions)?.[1];
  const cache = process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache');
  const bin = join(cache, 'istio-ingress-lab', `envoy-${v}`, 'envoy');
  return existsSync(bin) ? bin : undefined;
}

export const ENVOY_BIN = envoyBinary();
/** The `skip` of a test that needs Envoy. */
export const envoySkip = prerequisite(!!ENVOY_BIN, 'Envoy binary not built (run bash test/harness/build.sh)');

export const listen = (s: Server) =>
  new Promise<number>((res) => s.listen(0, '127.0.0.1', () => res((s.address() as { port: number }).port)));

export const freePort = async () => {
  const s = createServer();
  const p = await listen(s);
  await new Promise((r) => s.close(r));
  return p;
};

export function get(
  port: number,
  path: string,
  headers: Record<string, string> = {},
  method = 'GET',
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Writes the bootstrap to `configPath`, starts Envoy, and returns once its admin answers /ready. */
export async function startEnvoy(
  bootstrap: unknown,
  configPath: string,
  adminPort: number,
  extraArgs: string[] = [],
): Promise<ChildProcess> {
  if (!ENVOY_BIN) throw new Error('no Envoy binary');
  writeFileSync(configPath, JSON.stringify(bootstrap));
  // A base id per process, so two test files' Envoys never share shared memory.
  const baseId = String((process.pid % 50000) + Math.floor(Math.random() * 10000));
  const envoy = spawn(
    ENVOY_BIN,
    ['-c', configPath, '--disable-hot-restart', '-l', 'error', '--base-id', baseId, ...extraArgs],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  envoy.stderr?.on('data', (c) => (stderr += c));
  for (let i = 0; i < 200; i++) {
    try {
      if ((await get(adminPort, '/ready')).status === 200) return envoy;
    } catch {
      /* not up yet */
    }
    if (envoy.exitCode !== null) throw new Error(`envoy exited: ${stderr}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  envoy.kill('SIGTERM');
  throw new Error(`envoy did not become ready: ${stderr}`);
}
