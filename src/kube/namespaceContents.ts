// Deleting a namespace deletes everything in it. Before the lab asks "delete namespace simple?", it
// lists exactly what that is: every namespaced resource type the server serves, listed in the namespace.
import { ClusterError } from './errors';
import { groupVersionPath } from './discovery';
import { sleep, type CallOptions, type Core } from './core';
import type { KubeList, ApiObject } from './objects';

export interface NamespaceItem {
  apiVersion: string;
  kind: string;
  name: string;
  /** "deployments.apps". */
  resource: string;
}

export interface NamespaceContents {
  namespace: string;
  exists: boolean;
  /** Terminating already (deletionTimestamp set). */
  terminating: boolean;
  items: NamespaceItem[];
  /** Resource types that could not be listed (forbidden...): the list may be incomplete for them. */
  unlisted: string[];
  /** "deployments.apps/simple" lines, sorted, as the confirmation dialog shows them; events as one "events (N)" line. */
  lines: string[];
}

/** Namespaces the lab refuses to delete, whatever the caller says. */
export const protectedNamespaces = ['default', 'kube-system', 'kube-public', 'kube-node-lease', 'istio-system'];

interface ListableResource {
  group: string;
  version: string;
  resource: string;
  kind: string;
}

interface DiscoveryV2List {
  kind?: string;
  items?: {
    metadata: { name?: string };
    versions?: {
      version: string;
      resources?: { resource: string; responseKind?: { kind: string }; scope: string; verbs?: string[] }[];
    }[];
  }[];
}

const aggregatedAccept =
  'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json';

/** Namespaced resources that can be listed and deleted, from aggregated discovery (two calls). */
async function namespacedResources(core: Core, signal?: AbortSignal): Promise<ListableResource[]> {
  const out: ListableResource[] = [];
  for (const path of ['/api', '/apis']) {
    const doc = await core.transport.request<DiscoveryV2List>({
      method: 'GET',
      path,
      accept: aggregatedAccept,
      call: { verb: 'discover', resource: path },
      signal,
    });
    if (doc.kind !== 'APIGroupDiscoveryList') {
      throw new ClusterError(
        'unknown',
        'This API server does not offer aggregated discovery (Kubernetes 1.30+), so the namespace contents cannot be listed.',
        'Look at the namespace with `kubectl get all -n <namespace>` before deleting it.',
      );
    }
    for (const g of doc.items ?? []) {
      const v = g.versions?.[0]; // versions come in preference order
      if (!v) continue;
      for (const r of v.resources ?? []) {
        const verbs = r.verbs ?? [];
        if (r.scope !== 'Namespaced' || !verbs.includes('list') || !verbs.includes('delete')) continue;
        // events.k8s.io serves the same Event objects as the core group: list them once.
        if (g.metadata.name === 'events.k8s.io' && r.resource === 'events') continue;
        out.push({
          group: g.metadata.name ?? '',
          version: v.version,
          resource: r.resource,
          kind: r.responseKind?.kind ?? r.resource,
        });
      }
    }
  }
  return out;
}

