// Which resources the API server serves: kind -> plural resource name and scope, cached per cluster
// object (discovery changes only when CRDs are installed; `forget()` drops the cache after that).
import { ClusterError } from './errors';
import { splitApiVersion } from './applyDiff';
import type { Transport } from './transport';

export interface ApiResource {
  name: string;
  kind: string;
  namespaced: boolean;
  verbs: string[];
}

export interface ResolvedResource {
  group: string;
  version: string;
  resource: string;
  kind: string;
  namespaced: boolean;
  /** "deployments.apps", "pods": the name kubectl and RBAC use. */
  qualified: string;
}

export interface ApiGroup {
  name: string;
  versions: { groupVersion: string; version: string }[];
  preferredVersion?: { groupVersion: string; version: string };
}

export function groupVersionPath(group: string, version: string): string {
  return group ? `/apis/${group}/${version}` : `/api/${version}`;
}

export function resourcePath(r: ResolvedResource, namespace?: string, name?: string): string {
  const base = groupVersionPath(r.group, r.version);
  const ns = r.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  return `${base}${ns}/${r.resource}${name ? `/${encodeURIComponent(name)}` : ''}`;
}

export class Discovery {
  private lists = new Map<string, Promise<ApiResource[] | undefined>>();
  private groups = new Map<string, Promise<ApiGroup | undefined>>();

  constructor(private readonly transport: Transport) {}

  forget(): void {
    this.lists.clear();
    this.groups.clear();
  }

  /** The resources of one group/version, or undefined when the server does not serve it. */
  resources(group: string, version: string, signal?: AbortSignal): Promise<ApiResource[] | undefined> {
    const key = `${group}/${version}`;
    let p = this.lists.get(key);
    if (!p) {
      p = this.transport
        .request<{ resources: ApiResource[] }>({
          method: 'GET',
          path: groupVersionPath(group, version),
          call: { verb: 'discover', resource: group ? `${group}/${version}` : version },
          signal,
          summarize: (b) => `${(b as { resources?: unknown[] }).resources?.length ?? 0} resources`,
        })
        .then((list) => list.resources ?? [])
        .catch((err: unknown) => {
          if (err instanceof ClusterError && err.kind === 'not-found') return undefined;
          throw err;
        });
      p.catch(() => this.lists.delete(key)); // do not cache failures other than "not served"
      this.lists.set(key, p);
    }
    return p;
  }

  /** An API group and its served versions, or undefined when no such group is served. */
  group(name: string, signal?: AbortSignal): Promise<ApiGroup | undefined> {
    let p = this.groups.get(name);
    if (!p) {
      p = this.transport
        .request<ApiGroup>({ method: 'GET', path: `/apis/${name}`, call: { verb: 'discover', resource: name }, signal })
        .catch((err: unknown) => {
          if (err instanceof ClusterError && err.kind === 'not-found') return undefined;
          throw err;
        });
      p.catch(() => this.groups.delete(name));
      this.groups.set(name, p);
    }
    return p;
  }

  /** The versions of `group` that serve `kind`, the preferred one first (none when the group is not served). */
  private async versionsServing(group: string, kind: string, signal?: AbortSignal): Promise<string[]> {
    const g = group ? await this.group(group, signal) : undefined;
    if (!g) return [];
    const preferred = g.preferredVersion?.version;
    const versions = g.versions.map((v) => v.version).sort((a, b) => +(b === preferred) - +(a === preferred));
    const out: string[] = [];
    for (const v of versions) {
      const list = await this.resources(group, v, signal);
      if (list?.some((r) => r.kind === kind && !r.name.includes('/'))) out.push(v);
    }
    return out;
  }

  async resolve(apiVersion: string, kind: string, signal?: AbortSignal): Promise<ResolvedResource> {
    const { group, version } = splitApiVersion(apiVersion);
    const list = await this.resources(group, version, signal);
    const found = list?.find((r) => r.kind === kind && !r.name.includes('/'));
    if (!found) {
      // The kind at another version of its group (a v1alpha2 TCPRoute on a cluster with the Gateway API's
      // standard channel, which serves v1 only): say which one to write.
      const served = await this.versionsServing(group, kind, signal);
      if (served.length)
        throw new ClusterError(
          'not-found',
          `The cluster serves ${kind} as ${served.map((v) => `${group}/${v}`).join(', ')}, not ${apiVersion}.`,
          `Write apiVersion: ${group}/${served[0]}${group === 'gateway.networking.k8s.io' ? ` (${version} is served only where the Gateway API's experimental channel is installed)` : ''}.`,
        );
      const isIstio = group.endsWith('istio.io');
      throw new ClusterError(
        'not-found',
        `The cluster does not serve ${kind} (${apiVersion}).`,
        isIstio
          ? 'Install Istio (its CRDs) first, e.g. `istioctl install --set profile=demo`, or use an apiVersion this cluster serves (kubectl api-versions).'
          : 'Check the apiVersion and kind (kubectl api-resources lists what this cluster serves).',
      );
    }
    return {
      group,
      version,
      resource: found.name,
      kind,
      namespaced: found.namespaced,
      qualified: group ? `${found.name}.${group}` : found.name,
    };
  }
}
