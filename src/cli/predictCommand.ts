// `ingress-lab predict FILE...`: the Envoy routes Istio would put on the gateway for every
// VirtualService match in the files, without a cluster.
import { emptyConfigDump } from '../envoy/configDump';
import { routesTable } from '../envoy/tables';
import type { RouteConfiguration } from '../envoy/types';
import { predictAutoPassthrough, type AutoPassthroughChain } from '../istio/autoPassthrough';
import { predictL4Routes, type L4Route } from '../istio/l4Routes';
import { predict } from '../istio/predict';
import { predictClusters, type PredictedCluster } from '../istio/predictClusters';
import { predictListeners, type PredictedListener } from '../istio/predictListeners';
import type { Prediction } from '../istio/prediction';
import { mergeResourceSets, readResources } from '../istio/yamlModel';
import { writeJsonArray } from './jsonStream';
import { CliInputError, EXIT_OK, parseArgs, readInputFile, runGuarded, type CliIo, type Command } from './args';
import { DEFAULT_NAMESPACE, type YamlProblem } from '../istio/model';

const USAGE = `Usage: ingress-lab predict FILE... [--namespace NS] [--output table|json]

Predicts, offline and by Istio's own rules, the Envoy route each VirtualService match becomes on the
ingress gateway: listener, route configuration, virtual host and the route itself.

  --namespace, -n NS        namespace for objects that name none, as kubectl apply -n (default: default)
  --output, -o FORMAT       table (as istioctl proxy-config routes prints it), json, or config-dump: the
                            predicted route configurations as an Envoy /config_dump (RoutesConfigDump),
                            with the listeners' filter chains (match and destination), which ingress-lab
                            routes|listeners --config-dump and istioctl proxy-config routes|listeners --file
                            read as a live gateway's dump, and the outbound clusters (names, types,
                            DestinationRule) for proxy-config clusters
  --metadata-version V      API version in route metadata: v1 (Istio >= 1.22, default) or v1alpha3
`;

/** Reads the YAML files; any YAML problem is bad input: one line per problem, `file:line:col: message`. */
/**
 * Reads and validates the files. Any problem is refused (exit 2, the first one named) unless `keepInvalid`:
 * then objects Istio would refuse come back as problems (analyze reports them as IST0106) and only YAML that
 * cannot be read at all is refused.
 */
export async function loadResources(
  io: CliIo,
  files: string[],
  defaultNamespace: string,
  options: { keepInvalid?: boolean; problems?: YamlProblem[] } = {},
) {
  if (!files.length) throw new CliInputError('no YAML files given (see ingress-lab predict --help)');
  const sets = [];
  for (const file of files) {
    const { resources, problems } = readResources(await readInputFile(io, file), file, {
      defaultNamespace,
      validate: true,
    });
    const refused = options.keepInvalid ? problems.filter((p) => !p.invalid) : problems;
    const [p] = refused;
    if (p) {
      const more =
        refused.length > 1 ? ` (and ${refused.length - 1} more problem${refused.length > 2 ? 's' : ''})` : '';
      throw new CliInputError(`${file}:${p.range.start.line + 1}:${p.range.start.character + 1}: ${p.message}${more}`);
    }
    if (options.keepInvalid) options.problems?.push(...problems);
    sets.push(resources);
  }
  return mergeResourceSets(...sets);
}

/** The JSON the issue fixes: one entry per (match, gateway virtual host). */
export function predictionJson(p: Prediction) {
  return p.routes.map((r) => ({
    virtualService: `${r.virtualService.name}.${r.virtualService.namespace}`,
    file: r.file,
    line: r.line,
    http: r.http,
    match: r.match,
    gateway: r.gateway,
    listener: r.listener,
    routeConfig: r.routeConfig,
    virtualHost: r.virtualHost,
    domains: r.domains,
    route: r.route,
  }));
}

/** The predicted listeners and route configurations as Envoy's admin /config_dump holds them (camelCase, as istioctl -o json). */
export function predictedConfigDump(
  routeConfigs: RouteConfiguration[],
  listeners: PredictedListener[] = [],
  clusters: PredictedCluster[] = [],
) {
  return {
    configs: [
      ...(clusters.length
        ? [
            {
              '@type': 'type.googleapis.com/envoy.admin.v3.ClustersConfigDump',
              dynamicActiveClusters: clusters.map((cluster) => ({ cluster })),
            },
          ]
        : []),
      ...(listeners.length
        ? [
            {
              '@type': 'type.googleapis.com/envoy.admin.v3.ListenersConfigDump',
              dynamicListeners: listeners.map((l) => ({ name: l.name, activeState: { listener: l } })),
            },
          ]
        : []),
      {
        '@type': 'type.googleapis.com/envoy.admin.v3.RoutesConfigDump',
        // xDS resources are keyed by name; sorted, as Istio's own output is compared
        dynamicRouteConfigs: [...routeConfigs]
          .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
          .map((routeConfig) => ({
            routeConfig: { '@type': 'type.googleapis.com/envoy.config.route.v3.RouteConfiguration', ...routeConfig },
          })),
      },
    ],
  };
}

