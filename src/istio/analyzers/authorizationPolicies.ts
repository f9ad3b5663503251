// IST0127 and IST0101 namespace, as Istio's auth.AuthorizationPoliciesAnalyzer (analyzers/authz/authorizationpolicies.go):
// - IST0127 NoMatchingWorkloadsFound: a policy of the root namespace with a selector that no pod of the mesh
//   matches; a policy without selector in a namespace with no pod in the mesh; a policy with a selector that no pod
//   of its namespace in the mesh matches. "In the mesh" as Istio's util.PodInMesh (an istio-proxy container with an
//   image, else the pod's `sidecar.istio.io/inject` label, else that annotation, else the namespace's
//   `istio-injection: enabled` label) or ambient (`ambient.istio.io/redirection: enabled`).
// - IST0101 ReferencedResourceNotFound for each `from.source.namespaces` and `notNamespaces` entry that matches no
//   Namespace (`*`, `prefix*`, `*suffix` or the name, case-insensitive), on the line of `namespaces[k]`: for a
//   notNamespaces entry Istio looks up the line of namespaces[k] too (its path names namespaces only), so the line
//   is that of the namespaces entry with the same index, or the object's line when there is none.
// Pods are the workloads of the world (a Deployment stands for one pod with its template). Istio reads no object
// of the namespaces istioctl ignores (kube-system, ...), so neither do we. Exact with assumeComplete; otherwise a
// policy is judged only where the world shows workloads of its namespace (a root-namespace policy not at all),
// a pod whose mesh membership hangs on a Namespace not at hand counts as in the mesh, and namespaces are judged
// only when the Namespaces are complete.
import { DEFAULT_ROOT_NAMESPACE } from '../authz';
import type { AuthorizationPolicy, Deployment, KubeObject } from '../model';
import { namespaceOf } from '../model';
import {
  istioctlObjectRange,
  list,
  mapping,
  objectRef,
  podLabels,
  selectorMatches,
  selectorString,
  type AnalysisContext,
} from './context';
import { editDistance, replaceRange, yamlScalar } from './textEdits';
import { makeDiagnostic, type Diagnostic, type QuickFix } from './types';

/** inject.IgnoredNamespaces: istioctl analyze reads no object of these (nor these Namespaces). */
const IGNORED_NAMESPACES = new Set(['kube-system', 'kube-public', 'kube-node-lease', 'local-path-storage']);

const SIDECAR_INJECT = 'sidecar.istio.io/inject';
const AMBIENT_REDIRECTION = 'ambient.istio.io/redirection';

type Labels = Record<string, string>;

/** Whether the pod is in the mesh; undefined when that hangs on a Namespace the world does not hold. */
function podInMesh(
  pod: Deployment,
  namespaces: ReadonlyMap<string, KubeObject>,
  namespacesComplete: boolean,
): boolean | undefined {
  const template = mapping(pod.spec.template as Record<string, unknown>) as NonNullable<Deployment['spec']['template']>;
  const spec = mapping(template.spec as Record<string, unknown>) as NonNullable<typeof template.spec>;
  const proxy = [...list(spec.containers), ...list(spec.initContainers)].find((c) => c?.name === 'istio-proxy');
  if (typeof proxy?.image === 'string' && proxy.image !== '') return true;
  const labels = podLabels(pod);
  if (SIDECAR_INJECT in labels) return labels[SIDECAR_INJECT] === 'true';
  const annotations = mapping(mapping(template.metadata as Record<string, unknown>).annotations as Labels);
  if (SIDECAR_INJECT in annotations) return annotations[SIDECAR_INJECT] === 'true';
  const ns = namespaces.get(namespaceOf(pod));
  if (ns) return mapping(ns.metadata.labels)['istio-injection'] === 'enabled';
  return namespacesComplete ? false : undefined;
}

const ambient = (pod: Deployment): boolean =>
  mapping(
    mapping(mapping(pod.spec.template as Record<string, unknown>).metadata as Record<string, unknown>)
      .annotations as Labels,
  )[AMBIENT_REDIRECTION] === 'enabled';

interface MeshPod {
  pod: Deployment;
  labels: Labels;
}

