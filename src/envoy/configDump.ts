// Reader for Envoy's admin `/config_dump` (optionally `?include_eds`), in Envoy's snake_case or istioctl's
// camelCase. Also accepts one section on its own (an object with a ...ConfigDump "@type") and the arrays that
// `istioctl proxy-config routes|listeners|clusters|endpoints -o json` print.
import { CLUSTER, ENDPOINTS, LISTENER, ROUTE_CONFIG, shapeProblem } from './dumpShape';
import { normalizeKeys } from './normalize';
import type { Cluster, ClusterLoadAssignment, Listener, RouteConfiguration } from './types';

export type DumpSection = 'bootstrap' | 'listeners' | 'routes' | 'clusters' | 'endpoints' | 'secrets';

export const SECTION_TYPES: Record<DumpSection, string> = {
  bootstrap: 'BootstrapConfigDump',
  listeners: 'ListenersConfigDump',
  routes: 'RoutesConfigDump',
  clusters: 'ClustersConfigDump',
  endpoints: 'EndpointsConfigDump',
  secrets: 'SecretsConfigDump',
};

export interface RouteConfigEntry {
  routeConfig: RouteConfiguration;
  dynamic: boolean;
  versionInfo?: string;
  lastUpdated?: string;
}
export interface ListenerEntry {
  listener: Listener;
  dynamic: boolean;
  versionInfo?: string;
}
export interface ClusterEntry {
  cluster: Cluster;
  dynamic: boolean;
  versionInfo?: string;
}
export interface EndpointEntry {
  assignment: ClusterLoadAssignment;
  dynamic: boolean;
}

/** A config dump, normalised to camelCase, in istioctl's order: dynamic entries first, then static ones. */
export interface ConfigDump {
  /** Which sections the input had (a section can be present and empty). */
  sections: Set<DumpSection>;
  listeners: ListenerEntry[];
  routeConfigs: RouteConfigEntry[];
  clusters: ClusterEntry[];
  endpoints: EndpointEntry[];
  /** BootstrapConfigDump.bootstrap, camelCase (node.metadata kept verbatim). */
  bootstrap?: Record<string, unknown>;
  /** The SecretsConfigDump section as a whole, camelCase. */
  secrets?: Record<string, unknown>;
}

