// Is host:port reachable from this machine? A TCP connect with a short timeout, nothing sent.
import { connect } from 'node:net';

export function splitHostPort(address: string): { host: string; port: number } {
  const m = /^\[([^\]]+)\](?::(\d+))?$/.exec(address) ?? /^([^:]+)(?::(\d+))?$/.exec(address);
  if (!m) return { host: address, port: 80 };
  return { host: m[1], port: m[2] ? Number(m[2]) : 80 };
}

export function probeTcp(address: string, timeoutMs = 1500): Promise<boolean> {
  const { host, port } = splitHostPort(address);
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}