/** initPodLabelsMap: per namespace, its pods in the mesh (a namespace with pods is a key). */
function meshPods(ctx: AnalysisContext, namespaces: ReadonlyMap<string, KubeObject>): Map<string, MeshPod[]> {
  const out = new Map<string, MeshPod[]>();
  const namespacesComplete = ctx.complete('namespaces');
  for (const pod of ctx.world.deployments) {
    const ns = namespaceOf(pod);
    if (IGNORED_NAMESPACES.has(ns)) continue;
    const inNamespace = out.get(ns) ?? [];
    out.set(ns, inNamespace);
    if (podInMesh(pod, namespaces, namespacesComplete) !== false || ambient(pod))
      inNamespace.push({ pod, labels: podLabels(pod) });
  }
  return out;
}

/** namespaceMatch: `*`, `*suffix`, `prefix*`, or the name ignoring case. */
function namespaceMatch(ns: string, exp: string): boolean {
  if (exp === '*') return true;
  if (exp.startsWith('*')) return ns.endsWith(exp.slice(1));
  if (exp.endsWith('*')) return ns.startsWith(exp.slice(0, -1));
  return ns.toLowerCase() === exp.toLowerCase();
}

export function analyzeAuthorizationPolicies(ctx: AnalysisContext): Diagnostic[] {
  // the last of a name: Istio's store keeps the last object read
  const namespaces = ctx.indexOf(
    ctx.world.namespaces,
    'namespacesByName',
    (all) => new Map(all.filter((n) => !IGNORED_NAMESPACES.has(n.metadata.name)).map((n) => [n.metadata.name, n])),
  );
  const exact = ctx.complete('deployments') && ctx.complete('namespaces');
  let pods: Map<string, MeshPod[]> | undefined;
  const out: Diagnostic[] = [];
  for (const policy of ctx.subject.authorizationPolicies) {
    const ns = namespaceOf(policy);
    if (IGNORED_NAMESPACES.has(ns)) continue;
    const judged = exact || (ns !== DEFAULT_ROOT_NAMESPACE && ctx.world.deployments.some((d) => namespaceOf(d) === ns));
    if (judged) {
      pods ??= meshPods(ctx, namespaces);
      out.push(...noMatchingWorkloads(ctx, policy, pods));
    }
    if (ctx.complete('namespaces')) out.push(...namespacesNotFound(ctx, policy, [...namespaces.keys()]));
  }
  return out;
}

function noMatchingWorkloads(
  ctx: AnalysisContext,
  policy: AuthorizationPolicy,
  pods: Map<string, MeshPod[]>,
): Diagnostic[] {
  const ns = namespaceOf(policy);
  const raw = (policy.spec as Record<string, unknown>).selector;
  // Go's GetSelector() != nil: `selector: {}` is a selector (matching every pod), `selector:` (null) is none
  const hasSelector = raw !== undefined && raw !== null;
  const matchLabels = hasSelector ? mapping(mapping(raw as Record<string, unknown>).matchLabels as Labels) : {};
  const matches = (set: readonly MeshPod[] | undefined) =>
    (set ?? []).some((p) => selectorMatches(matchLabels, p.labels));
  let fault: 'selector' | 'namespace' | undefined;
  if (ns === DEFAULT_ROOT_NAMESPACE) {
    if (hasSelector && ![...pods.values()].some(matches)) fault = 'selector';
  } else if (!hasSelector) {
    if (!pods.get(ns)?.length) fault = 'namespace';
  } else if (!matches(pods.get(ns))) fault = 'selector';
  if (!fault) return [];
  return [
    makeDiagnostic({
      code: 'IST0127',
      args: [fault === 'selector' ? selectorString(matchLabels) : ''],
      file: policy.file,
      range: istioctlObjectRange(ctx, policy),
      // the editor underlines the labels no pod carries, or the namespace without pods in the mesh
      valueRange:
        fault === 'selector'
          ? policy.rangeAt(['spec', 'selector', 'matchLabels'])
          : policy.rangeAt(['metadata', 'namespace']),
      object: objectRef(policy),
      fixes:
        fault === 'selector'
          ? selectorFixes(
              policy,
              matchLabels,
              ns === DEFAULT_ROOT_NAMESPACE ? [...pods.values()].flat() : (pods.get(ns) ?? []),
            )
          : [],
    }),
  ];
}

