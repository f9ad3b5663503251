// Server-side apply of a set of manifests, like `kubectl apply --server-side -n <ns>`: creates the
// namespace first when it is missing, strips server-owned metadata, and says per object whether it was
// created, changed (which fields) or left unchanged. With dryRun the server computes all of that
// without persisting anything (dryRun=All).
import { changedFields, applyOrder, stripForApply } from './applyDiff';
import { ClusterError } from './errors';
import { resourcePath, type ResolvedResource } from './discovery';
import type { Core } from './core';
import type { ApiObject } from './objects';

export const defaultFieldManager = 'istio-ingress-lab';

export interface ApplyOptions {
  fieldManager?: string;
  dryRun?: boolean;
  signal?: AbortSignal;
  /** Namespace for namespaced objects that name none (kubectl's -n); default: the context's namespace. */
  namespace?: string;
  /** Take over fields another manager owns (kubectl --force-conflicts). Default true: the lab owns its sample. */
  force?: boolean;
}

export type ApplyAction = 'created' | 'configured' | 'unchanged';

export interface ApplyResult {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
  /** "deployments.apps/simple", as kubectl prints it. */
  ref: string;
  action: ApplyAction;
  /** Changed fields, "spec.replicas: 1 → 2"; empty when created or unchanged. */
  changes: string[];
  dryRun: boolean;
  /** Set when the server could not check a dry-run object (its namespace does not exist yet). */
  note?: string;
  /** The object as the server returned it (or would store it, in a dry run). */
  object?: ApiObject;
}

function check(obj: unknown, i: number): ApiObject {
  const o = obj as Partial<ApiObject> | null;
  if (!o || typeof o !== 'object' || !o.apiVersion || !o.kind || !o.metadata?.name) {
    throw new ClusterError(
      'invalid',
      `Manifest #${i + 1} is not a Kubernetes object: it needs apiVersion, kind and metadata.name.`,
      'Fix that document in the YAML file and apply again.',
    );
  }
  return o as ApiObject;
}

async function getLive(
  core: Core,
  r: ResolvedResource,
  ns: string | undefined,
  name: string,
  signal?: AbortSignal,
): Promise<ApiObject | undefined> {
  try {
    return await core.transport.request<ApiObject>({
      method: 'GET',
      path: resourcePath(r, ns, name),
      call: { verb: 'get', resource: r.qualified, namespace: ns, name },
      signal,
    });
  } catch (err) {
    if (err instanceof ClusterError && err.kind === 'not-found') return undefined;
    throw err;
  }
}

export async function serverSideApply(core: Core, input: unknown[], opts: ApplyOptions = {}): Promise<ApplyResult[]> {
  const results: ApplyResult[] = [];
  try {
    return await applyAll(core, input, opts, results);
  } catch (err) {
    // Cancelled mid-way (between objects or during a request): say what was already written.
    if (err instanceof ClusterError && err.kind === 'cancelled') {
      const done = results.filter((x) => !x.dryRun).map((x) => `${x.ref} ${x.action}`);
      throw new ClusterError(
        'cancelled',
        `Apply cancelled; ${done.length ? `already applied: ${done.join(', ')}` : 'nothing was applied'}.`,
        done.length ? 'Apply again to finish, or clean up the namespace.' : '',
      );
    }
    throw err;
  }
}

