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

  async resolve(apiVersion: string, kind: string, signal?: AbortSignal): Promise<ResolvedResource> {
    const { group, version } = splitApiVersion(apiVersion);
    const list = await this.resources(group, version, signal);
    const found = list?.find((r) => r.kind === kind && !r.name.includes('/'));
    if (!found) {
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