/**
 * "Change selector to app=simple": for pods in scope that carry every label key of the selector, their values in
 * place of the selector's (the keys stay, so the policy keeps selecting the same kind of workload). The 3 nearest;
 * the nearest preferred when it is the only one or a typo (as for Gateway names).
 */
function selectorFixes(policy: AuthorizationPolicy, matchLabels: Labels, pods: readonly MeshPod[]): QuickFix[] {
  const keys = Object.keys(matchLabels).sort();
  if (!keys.length) return [];
  const typed = selectorString(matchLabels);
  const candidates = new Map<string, { pod: Deployment; wanted: Labels; d: number }>();
  for (const { pod, labels } of pods) {
    if (!keys.every((k) => k in labels)) continue;
    const wanted = Object.fromEntries(keys.map((k) => [k, String(labels[k])]));
    const text = selectorString(wanted);
    if (!candidates.has(text)) candidates.set(text, { pod, wanted, d: editDistance(typed, text) });
  }
  const ranked = [...candidates].sort(([a, x], [b, y]) => x.d - y.d || (a < b ? -1 : 1)).slice(0, 3);
  const best = ranked[0]?.[1].d ?? Infinity;
  const preferred = ranked.length === 1 || (best <= 2 && ranked.filter(([, c]) => c.d === best).length === 1);
  return ranked.map(([text, { pod, wanted }], i) => ({
    title: `Change selector to ${text} (the labels of ${pod.kind} ${namespaceOf(pod)}/${pod.metadata.name})`,
    edits: keys
      .filter((k) => String(matchLabels[k]) !== wanted[k])
      .map((k) =>
        replaceRange(policy.file, policy.rangeAt(['spec', 'selector', 'matchLabels', k]), yamlScalar(wanted[k]!)),
      ),
    ...(i === 0 && preferred ? { isPreferred: true } : {}),
  }));
}

function namespacesNotFound(ctx: AnalysisContext, policy: AuthorizationPolicy, names: readonly string[]): Diagnostic[] {
  const out: Diagnostic[] = [];
  list(policy.spec.rules).forEach((rule, i) => {
    list(rule?.from).forEach((from, j) => {
      const source = mapping(from?.source as Record<string, unknown>) as NonNullable<typeof from.source>;
      const positive = list(source.namespaces);
      const entries = [
        ...positive.map((exp, k) => ({ exp, field: 'namespaces', k })),
        ...list(source.notNamespaces).map((exp, k) => ({ exp, field: 'notNamespaces', k })),
      ];
      for (const { exp, field, k } of entries) {
        const value = String(exp);
        if (names.some((n) => namespaceMatch(n, value))) continue;
        // Istio's ErrorLine path is namespaces[k] for both lists (see the header)
        const atLine = k < positive.length;
        out.push(
          makeDiagnostic({
            code: 'IST0101',
            args: ['namespace', value],
            file: policy.file,
            range: atLine
              ? policy.rangeAt(['spec', 'rules', i, 'from', j, 'source', 'namespaces', k])
              : istioctlObjectRange(ctx, policy),
            valueRange: policy.rangeAt(['spec', 'rules', i, 'from', j, 'source', field, k]),
            object: objectRef(policy),
            fixes: namespaceFixes(policy, ['spec', 'rules', i, 'from', j, 'source', field, k], value, names),
          }),
        );
      }
    });
  });
  return out;
}

/** "Change namespace to simple": the 3 Namespaces nearest a plain name; the nearest preferred when it is a typo. */
function namespaceFixes(
  policy: AuthorizationPolicy,
  path: (string | number)[],
  value: string,
  names: readonly string[],
): QuickFix[] {
  if (value.includes('*')) return [];
  const ranked = names
    .map((n) => ({ n, d: editDistance(value, n) }))
    .sort((a, b) => a.d - b.d || (a.n < b.n ? -1 : 1))
    .slice(0, 3);
  const best = ranked[0];
  const typo = best !== undefined && best.d <= 2 && ranked.filter((r) => r.d === best.d).length === 1;
  return ranked.map((r, i) => ({
    title: `Change namespace to ${r.n}`,
    edits: [replaceRange(policy.file, policy.rangeAt(path), yamlScalar(r.n))],
    ...(i === 0 && typo ? { isPreferred: true } : {}),
  }));
}
