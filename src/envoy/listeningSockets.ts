// The article's step 5.3, read from a real pod: `ss -ltnp` in the gateway pod's network namespace
// (on a node: nsenter -t <pid> -n ss -ltnp), parsed into Envoy's listening sockets. Pure text in.

export interface ListeningSocket {
  address: string;
  port: number;
  /** The process names ss printed (users:(("envoy",pid=…,fd=…))), deduplicated. */
  processes: string[];
}

/**
 * One entry per address:port (Envoy opens one socket per worker with SO_REUSEPORT, so ss lists
 * 0.0.0.0:8080 once per worker); IPv6 addresses keep their brackets as ss prints them.
 */
export function parseListeningSockets(ssOutput: string): ListeningSocket[] {
  const byKey = new Map<string, ListeningSocket>();
  for (const line of ssOutput.split('\n')) {
    const [state, , , local] = line.trim().split(/\s+/);
    if (state !== 'LISTEN' || local === undefined) continue;
    const i = local.lastIndexOf(':');
    const address = local.slice(0, i);
    const port = Number(local.slice(i + 1));
    if (!Number.isInteger(port)) continue;
    const processes = [...line.matchAll(/\("([^"]+)",pid=/g)].flatMap((m) => m[1] ?? []);
    const key = `${address}:${port}`;
    const seen = byKey.get(key);
    if (seen) {
      for (const p of processes) if (!seen.processes.includes(p)) seen.processes.push(p);
    } else {
      byKey.set(key, { address, port, processes: [...new Set(processes)] });
    }
  }
  return [...byKey.values()];
}
