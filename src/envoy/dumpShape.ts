// The shape of what the readers take from Envoy's admin output, checked once at the boundary: a dump edited
// by hand or cut from another tool (domains as a string, a route as null, virtual_hosts as a map) becomes
// one ConfigDumpShapeError naming the entry and field, instead of a TypeError deep in a table.
import { checkSchema, type Schema, type Violation } from '../schema/openApi';

const open = (properties: Record<string, Schema>, extra: Partial<Schema> = {}): Schema => ({
  type: 'object',
  additionalProperties: true,
  properties,
  ...extra,
});
const listOf = (items: Schema): Schema => ({ type: 'array', items });
const S: Schema = { type: 'string' };
const N: Schema = { type: 'integer' };
const socket = open({ socketAddress: open({ address: S, portValue: N }) });
const headerMatcher = open({ name: S });

export const ROUTE_CONFIG: Schema = open({
  name: S,
  virtualHosts: listOf(
    open({
      name: S,
      domains: listOf(S),
      routes: listOf(
        open({
          name: S,
          match: open({
            prefix: S,
            path: S,
            pathSeparatedPrefix: S,
            safeRegex: open({ regex: S }),
            headers: listOf(headerMatcher),
            queryParameters: listOf(headerMatcher),
            caseSensitive: { type: 'boolean' },
          }),
          route: open({
            cluster: S,
            weightedClusters: open({ clusters: listOf(open({ name: S, weight: N })) }),
            prefixRewrite: S,
            regexRewrite: open({ pattern: open({ regex: S }), substitution: S }),
          }),
          redirect: open({}),
          directResponse: open({ status: N }),
        }),
      ),
    }),
  ),
});

export const LISTENER: Schema = open({
  name: S,
  address: socket,
  filterChains: listOf(
    open({
      name: S,
      filters: listOf(open({ name: S })),
      filterChainMatch: open({ serverNames: listOf(S), destinationPort: N }),
    }),
  ),
  listenerFilters: listOf(open({ name: S })),
});

export const CLUSTER: Schema = open({ name: S, type: S, edsClusterConfig: open({ serviceName: S }) });

export const ENDPOINTS: Schema = open({
  clusterName: S,
  endpoints: listOf(open({ lbEndpoints: listOf(open({ endpoint: open({ address: socket }) })) })),
});

export const CLUSTER_STATUS: Schema = open({
  name: S,
  hostStatuses: listOf(open({ address: socket, healthStatus: open({ edsHealthStatus: S }) })),
});

/** The first shape violation of `value`, as "where: field: problem", or undefined. */
export function shapeProblem(value: unknown, schema: Schema, where: string): string | undefined {
  const out: Violation[] = [];
  checkSchema(value, schema, [], out, 1);
  const v = out[0];
  if (!v) return undefined;
  const path = v.path
    .map((p) => (typeof p === 'number' ? `[${p}]` : `.${p}`))
    .join('')
    .replace(/^\./, '');
  return `${where}${path ? ` ${path}` : ''}: ${v.message}`;
}
