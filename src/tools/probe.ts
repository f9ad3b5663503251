// Is host:port reachable from this machine? A TCP connect with a short timeout, nothing sent.
import { connect } from 'node:net';

export function splitHostPort(address: string): { host: string; port: number } {
  const m = /^\[([^\]]+)\](?::(\d+))?$/.exec(address) ?? /^([^:]+)(?::(\d+))?$/.exec(address);
  const [, host = address, port] = m ?? [];
  return { host, port: port ? Number(port) : 80 };
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