/** Input that is valid JSON but not a config dump. */
export class ConfigDumpShapeError extends Error {
  override name = 'ConfigDumpShapeError';
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
const arr = (v: unknown): Obj[] => (Array.isArray(v) ? v.filter(isObj) : []);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

function sectionOf(type: unknown): DumpSection | undefined {
  if (typeof type !== 'string') return undefined;
  for (const [k, suffix] of Object.entries(SECTION_TYPES)) if (type.endsWith('.' + suffix)) return k as DumpSection;
  return undefined;
}

export function emptyConfigDump(): ConfigDump {
  return { sections: new Set(), listeners: [], routeConfigs: [], clusters: [], endpoints: [] };
}

/** Reads a parsed `/config_dump` JSON value (raw or istioctl form). Throws ConfigDumpShapeError when it is none. */
export function readConfigDump(json: unknown): ConfigDump {
  const dump = readConfigDumpUnchecked(json);
  const problem =
    firstProblem(dump.routeConfigs, (e, i) =>
      shapeProblem(e.routeConfig, ROUTE_CONFIG, `route configuration ${nameOf(e.routeConfig, i)}`),
    ) ??
    firstProblem(dump.listeners, (e, i) => shapeProblem(e.listener, LISTENER, `listener ${nameOf(e.listener, i)}`)) ??
    firstProblem(dump.clusters, (e, i) => shapeProblem(e.cluster, CLUSTER, `cluster ${nameOf(e.cluster, i)}`)) ??
    firstProblem(dump.endpoints, (e, i) => shapeProblem(e.assignment, ENDPOINTS, `endpoints ${i}`));
  if (problem)
    throw new ConfigDumpShapeError(
      `${problem}; this is not what Envoy writes: give the unedited output of /config_dump or istioctl proxy-config ... -o json`,
    );
  return dump;
}

function firstProblem<T>(list: T[], f: (e: T, i: number) => string | undefined): string | undefined {
  for (const [i, e] of list.entries()) {
    const p = f(e, i);
    if (p) return p;
  }
  return undefined;
}

function nameOf(v: unknown, i: number): string {
  const n = v && typeof v === 'object' ? (v as { name?: unknown }).name : undefined;
  return typeof n === 'string' ? n.slice(0, 80) : `#${i}`;
}

function readConfigDumpUnchecked(json: unknown): ConfigDump {
  const dump = emptyConfigDump();
  if (Array.isArray(json)) {
    readIstioctlArray(json, dump);
    return dump;
  }
  if (!isObj(json)) throw new ConfigDumpShapeError('not an Envoy config dump: expected a JSON object with "configs"');
  if (Array.isArray(json.configs)) {
    for (const c of json.configs) if (isObj(c)) readSection(c, dump);
    return dump;
  }
  if ('cluster_statuses' in json || 'clusterStatuses' in json)
    throw new ConfigDumpShapeError(
      'this is /clusters?format=json output, not a /config_dump (give it as --clusters to endpoints)',
    );
  if (sectionOf(json['@type']) || resourceEntry(json)) {
    readSection(json, dump);
    return dump;
  }
  throw new ConfigDumpShapeError(
    'not an Envoy config dump: no "configs" array (expected the output of /config_dump or istioctl proxy-config ... -o json)',
  );
}

// `/config_dump?resource=<field>` answers with one entry per resource, typed as the repeated field's message
// (e.g. "...RoutesConfigDump.DynamicRouteConfig"); wrap each into a one-entry section.
const RESOURCE_ENTRY: Record<string, [DumpSection, string]> = {
  'RoutesConfigDump.DynamicRouteConfig': ['routes', 'dynamic_route_configs'],
  'RoutesConfigDump.StaticRouteConfig': ['routes', 'static_route_configs'],
  'ListenersConfigDump.DynamicListener': ['listeners', 'dynamic_listeners'],
  'ListenersConfigDump.StaticListener': ['listeners', 'static_listeners'],
  'ClustersConfigDump.DynamicCluster': ['clusters', 'dynamic_active_clusters'],
  'ClustersConfigDump.StaticCluster': ['clusters', 'static_clusters'],
  'EndpointsConfigDump.DynamicEndpointConfig': ['endpoints', 'dynamic_endpoint_configs'],
  'EndpointsConfigDump.StaticEndpointConfig': ['endpoints', 'static_endpoint_configs'],
  'SecretsConfigDump.DynamicSecret': ['secrets', 'dynamic_active_secrets'],
};

function resourceEntry(raw: Obj): Obj | undefined {
  const type = typeof raw['@type'] === 'string' ? raw['@type'] : '';
  for (const [suffix, [section, field]] of Object.entries(RESOURCE_ENTRY)) {
    if (!type.endsWith('.' + suffix)) continue;
    const { '@type': _t, ...entry } = raw;
    void _t;
    return { '@type': `type.googleapis.com/envoy.admin.v3.${SECTION_TYPES[section]}`, [field]: [entry] };
  }
  return undefined;
}

function readSection(raw: Obj, dump: ConfigDump): void {
  const wrapped = resourceEntry(raw);
  if (wrapped) raw = wrapped;
  const section = sectionOf(raw['@type']);
  if (!section) return;
  const c = normalizeKeys(raw) as Obj;
  dump.sections.add(section);
  switch (section) {
    case 'routes':
      for (const d of arr(c.dynamicRouteConfigs))
        if (isObj(d.routeConfig))
          dump.routeConfigs.push({
            routeConfig: d.routeConfig as unknown as RouteConfiguration,
            dynamic: true,
            versionInfo: str(d.versionInfo),
            lastUpdated: str(d.lastUpdated),
          });
      for (const d of arr(c.staticRouteConfigs))
        if (isObj(d.routeConfig))
          dump.routeConfigs.push({
            routeConfig: d.routeConfig as unknown as RouteConfiguration,
            dynamic: false,
            lastUpdated: str(d.lastUpdated),
          });
      break;
    case 'listeners':
      for (const d of arr(c.dynamicListeners)) {
        const active = isObj(d.activeState) ? d.activeState : undefined;
        if (active && isObj(active.listener))
          dump.listeners.push({ listener: active.listener, dynamic: true, versionInfo: str(active.versionInfo) });
      }
      for (const d of arr(c.staticListeners))
        if (isObj(d.listener)) dump.listeners.push({ listener: d.listener, dynamic: false });
      break;
    case 'clusters':
      for (const d of arr(c.dynamicActiveClusters))
        if (isObj(d.cluster))
          dump.clusters.push({
            cluster: d.cluster as unknown as Cluster,
            dynamic: true,
            versionInfo: str(d.versionInfo),
          });
      for (const d of arr(c.staticClusters))
        if (isObj(d.cluster)) dump.clusters.push({ cluster: d.cluster as unknown as Cluster, dynamic: false });
      break;
    case 'endpoints':
      for (const d of arr(c.dynamicEndpointConfigs))
        if (isObj(d.endpointConfig))
          dump.endpoints.push({ assignment: d.endpointConfig as unknown as ClusterLoadAssignment, dynamic: true });
      for (const d of arr(c.staticEndpointConfigs))
        if (isObj(d.endpointConfig))
          dump.endpoints.push({ assignment: d.endpointConfig as unknown as ClusterLoadAssignment, dynamic: false });
      break;
    case 'bootstrap':
      if (isObj(c.bootstrap)) dump.bootstrap = c.bootstrap;
      break;
    case 'secrets':
      dump.secrets = c;
      break;
  }
}

// `istioctl proxy-config <kind> -o json` prints a bare array of the resources.
function readIstioctlArray(items: unknown[], dump: ConfigDump): void {
  for (const raw of items) {
    if (!isObj(raw)) continue;
    const o = normalizeKeys(raw) as Obj;
    const type = str(o['@type']) ?? '';
    if (type.endsWith('.RouteConfiguration') || (!type && Array.isArray(o.virtualHosts))) {
      dump.sections.add('routes');
      dump.routeConfigs.push({ routeConfig: o as unknown as RouteConfiguration, dynamic: true });
    } else if (type.endsWith('.Listener') || (!type && (Array.isArray(o.filterChains) || isObj(o.address)))) {
      dump.sections.add('listeners');
      dump.listeners.push({ listener: o, dynamic: true });
    } else if (type.endsWith('.ClusterLoadAssignment') || (!type && typeof o.clusterName === 'string')) {
      dump.sections.add('endpoints');
      dump.endpoints.push({ assignment: o as unknown as ClusterLoadAssignment, dynamic: true });
    } else if (type.endsWith('.Cluster') || (!type && typeof o.name === 'string')) {
      dump.sections.add('clusters');
      dump.clusters.push({ cluster: o as unknown as Cluster, dynamic: true });
    }
  }
  if (dump.sections.size === 0)
    throw new ConfigDumpShapeError(
      'not an Envoy config dump: a JSON array without routes, listeners, clusters or endpoints',
    );
}
