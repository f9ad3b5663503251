// A local TCP port on 127.0.0.1 forwarded to a pod's port through the API server's pods/portforward
// (client-node's PortForward over a WebSocket), like `kubectl port-forward`. One WebSocket per
// accepted socket; a failing socket is closed and logged without touching the others.
//
// A WebSocket cut mid-answer (the API server killed or restarted, the stream reset) resets the local
// socket, so the reader gets ECONNRESET rather than an end that looks like the end of the answer,
// and lastError() says the API server went away. A WebSocket that stays open but silent (the API
// server stopped, a dead network path) is found by a ping heartbeat, as kubectl's WebSocket
// port-forward does, and treated the same way: no reader waits forever.
import net from 'node:net';
import { Writable } from 'node:stream';
import { PortForward, type KubeConfig } from '@kubernetes/client-node';
import type WebSocket from 'isomorphic-ws';
import { ClusterError, toClusterError, type CallDescription } from './errors';
import type { Log } from './transport';

export interface PortForwardHandle {
  localPort: number;
  /** The last error a forwarded connection hit (upgrade refused, pod port closed), for messages. */
  lastError(): ClusterError | undefined;
  /** Number of connections currently open. */
  openConnections(): number;
  dispose(): Promise<void>;
}

export interface PortForwardOptions {
  namespace: string;
  pod: string;
  remotePort: number;
  who: Pick<CallDescription, 'context' | 'server' | 'user'>;
  log: Log;
  /** Ping the API server this often on each open WebSocket; no pong by the next ping counts as a miss. */
  heartbeatMs?: number;
  /** Misses in a row after which the stream is taken as dead. */
  heartbeatMisses?: number;
}

/** kubectl's WebSocket port-forward pings every 5 s; three unanswered pings (15 s) end the stream. */
const defaultHeartbeatMs = 5_000;
const defaultHeartbeatMisses = 3;

/** The WebSocket ended without the API server closing it normally: it is gone or reset the stream. */
function cutError(opts: PortForwardOptions, what: string): ClusterError {
  const server = opts.who.server ? `the API server ${opts.who.server}` : 'the API server';
  return new ClusterError(
    'unreachable',
    `Lost the connection to ${server} while forwarding to ${opts.namespace}/${opts.pod}:${opts.remotePort}: ${what}.`,
    'Is the API server up (kubectl get --raw /readyz)? Try again once it answers; the next read opens a new connection.',
  );
}

/** ws rejects a refused upgrade with "Unexpected server response: 403"; give it the HTTP status shape. */
function upgradeError(err: unknown): unknown {
  const message = err instanceof Error ? err.message : ((err as { message?: string })?.message ?? String(err));
  const m = /Unexpected server response: (\d{3})/.exec(message);
  if (m) return { code: Number(m[1]), body: undefined };
  return (err as { error?: unknown })?.error ?? err;
}

