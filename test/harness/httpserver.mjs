#!/usr/bin/env node
// STAND-IN for the sample's container image cncamp/httpserver (no image can be pulled here):
// a tiny HTTP server answering /hello like it does ("hello [stranger]" plus the request headers
// it received) and /healthz. backends.sh runs one per `simple` pod, inside the pod's network
// namespace, bound to the pod's IP.
// Usage: node httpserver.mjs --host 10.244.0.7 --port 80 [--name simple-abc]
import { createServer } from 'node:http';
import { hostname } from 'node:os';

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1] : dflt;
};
const host = opt('host', '127.0.0.1');
const port = Number(opt('port', '80'));
const name = opt('name', hostname());

const server = createServer((req, res) => {
  const path = new URL(req.url ?? '/', 'http://x').pathname;
  // Like cncamp/httpserver: echo request headers as response headers, and the VERSION env.
  for (const [k, v] of Object.entries(req.headers)) {
    if (!['content-length', 'connection', 'host', 'transfer-encoding'].includes(k) && typeof v === 'string')
      res.setHeader(`x-request-${k}`, v);
  }
  res.setHeader('x-served-by', name);
  if (path === '/hello') {
    const user = new URL(req.url ?? '/', 'http://x').searchParams.get('user') || 'stranger';
    const lines = [`hello [${user}]`, '===================Details of the http request header:============'];
    for (const [k, v] of Object.entries(req.headers)) lines.push(`${k}=${Array.isArray(v) ? v.join(',') : v}`);
    res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
    res.end(`${lines.join('\n')}\n`);
  } else if (path === '/healthz') {
    res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
    res.end('ok\n');
  } else {
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
    res.end('404 page not found\n');
  }
});

server.on('error', (e) => {
  console.error(`httpserver: cannot listen on ${host}:${port}: ${e.message}`);
  process.exit(1);
});
server.listen(port, host, () => console.log(`httpserver ${name} listening on ${host}:${port}`));
for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => server.close(() => process.exit(0)));