export async function describeNamespaceContents(
  core: Core,
  namespace: string,
  opts: CallOptions = {},
): Promise<NamespaceContents> {
  const { signal } = opts;
  let ns: ApiObject | undefined;
  try {
    ns = await core.transport.request<ApiObject>({
      method: 'GET',
      path: `/api/v1/namespaces/${encodeURIComponent(namespace)}`,
      call: { verb: 'get', resource: 'namespaces', name: namespace },
      signal,
    });
  } catch (err) {
    if (!(err instanceof ClusterError && err.kind === 'not-found')) throw err;
  }
  if (!ns) return { namespace, exists: false, terminating: false, items: [], unlisted: [], lines: [] };

  const resources = await namespacedResources(core, signal);
  const items: NamespaceItem[] = [];
  const unlisted: string[] = [];
  // A few lists at a time: a cluster has 40-60 namespaced types; listing them one by one is slow.
  const queue = [...resources];
  const worker = async () => {
    for (let r = queue.shift(); r; r = queue.shift()) {
      const qualified = r.group ? `${r.resource}.${r.group}` : r.resource;
      try {
        const list = await core.transport.request<KubeList<ApiObject>>({
          method: 'GET',
          path: `${groupVersionPath(r.group, r.version)}/namespaces/${encodeURIComponent(namespace)}/${r.resource}`,
          call: { verb: 'list', resource: qualified, namespace },
          signal,
          summarize: (b) => `${(b as KubeList<unknown>).items?.length ?? 0} items`,
        });
        for (const o of list.items ?? []) {
          items.push({
            apiVersion: r.group ? `${r.group}/${r.version}` : r.version,
            kind: r.kind,
            name: o.metadata.name,
            resource: qualified,
          });
        }
      } catch (err) {
        if (err instanceof ClusterError && (err.kind === 'cancelled' || err.kind === 'unreachable')) throw err;
        unlisted.push(qualified);
      }
    }
  };
  await Promise.all(Array.from({ length: 6 }, worker));
  // Events go with the namespace too, but one line per event would drown what the user made.
  const events = items.filter((i) => i.resource === 'events');
  const lines = items
    .filter((i) => i.resource !== 'events')
    .map((i) => `${i.resource}/${i.name}`)
    .sort();
  if (events.length) lines.push(`events (${events.length})`);
  return {
    namespace,
    exists: true,
    terminating: !!ns.metadata.deletionTimestamp,
    items,
    unlisted: unlisted.sort(),
    lines,
  };
}

export interface DeleteNamespaceOptions extends CallOptions {
  /** What describeNamespaceContents returned and the user confirmed; required. */
  confirmed: NamespaceContents;
  /** Wait until the namespace is gone (the namespace controller deletes the contents first). */
  wait?: boolean;
  onProgress?: (remaining: string) => void;
}

export async function deleteNamespace(core: Core, namespace: string, opts: DeleteNamespaceOptions): Promise<void> {
  if (protectedNamespaces.includes(namespace)) {
    throw new ClusterError(
      'refused',
      `The lab does not delete the namespace "${namespace}".`,
      'Delete it yourself with kubectl if you really mean it.',
    );
  }
  if (!opts?.confirmed || opts.confirmed.namespace !== namespace) {
    throw new ClusterError(
      'refused',
      `Deleting the namespace "${namespace}" needs the user's confirmation of its contents first.`,
      'Call describeNamespaceContents, show the list, and pass it as `confirmed` once the user agrees.',
    );
  }
  const { signal } = opts;
  try {
    await core.transport.request({
      method: 'DELETE',
      path: `/api/v1/namespaces/${encodeURIComponent(namespace)}`,
      body: { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Background' },
      call: { verb: 'delete', resource: 'namespaces', name: namespace },
      signal,
    });
  } catch (err) {
    if (err instanceof ClusterError && err.kind === 'not-found') return;
    throw err;
  }
  if (!opts.wait) return;
  const deadline = Date.now() + (opts.timeoutMs ?? 120_000);
  for (;;) {
    try {
      const ns = await core.transport.request<
        ApiObject & { status?: { conditions?: { type: string; status: string; message?: string }[] } }
      >({
        method: 'GET',
        path: `/api/v1/namespaces/${encodeURIComponent(namespace)}`,
        call: { verb: 'get', resource: 'namespaces', name: namespace },
        signal,
      });
      const remaining = ns.status?.conditions?.find(
        (c) => c.type === 'NamespaceContentRemaining' && c.status === 'True',
      )?.message;
      opts.onProgress?.(remaining ?? 'terminating');
    } catch (err) {
      if (err instanceof ClusterError && err.kind === 'not-found') return;
      throw err;
    }
    if (Date.now() > deadline) {
      throw new ClusterError(
        'timeout',
        `The namespace "${namespace}" is still terminating after ${Math.round((opts.timeoutMs ?? 120_000) / 1000)} s.`,
        `Something in it has a finalizer that is not being removed: \`kubectl get namespace ${namespace} -o yaml\` shows which.`,
      );
    }
    await sleep(1000, signal);
  }
}
