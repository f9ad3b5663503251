// `ingress-lab predict` on TCP and TLS servers: the filter chains with their SNI and destination, and no
// "not on the gateway" line for a VirtualService whose tcp/tls rules are there.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { main } from '../../src/cli';
import { memoryIo } from './helpers/memoryIo';

const dir = fileURLToPath(new URL('../corpus/tls-tcp-rules/', import.meta.url));
const files = Object.fromEntries(
  readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => [f, readFileSync(`${dir}${f}`, 'utf8')]),
);

test('predict table: TCP/TLS routes by listener and SNI, with the rule each comes from', async () => {
  const { io, out } = memoryIo(files);
  const code = await main(['predict', ...Object.keys(files).sort()], io);
  assert.equal(code, 0, out.stderr);
  const lines = out.stdout.trimEnd().split('\n');
  assert.equal(lines[0], 'TCP/TLS routes (filter chains with a tcp_proxy):');
  assert.match(lines[1]!, /^LISTENER\s+SNI\s+DESTINATION\s+FROM$/);
  assert.deepEqual(
    lines.slice(2).map((l) => l.split(/\s{2,}/)),
    [
      [
        '0.0.0.0_8443',
        'simple.baihl.io',
        'outbound|80||simple.simple.svc.cluster.local',
        'tls-a.simple tls[0].match[0] 20-virtualservices.yaml:15',
      ],
      [
        '0.0.0.0_8443',
        'nginx.baihl.io,www.baihl.io',
        'outbound|80||nginx.simple.svc.cluster.local',
        'tls-b.simple tls[1].match[0] 20-virtualservices.yaml:44',
      ],
      [
        '0.0.0.0_9000',
        '*',
        'outbound|80||nginx.simple.svc.cluster.local',
        'tcp-raw.simple tcp[1] 20-virtualservices.yaml:69',
      ],
    ],
  );
  assert.equal(out.stderr, '');
});