async function applyAll(
  core: Core,
  input: unknown[],
  opts: ApplyOptions,
  results: ApplyResult[],
): Promise<ApplyResult[]> {
  const fieldManager = opts.fieldManager ?? defaultFieldManager;
  const dryRun = !!opts.dryRun;
  const signal = opts.signal;
  const objects = applyOrder(input.map(check));

  // Resolve every kind first, so an unknown kind fails before anything is written.
  const resolved: { obj: ApiObject; r: ResolvedResource; ns?: string }[] = [];
  for (const obj of objects) {
    const r = await core.discovery.resolve(obj.apiVersion, obj.kind, signal);
    let ns: string | undefined;
    if (r.namespaced) {
      if (opts.namespace && obj.metadata.namespace && obj.metadata.namespace !== opts.namespace) {
        throw new ClusterError(
          'invalid',
          `${obj.kind} "${obj.metadata.name}" says namespace "${obj.metadata.namespace}", but it is being applied to namespace "${opts.namespace}".`,
          'Remove metadata.namespace from the manifest or apply it to its own namespace.',
        );
      }
      ns = obj.metadata.namespace ?? opts.namespace ?? core.defaultNamespace;
    }
    resolved.push({ obj, r, ns });
  }

  const applied = new Set(objects.filter((o) => o.kind === 'Namespace').map((o) => o.metadata.name));
  const missingNamespaces = new Set<string>();

  // Namespaces first: a namespaced object cannot be applied (or dry-run checked) in a missing namespace.
  const nsResource = await core.discovery.resolve('v1', 'Namespace', signal);
  for (const ns of new Set(resolved.map((x) => x.ns).filter((n): n is string => !!n))) {
    if (applied.has(ns)) {
      if (dryRun && !(await getLive(core, nsResource, undefined, ns, signal))) missingNamespaces.add(ns);
      continue;
    }
    if (await getLive(core, nsResource, undefined, ns, signal)) continue;
    const nsObj: ApiObject = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } };
    results.push(
      await applyOne(core, nsObj, nsResource, undefined, undefined, {
        fieldManager,
        dryRun,
        signal,
        force: opts.force,
      }),
    );
    if (dryRun) missingNamespaces.add(ns);
  }

  for (const { obj, r, ns } of resolved) {
    if (signal?.aborted) throw new ClusterError('cancelled', 'Apply cancelled.', '');
    if (dryRun && ns && missingNamespaces.has(ns)) {
      results.push({
        apiVersion: obj.apiVersion,
        kind: obj.kind,
        name: obj.metadata.name,
        namespace: ns,
        ref: `${r.qualified}/${obj.metadata.name}`,
        action: 'created',
        changes: [],
        dryRun,
        note: `namespace "${ns}" does not exist yet, so the server could not check this object in the dry run`,
      });
      continue;
    }
    const live = await getLive(core, r, ns, obj.metadata.name, signal);
    results.push(await applyOne(core, obj, r, ns, live, { fieldManager, dryRun, signal, force: opts.force }));
  }
  return results;
}

async function applyOne(
  core: Core,
  obj: ApiObject,
  r: ResolvedResource,
  ns: string | undefined,
  live: ApiObject | undefined,
  o: { fieldManager: string; dryRun: boolean; signal?: AbortSignal; force?: boolean },
): Promise<ApplyResult> {
  const body = stripForApply(obj, ns);
  const result = await core.transport.request<ApiObject>({
    method: 'PATCH',
    path: resourcePath(r, ns, obj.metadata.name),
    query: { fieldManager: o.fieldManager, force: o.force ?? true, dryRun: o.dryRun ? 'All' : undefined },
    body,
    // Server-side apply takes YAML; JSON is YAML.
    contentType: 'application/apply-patch+yaml',
    call: { verb: 'patch', resource: r.qualified, namespace: ns, name: obj.metadata.name },
    signal: o.signal,
  });
  let action: ApplyAction;
  let changes: string[] = [];
  if (!live) action = 'created';
  else {
    changes = changedFields(live, result);
    // A real apply that changed nothing writes nothing: the resourceVersion stays. A dry run keeps the
    // live resourceVersion either way, so there the field comparison decides.
    const wrote = o.dryRun ? changes.length > 0 : live.metadata.resourceVersion !== result.metadata?.resourceVersion;
    action = wrote ? 'configured' : 'unchanged';
    if (!wrote) changes = [];
  }
  return {
    apiVersion: obj.apiVersion,
    kind: obj.kind,
    name: obj.metadata.name,
    namespace: ns,
    ref: `${r.qualified}/${obj.metadata.name}`,
    action,
    changes,
    dryRun: o.dryRun,
    object: result,
  };
}
