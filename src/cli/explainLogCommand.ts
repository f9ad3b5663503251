// `ingress-lab explain-log [--config-dump F] [--clusters F] [-o json] [LOG|-] [YAML...]`: each line of the
// gateway's access log (Istio's default text format or its JSON encoding) with the cause of its answer
// and the YAML behind it.
import { parseAccessLog } from '../envoy/accessLog';
import { AdminClustersIndex, ConfigDumpIndex } from '../envoy/index';
import { explainEntry, type ExplainContext, type Explanation } from '../istio/accessLogExplain';
import { predict } from '../istio/predict';
import { CliInputError, EXIT_OK, parseArgs, readInputFile, runGuarded, type CliIo, type Command } from './args';
import { loadAdminClusters, loadConfigDump } from './envoyCommands';
import { loadResources } from './predictCommand';
import { DEFAULT_NAMESPACE } from '../istio/model';

const USAGE = `Usage: ingress-lab explain-log [options] [LOG|-] [YAML...]

Explains each line of the ingress gateway's access log (Istio's default text format, or its JSON
encoding): why the request got its status (no-virtual-host, no-route, cluster-not-found,
no-healthy-upstream, upstream-connect-failure, overflow, timeout, rate-limited, downstream-reset,
upstream-reset, backend-not-found, direct-response, rbac-denied, jwt-denied, ext-authz, ok) and the VirtualService match
behind the route (the AuthorizationPolicy rule or RequestAuthentication behind a 403 or 401).
LOG is a file with the log (e.g. kubectl logs -n istio-system deploy/istio-ingressgateway > gw.log);
"-" or no LOG reads standard input. The YAML files after it link each line to its VirtualService.

  --config-dump FILE        the gateway's Envoy /config_dump (live routes; else predicted from the YAML)
  --clusters FILE           the gateway's Envoy /clusters?format=json (endpoint health, for UH)
  --namespace, -n NS        namespace for objects that name none (default: default)
  --output, -o FORMAT       text (default) or json
`;

export interface ExplainedLine {
  line: number;
  /** Why the line could not be read (then nothing else is set). */
  error?: string;
  code?: number;
  flags?: string[];
  details?: string;
  method?: string;
  authority?: string;
  path?: string;
  upstreamHost?: string;
  cause?: Explanation['cause'];
  explanation?: string;
  facts?: string[];
  route?: string;
  cluster?: string;
  virtualService?: string;
  yaml?: { file: string; line: number; what: string };
}

/** Explains every line of a log; unreadable lines carry their reason. */
export function explainLog(text: string, ctx: ExplainContext): ExplainedLine[] {
  return parseAccessLog(text).map(({ line, parsed }) => {
    if (!parsed.ok) return { line, error: parsed.reason };
    const e = parsed.entry;
    const x = explainEntry(e, ctx);
    return {
      line,
      code: e.code,
      flags: e.flags,
      details: e.details,
      method: e.method,
      authority: e.authority,
      path: e.path,
      upstreamHost: e.upstreamHost,
      cause: x.cause,
      explanation: x.explanation,
      facts: x.details,
      route: x.route,
      cluster: x.cluster,
      virtualService: x.virtualService,
      yaml: x.yaml ? { file: x.yaml.file, line: x.yaml.line, what: x.yaml.what } : undefined,
    };
  });
}

export function explainedText(list: ExplainedLine[], source: string): string {
  return list
    .map((l) => {
      if (l.error) return `${source}:${l.line}: not read: ${l.error}\n`;
      const head = `${source}:${l.line}: ${l.code} ${l.flags?.join(',') || '-'} ${l.details ?? '-'}  ${l.method ?? ''} ${l.authority ?? '-'}${l.path ?? ''}\n`;
      const body = [
        `${l.cause}: ${l.explanation}`,
        ...(l.facts ?? []),
        ...(l.yaml ? [`yaml: ${l.yaml.file}:${l.yaml.line} (${l.yaml.what})`] : []),
      ];
      return head + body.map((b) => `  ${b}\n`).join('');
    })
    .join('');
}

async function readLog(io: CliIo, path: string | undefined): Promise<{ text: string; source: string }> {
  if (path === undefined || path === '-') {
    if (!io.readStdin)
      throw new CliInputError('no LOG file given and standard input cannot be read here; give the log file');
    return { text: await io.readStdin(), source: '<stdin>' };
  }
  return { text: await readInputFile(io, path), source: path };
}

export const explainLogCommand: Command = {
  name: 'explain-log',
  summary: "explain the gateway's access log: why each request got 404/503/..., and the YAML behind it",
  run: (args, io) =>
    runGuarded(io, async () => {
      const {
        options: o,
        positionals,
        help,
      } = parseArgs('explain-log', args, {
        'config-dump': { kind: 'string' },
        clusters: { kind: 'string' },
        namespace: { kind: 'string', alias: 'n' },
        output: { kind: 'string', alias: 'o', choices: ['text', 'json'] },
      });
      if (help) {
        io.stdout(USAGE);
        return EXIT_OK;
      }
      const [logPath, ...yamlFiles] = positionals;
      if (logPath !== undefined && logPath !== '-' && /\.ya?ml$/i.test(logPath))
        throw new CliInputError(
          `${logPath} looks like YAML, but the first file is the access log: give the log first, then the YAML files (or "-" for the log on standard input)`,
        );
      const ctx: ExplainContext = {};
      if (o['config-dump']) ctx.dump = new ConfigDumpIndex(await loadConfigDump(io, String(o['config-dump'])));
      if (o.clusters) ctx.clusters = new AdminClustersIndex(await loadAdminClusters(io, String(o.clusters)));
      if (yamlFiles.length) {
        ctx.resources = await loadResources(io, yamlFiles, (o.namespace as string | undefined) ?? DEFAULT_NAMESPACE);
        ctx.prediction = predict(ctx.resources);
      }
      const { text, source } = await readLog(io, logPath);
      const list = explainLog(text, ctx);
      const [first] = list;
      if (!first) throw new CliInputError(`${source} has no access log lines`);
      if (list.every((l) => l.error)) throw new CliInputError(`${source}:${first.line}: ${first.error}`);
      io.stdout(o.output === 'json' ? `${JSON.stringify(list, null, 2)}\n` : explainedText(list, source));
      return EXIT_OK;
    }),
};