export async function startPortForward(kc: KubeConfig, opts: PortForwardOptions): Promise<PortForwardHandle> {
  const { namespace, pod, remotePort, log } = opts;
  const call: CallDescription = { ...opts.who, verb: 'create', resource: 'pods/portforward', namespace, name: pod };
  const forwarder = new PortForward(kc, true);
  const sockets = new Set<net.Socket>();
  const sockets2ws = new Map<net.Socket, WebSocket>();
  let last: ClusterError | undefined;

  const onConnection = (socket: net.Socket) => {
    sockets.add(socket);
    const started = Date.now();
    let failed = false;
    const fail = (err: ClusterError) => {
      if (failed) return;
      failed = true;
      last = err;
      log(`portforward ${pod} -n ${namespace} ${remotePort} → ${err.kind}: ${err.message}`);
      // A reset, not an end: an HTTP reader without a length would take an end for a complete answer.
      if (!socket.destroyed) socket.resetAndDestroy();
    };
    // The kubelet (here kwok) reports a failed dial on the error stream, just before it closes the
    // WebSocket: record it at once, so the client's "socket hang up" can be explained.
    const errors = new Writable({
      write(chunk: Buffer, _enc, done) {
        // The stream's first frame carries only the port number, which PortForward strips: empty.
        const text = chunk.toString('utf8').trim();
        if (!text) {
          done();
          return;
        }
        fail(
          new ClusterError(
            'port-forward',
            `Port-forward to ${namespace}/${pod}:${remotePort} failed: ${text}`,
            `Is something listening on port ${remotePort} in the pod? Check the pod's containers and ports.`,
          ),
        );
        done();
      },
    });
    socket.on('error', () => socket.destroy()); // the client went away; the WebSocket is closed below
    socket.on('close', () => {
      sockets.delete(socket);
      const ws = sockets2ws.get(socket);
      sockets2ws.delete(socket);
      if (ws && ws.readyState <= 1) ws.close();
    });
    forwarder
      .portForward(namespace, pod, [remotePort], socket, errors, socket)
      .then((result) => {
        const ws = typeof result === 'function' ? result() : result;
        if (!ws) return;
        log(`portforward ${pod} -n ${namespace} ${remotePort} → connected ${Date.now() - started}ms`);
        if (socket.destroyed) {
          ws.close();
          return;
        }
        sockets2ws.set(socket, ws);
        watchWebSocket(ws, fail, socket);
      })
      .catch((err: unknown) => {
        const mapped = toClusterError(upgradeError(err), call);
        fail(
          mapped.kind === 'unknown'
            ? new ClusterError(
                'port-forward',
                `Port-forward to ${namespace}/${pod}:${remotePort} failed: ${mapped.message}`,
                'Check that the pod exists and is running (kubectl get pod).',
              )
            : mapped,
        );
      });
  };

  const heartbeatMs = opts.heartbeatMs ?? defaultHeartbeatMs;
  const heartbeatMisses = opts.heartbeatMisses ?? defaultHeartbeatMisses;
  const watchWebSocket = (ws: WebSocket, fail: (err: ClusterError) => void, socket: net.Socket) => {
    let unanswered = 0;
    const heartbeat = setInterval(() => {
      if (unanswered >= heartbeatMisses) {
        fail(cutError(opts, `no answer to ${unanswered} pings in ${(unanswered * heartbeatMs) / 1000} s`));
        ws.terminate();
        return;
      }
      unanswered++;
      ws.ping();
    }, heartbeatMs);
    heartbeat.unref();
    ws.on('pong', () => {
      unanswered = 0;
    });
    // The status callback of the stream is not always delivered: the WebSocket's close ends the socket.
    // 1000 is the API server closing the stream because the pod's side ended: a normal end. Anything
    // else (1006: the TCP connection dropped without a close frame) is a cut.
    const onClose = (code: number, reason: string) => {
      clearInterval(heartbeat);
      if (socket.destroyed) return; // the reader (or dispose) closed first: we closed the WebSocket
      if (code === 1000) socket.end();
      else fail(cutError(opts, `the stream was cut (WebSocket ${code}${reason ? ` ${reason}` : ''})`));
    };
    ws.on('close', (code: number, reason: Buffer) => onClose(code, reason.toString('utf8')));
    ws.on('error', (err: Error) => fail(cutError(opts, `the stream failed (${err.message})`)));
    // Closed between the upgrade and here: no close event will come.
    if (ws.readyState === ws.CLOSED) onClose(1006, '');
  };

  const server = net.createServer(onConnection);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  server.on('error', (err) =>
    log(`portforward ${pod} -n ${namespace} ${remotePort} → local server error: ${err.message}`),
  );
  const localPort = (server.address() as net.AddressInfo).port;
  log(`portforward ${pod} -n ${namespace} ${remotePort} → listening on 127.0.0.1:${localPort}`);

  let disposed: Promise<void> | undefined;
  return {
    localPort,
    lastError: () => last,
    openConnections: () => sockets.size,
    dispose() {
      disposed ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const ws of sockets2ws.values()) ws.close();
        for (const s of sockets) s.destroy();
        log(`portforward ${pod} -n ${namespace} ${remotePort} → closed 127.0.0.1:${localPort}`);
      });
      return disposed;
    },
  };
}