/** The same table istioctl prints for a live gateway, from the predicted route configurations. */
export function predictedRoutesTable(routeConfigs: RouteConfiguration[]): string {
  // the prediction's own route configurations, already in the dump's camelCase shape: no JSON round trip
  const dump = emptyConfigDump();
  dump.sections.add('routes');
  for (const routeConfig of routeConfigs) dump.routeConfigs.push({ routeConfig, dynamic: true });
  return routesTable(dump);
}

/** The TCP/TLS filter chains: listener, SNI, where the tcp_proxy sends the connection, and the rule it comes from. */
export function l4RoutesTable(routes: L4Route[], auto: readonly AutoPassthroughChain[] = []): string {
  const rows = [
    ['LISTENER', 'SNI', 'DESTINATION', 'FROM'],
    ...routes.map((r) => [
      r.listener,
      r.serverNames?.join(',') ?? '*',
      r.cluster ?? (r.weightedClusters ?? []).map((c) => `${c.name} (${c.weight})`).join(', '),
      r.source
        ? `${r.source.kind} ${r.source.name}.${r.source.namespace} rules[${r.source.rule}] ${r.file}:${r.line}`
        : `${r.virtualService.name}.${r.virtualService.namespace} ${r.section}[${r.rule}]${r.match === null ? '' : `.match[${r.match}]`} ${r.file}:${r.line}`,
    ]),
    ...auto.map((c) => [c.listener, c.serverNames[0], c.cluster, `AUTO_PASSTHROUGH of Gateway ${c.gateway}`]),
  ];
  const widths = columnWidths(rows);
  return (
    rows
      .map((row) =>
        row
          .map((c, i) => (i === row.length - 1 ? c : c.padEnd((widths[i] ?? 0) + 5)))
          .join('')
          .trimEnd(),
      )
      .join('\n') + '\n'
  );
}

export const predictCommand: Command = {
  name: 'predict',
  summary: 'predict the gateway routes of VirtualService YAML, offline, by Istio rules',
  run: (args, io) =>
    runGuarded(io, async () => {
      const { options, positionals, help } = parseArgs('predict', args, {
        namespace: { kind: 'string', alias: 'n' },
        output: { kind: 'string', alias: 'o', choices: ['table', 'json', 'config-dump'] },
        'metadata-version': { kind: 'string', choices: ['v1', 'v1beta1', 'v1alpha3'] },
      });
      if (help) {
        io.stdout(USAGE);
        return EXIT_OK;
      }
      const resources = await loadResources(
        io,
        positionals,
        (options.namespace as string | undefined) ?? DEFAULT_NAMESPACE,
      );
      const p = predict(resources, { metadataApiVersion: options['metadata-version'] as string | undefined });
      const l4 = predictL4Routes(resources);
      const auto = predictAutoPassthrough(resources);
      if (options.output === 'json') writeJsonArray((t) => io.stdout(t), predictionJson(p));
      else if (options.output === 'config-dump')
        io.stdout(
          `${JSON.stringify(predictedConfigDump(p.routeConfigs, predictListeners(p.httpChains, l4, auto), predictClusters(resources, (options['metadata-version'] as string | undefined) ?? 'v1')), null, 2)}\n`,
        );
      else {
        if (p.routeConfigs.length) io.stdout(predictedRoutesTable(p.routeConfigs));
        if (l4.length || auto.length)
          io.stdout(
            `${p.routeConfigs.length ? '\n' : ''}TCP/TLS routes (filter chains with a tcp_proxy):\n${l4RoutesTable(l4, auto)}`,
          );
        if (!p.routeConfigs.length && !l4.length && !auto.length)
          io.stdout('no Gateway in the files: nothing is predicted for the ingress gateway\n');
      }
      const hasL4 = (n: Prediction['notOnGateway'][number]) =>
        n.http === undefined &&
        l4.some(
          (r) =>
            r.virtualService.name === n.virtualService.name &&
            r.virtualService.namespace === n.virtualService.namespace,
        );
      for (const n of p.notOnGateway.filter((x) => !hasL4(x))) {
        const where =
          n.http === undefined
            ? ''
            : n.match === null || n.match === undefined
              ? ` http[${n.http}]`
              : ` http[${n.http}].match[${n.match}]`;
        io.stderr(
          `${n.file}:${n.range.start.line + 1}: ${n.virtualService.name}.${n.virtualService.namespace}${where} is not on the gateway: ${n.reason}\n`,
        );
      }
      return EXIT_OK;
    }),
};

/** The widest cell of each column. */
function columnWidths(rows: string[][]): number[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return widths;
}
