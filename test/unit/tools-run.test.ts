import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { sendWithCurl, sendWithNode } from '../../src/tools/curl';
import { locateTool } from '../../src/tools/locate';
import { commandLine, runTool, shellQuote } from '../../src/tools/run';
import { probeTcp, splitHostPort } from '../../src/tools/probe';

let server: Server;
let port = 0;
before(async () => {
  // A stand-in for the gateway: answers by Host header, like Envoy's virtual hosts.
  server = createServer((req, res) => {
    if (req.headers.host !== 'simple.baihl.io') {
      res.writeHead(404, { server: 'istio-envoy' }).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'text/plain', server: 'istio-envoy' }).end(`hello from ${req.url}\n`);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as { port: number }).port;
});
after(() => server.close());

test('a configured tool path wins; a wrong one says which setting to fix', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ilab-tools-'));
  const fake = join(dir, 'istioctl');
  writeFileSync(fake, '#!/bin/sh\necho "$@"\n');
  chmodSync(fake, 0o755);
  const onPath = locateTool('istioctl', '', { PATH: dir });
  assert.ok(onPath.ok && onPath.tool.path === fake && onPath.tool.from === 'PATH');
  const set = locateTool('istioctl', fake, { PATH: '' });
  assert.ok(set.ok && set.tool.from === 'setting');
  const bad = locateTool('istioctl', join(dir, 'nope'), { PATH: dir });
  assert.ok(!bad.ok && /istioIngressLab\.tools\.istioctlPath/.test(bad.message));
  const missing = locateTool('curl', '', { PATH: dir });
  assert.ok(!missing.ok && /not on the PATH/.test(missing.message));
});

test("the lab's own istioctl (.cluster/bin) is found before PATH, even when the login shell's PATH lacks it", () => {
  const lab = mkdtempSync(join(tmpdir(), 'ilab-labbin-'));
  const other = mkdtempSync(join(tmpdir(), 'ilab-path-'));
  for (const d of [lab, other]) {
    writeFileSync(join(d, 'istioctl'), '#!/bin/sh\n');
    chmodSync(join(d, 'istioctl'), 0o755);
  }
  const found = locateTool('istioctl', '', { PATH: other, ISTIO_INGRESS_LAB_BIN: lab });
  assert.ok(found.ok && found.tool.path === join(lab, 'istioctl') && found.tool.from === 'lab');
  // Not linked yet (the cluster is still being built): PATH as before.
  const notYet = locateTool('istioctl', '', { PATH: other, ISTIO_INGRESS_LAB_BIN: join(lab, 'missing') });
  assert.ok(notYet.ok && notYet.tool.from === 'PATH');
  // A setting still wins.
  const set = locateTool('istioctl', join(other, 'istioctl'), { PATH: '', ISTIO_INGRESS_LAB_BIN: lab });
  assert.ok(set.ok && set.tool.from === 'setting');
});

test('arguments pass through untouched, never through a shell', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ilab-run-'));
  const echo = join(dir, 'istioctl');
  writeFileSync(echo, '#!/bin/sh\nfor a in "$@"; do printf "[%s]" "$a"; done\n');
  chmodSync(echo, 0o755);
  const args = [
    'proxy-config',
    'endpoints',
    '--cluster',
    'outbound|80||simple.simple.svc.cluster.local',
    '$(touch x); echo',
  ];
  const logged: string[] = [];
  const r = await runTool({ name: 'istioctl', path: echo, from: 'setting' }, args, { log: (l) => logged.push(l) });
  assert.equal(r.stdout, args.map((a) => `[${a}]`).join(''));
  assert.equal(r.failure, undefined);
  assert.equal(
    r.commandLine,
    "istioctl proxy-config endpoints --cluster 'outbound|80||simple.simple.svc.cluster.local' '$(touch x); echo'",
  );
  assert.match(logged[0]!, /^run: istioctl proxy-config/);
  assert.equal(shellQuote("it's"), `'it'\\''s'`);
  assert.equal(commandLine('curl', ['-H', 'Host: a']), "curl -H 'Host: a'");
});

test('a missing binary fails with one sentence', async () => {
  const r = await runTool({ name: 'curl', path: '/nonexistent/curl', from: 'setting' }, ['-V']);
  assert.match(r.failure ?? '', /could not start \/nonexistent\/curl/);
});

test('the built-in client sends the Host header and reads status and body', async () => {
  const r = await sendWithNode({ address: `127.0.0.1:${port}`, host: 'simple.baihl.io', path: '/simple/httpserver' });
  assert.ok(r.ok);
  assert.equal(r.response.status, 200);
  assert.equal(r.response.body, 'hello from /simple/httpserver\n');
  assert.equal(r.response.via, 'built-in http client');
  const wrongHost = await sendWithNode({ address: `127.0.0.1:${port}`, host: 'other', path: '/' });
  assert.ok(wrongHost.ok && wrongHost.response.status === 404);
});

test('curl, when installed, gives the same answer', async (t) => {
  const curl = locateTool('curl', '');
  if (!curl.ok) return t.skip('curl is not installed here');
  const r = await sendWithCurl(curl.tool, {
    address: `127.0.0.1:${port}`,
    host: 'simple.baihl.io',
    path: '/simple/nginx',
  });
  assert.ok(r.ok, r.ok ? '' : r.message);
  assert.equal(r.response.status, 200);
  assert.equal(r.response.headers.server, 'istio-envoy');
  assert.equal(r.response.body, 'hello from /simple/nginx\n');
});

test('probing: a listening port answers, a closed one does not', async () => {
  assert.equal(await probeTcp(`127.0.0.1:${port}`), true);
  const closed = createServer();
  await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
  const closedPort = (closed.address() as { port: number }).port;
  closed.close();
  assert.equal(await probeTcp(`127.0.0.1:${closedPort}`, 500), false);
  assert.deepEqual(splitHostPort('[::1]:8080'), { host: '::1', port: 8080 });
  assert.deepEqual(splitHostPort('10.96.190.18'), { host: '10.96.190.18', port: 80 });
});
