// A stand-in for the API server's pods/portforward endpoint (v4.channel.k8s.io over a WebSocket), run
// as its own process so a test can kill or stop it as a user's API server would die or hang.
// It forwards the stream to a real local TCP server given in argv (the "pod"), like a kubelet. With
// `--cut-after BYTES` it prints "cut" on stdout once it has passed that many bytes of the answer and
// passes nothing more: the test then SIGKILLs or SIGSTOPs it mid-answer.
// argv: <listen port> <pod port> [--cut-after BYTES]
import http from 'node:http';
import net from 'node:net';
import { WebSocketServer } from 'ws';

const [listenPort, podPort] = process.argv.slice(2, 4).map(Number);
const cutAt = process.argv.indexOf('--cut-after');
const cutAfter = cutAt > 0 ? Number(process.argv[cutAt + 1]) : Infinity;

const server = http.createServer((_req, res) => res.writeHead(404).end());
const wss = new WebSocketServer({
  server,
  handleProtocols: (protocols) => (protocols.has('v4.channel.k8s.io') ? 'v4.channel.k8s.io' : false),
});
wss.on('connection', (ws, req) => {
  const remotePort = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('ports'));
  const portBytes = [remotePort & 0xff, remotePort >> 8];
  // Each stream's first frame is the port number (little-endian), then data on 0, errors on 1.
  ws.send(Buffer.from([0, ...portBytes]));
  ws.send(Buffer.from([1, ...portBytes]));
  const pod = net.connect(podPort, '127.0.0.1');
  let passed = 0;
  pod.on('data', (chunk) => {
    if (passed >= cutAfter) return;
    const part = chunk.subarray(0, Math.max(0, cutAfter - passed));
    passed += part.length;
    ws.send(Buffer.concat([Buffer.from([0]), part]));
    if (passed >= cutAfter) process.stdout.write('cut\n');
  });
  // After the cut the stand-in passes nothing, not even the end: it is about to be killed or stopped.
  pod.on('end', () => passed < cutAfter && ws.close(1000));
  pod.on('error', () => ws.close(1011));
  ws.on('message', (data) => {
    const buf = Buffer.isBuffer(data) ? data : Buffer.from(data);
    if (buf[0] === 0) pod.write(buf.subarray(1));
  });
  ws.on('close', () => pod.destroy());
});
server.listen(listenPort, '127.0.0.1', () => process.stdout.write(`listening ${server.address().port}\n`));
