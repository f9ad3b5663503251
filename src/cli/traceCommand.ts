// `ingress-lab trace --host H --path P FILE...`: the hops of one request, from the ingress address to the pod.
import { AdminClustersIndex } from '../envoy/index';
import type { EntryKind } from '../istio/kubeProxy';
import { traceRequest, traceToText, type LiveState } from '../istio/trace';
import type { PodEndpoint } from '../envoy/index';
import { CliInputError, EXIT_OK, parseArgs, runGuarded, type Command } from './args';
import { loadAdminClusters, loadConfigDump } from './envoyCommands';
import { loadResources } from './predictCommand';
import { DEFAULT_NAMESPACE } from '../istio/model';
import { parseIp } from '../envoy/ip';

const USAGE = `Usage: ingress-lab trace --host HOST --path PATH [options] FILE...

Follows one request through the ingress: address, gateway Service, kube-proxy's iptables chains, the
gateway pod, Envoy's listener and the filter chain the SNI selects, route configuration, the gateway's
RequestAuthentication and AuthorizationPolicy filters (401/403 and the policy that decided), virtual host, the winning route (and why each
earlier route did not match), the rewritten path, the cluster and its endpoints.
Offline it predicts Envoy's config from the YAML; --config-dump/--clusters use a real gateway's.

  --host HOST               Host header, e.g. simple.baihl.io
  --path PATH               request path, e.g. /simple/nginx
  --method M                HTTP method (default GET)
  --tls                     a TLS connection (HTTPS, or TLS passthrough) with the host as SNI; port 443 by default
  --sni NAME                the SNI the client sends (implies --tls)
  --alpn P                  an ALPN protocol the client offers (repeatable; AUTO_PASSTHROUGH wants istio's)
  --client-cert             the TLS client presents a certificate (curl --cert); MUTUAL servers require one
  --header K=V              extra request header (repeatable; Authorization=Bearer TOKEN for a JWT)
  --source-ip IP            the client's address as the gateway sees it (AuthorizationPolicy ipBlocks)
  --entry KIND              loadBalancer | clusterIP | nodePort (default: loadBalancer when the Service has one)
  --address A, --port N     the address and port the client sends to
  --legacy-iptables         kube-proxy before 1.24 (no KUBE-EXT chains), as in the seed article
  --config-dump FILE        the gateway's Envoy /config_dump (live routes instead of predicted ones)
  --clusters FILE           the gateway's Envoy /clusters?format=json (live endpoints)
  --namespace, -n NS        namespace for objects that name none (default: default)
  --output, -o FORMAT       text (default) or json
`;

export const traceCommand: Command = {
  name: 'trace',
  summary: 'follow one request from the ingress address to the pod, and say why',
  run: (args, io) =>
    runGuarded(io, async () => {
      const {
        options: o,
        positionals,
        help,
      } = parseArgs('trace', args, {
        host: { kind: 'string' },
        path: { kind: 'string' },
        tls: { kind: 'boolean' },
        sni: { kind: 'string' },
        alpn: { kind: 'strings' },
        'client-cert': { kind: 'boolean' },
        method: { kind: 'string' },
        header: { kind: 'strings' },
        'source-ip': { kind: 'string' },
        entry: { kind: 'string', choices: ['loadBalancer', 'clusterIP', 'nodePort'] },
        address: { kind: 'string' },
        port: { kind: 'number' },
        'legacy-iptables': { kind: 'boolean' },
        'config-dump': { kind: 'string' },
        clusters: { kind: 'string' },
        namespace: { kind: 'string', alias: 'n' },
        output: { kind: 'string', alias: 'o', choices: ['text', 'json'] },
      });
      if (help) {
        io.stdout(USAGE);
        return EXIT_OK;
      }
      const tls = o.tls === true || o.sni !== undefined;
      // A TLS trace may stop at a passthrough chain, where no path is read: `/` unless told.
      if (!o.host || (!o.path && !tls))
        throw new CliInputError('trace needs --host and --path (see ingress-lab trace --help)');
      const path = String(o.path ?? '/');
      if (!path.startsWith('/')) throw new CliInputError(`--path must start with "/", not "${path.slice(0, 80)}"`);
      // Envoy's default max_request_headers_kb is 60: a longer request line is answered 431 before routing.
      if (path.length > 60 * 1024)
        throw new CliInputError(
          `--path is ${path.length} bytes; Envoy refuses request headers over 60 KiB (431) before any route: give a shorter path`,
        );
      const headers: Record<string, string> = {};
      for (const h of (o.header as string[] | undefined) ?? []) {
        const eq = h.indexOf('=');
        if (eq <= 0) throw new CliInputError(`--header takes NAME=VALUE, not "${h}"`);
        headers[h.slice(0, eq).toLowerCase()] = h.slice(eq + 1);
      }
      const sourceIp = o['source-ip'] as string | undefined;
      if (sourceIp !== undefined && !parseIp(sourceIp))
        throw new CliInputError(`--source-ip takes an IPv4 or IPv6 address, not "${sourceIp.slice(0, 80)}"`);
      const resources = await loadResources(io, positionals, (o.namespace as string | undefined) ?? DEFAULT_NAMESPACE);
      const live: LiveState = { legacyKubeProxy: o['legacy-iptables'] === true };
      if (o['config-dump']) {
        const dump = await loadConfigDump(io, String(o['config-dump']));
        live.routeConfigs = dump.routeConfigs.map((e) => e.routeConfig);
        if (dump.listeners.length) live.listeners = dump.listeners.map((e) => e.listener);
      }
      if (o.clusters) {
        const index = new AdminClustersIndex(await loadAdminClusters(io, String(o.clusters)));
        live.endpointsFor = (cluster): PodEndpoint[] | undefined => {
          if (!index.cluster(cluster)) return undefined;
          return index.hosts(cluster).map((h) => ({
            address: h.address?.socketAddress?.address ?? '?',
            port: Number(h.address?.socketAddress?.portValue ?? 0),
            health: h.healthStatus?.edsHealthStatus ?? 'HEALTHY',
          }));
        };
      }
      const t = traceRequest(
        {
          host: String(o.host),
          path,
          method: o.method as string | undefined,
          headers,
          ...(sourceIp ? { sourceIp } : {}),
          entry: o.entry as EntryKind | undefined,
          address: o.address as string | undefined,
          port: o.port as number | undefined,
          ...(tls ? { tls, ...(o.sni !== undefined ? { sni: String(o.sni) } : {}) } : {}),
          ...(o.alpn ? { alpn: o.alpn as string[] } : {}),
          ...(o['client-cert'] === true ? { clientCertificate: true } : {}),
        },
        resources,
        live,
      );
      io.stdout(o.output === 'json' ? `${JSON.stringify(t, null, 2)}\n` : traceToText(t));
      return EXIT_OK;
    }),
};
