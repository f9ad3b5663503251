// What every analyzer sees: the objects to report on (the inputs, which have YAML ranges), the world
// to look references up in (inputs plus, when connected, the cluster's objects), and how far an
// offline world can be trusted to be complete.
import type { Deployment, KubeObject, Range, ResourceSet, Service, YamlProblem } from '../model';
import { emptyResourceSet, fromClusterObject } from '../yamlModel';
import type { ObjectRef } from './types';
import { namespaceOf } from '../model';

export interface AnalyzeOptions {
  /**
   * Objects read from the cluster (no ranges); references are looked up in them too, diagnostics are not put
   * on them. A kind left empty counts as not fetched: references to it are then not judged. For gateway
   * checks give the gateway Deployments (e.g. istio-system's) and their Services.
   */
  clusterResources?: ResourceSet;
  /**
   * Treat inputs (+ cluster) as everything there is: every reference not found is reported. Default: true
   * with clusterResources, false offline (then a reference is judged only where the inputs show that kind of
   * object for that namespace or host; see each analyzer). Offline with assumeComplete, istioctl's offline
   * default ingress gateway (pod + Service istio-system/istio-ingressgateway) is assumed unless the inputs
   * define that Service: like istioctl analyze on a cluster that holds just the inputs.
   */
  assumeComplete?: boolean;
  /** Text of an input file, to compute quick-fix edits; without it diagnostics carry no fixes. */
  sourceText?: (file: string) => string | undefined;
  /** The reader's problems: each invalid object among them becomes an IST0106 (the object itself was left out). */
  readProblems?: readonly YamlProblem[];
}

export interface AnalysisContext {
  inputs: ResourceSet;
  /**
   * The objects to report on: the inputs, or one document's objects when the workspace is analyzed one
   * document at a time (src/istio/analyzeIncremental.ts). References and "is it an input" still use inputs.
   */
  subject: ResourceSet;
  world: ResourceSet;
  assumeComplete: boolean;
  /**
   * Whether a missing object of this kind is a finding: with assumeComplete, except in cluster mode when the
   * cluster snapshot holds no object of that kind at all (then it was most likely not fetched).
   */
  complete(kind: keyof ResourceSet): boolean;
  clusterMode: boolean;
  sourceText(file: string): string | undefined;
  /**
   * An index built from one list of the world, once per list: the incremental analysis keeps a list it did
   * not change (and so its index) from one edit to the next.
   */
  indexOf<T, R>(objects: readonly T[], name: string, build: (objects: readonly T[]) => R): R;
}

/** Indexes per list object; a list is never changed once analyzed (a changed document gives a new list). */
export function indexCache(): AnalysisContext['indexOf'] {
  const cache = new WeakMap<object, Map<string, unknown>>();
  return <T, R>(objects: readonly T[], name: string, build: (objects: readonly T[]) => R): R => {
    let byName = cache.get(objects);
    if (!byName) cache.set(objects, (byName = new Map<string, unknown>()));
    if (!byName.has(name)) byName.set(name, build(objects));
    return byName.get(name) as R;
  };
}

/** The value when it is a list, else none: hand-written YAML may hold a string or a map where a list belongs. */
export const list = <T>(v: readonly T[] | T | undefined | null): T[] => (Array.isArray(v) ? (v as T[]) : []);

/** The value when it is a mapping, else an empty one. */
export const mapping = <T>(v: Record<string, T> | undefined | null): Record<string, T> =>
  v && typeof v === 'object' && !Array.isArray(v) ? v : {};

export const fullName = (o: KubeObject): string => `${namespaceOf(o)}/${o.metadata.name}`;
export const objectRef = (o: KubeObject): ObjectRef => ({
  kind: o.kind,
  name: o.metadata.name,
  namespace: namespaceOf(o),
});

const identity = (o: KubeObject) => `${o.kind}|${namespaceOf(o)}|${o.metadata.name}`;

/** One kind of the world: inputs first; a cluster object with the same kind/namespace/name is shadowed by the edited one. */
export function mergeWorldKind<T extends KubeObject>(inputs: readonly T[], cluster: readonly T[]): T[] {
  if (!cluster.length) return [...inputs];
  const seen = new Set(inputs.map(identity));
  return [...inputs, ...cluster.filter((o) => !seen.has(identity(o)))];
}

function mergeWorld(inputs: ResourceSet, cluster: ResourceSet | undefined): ResourceSet {
  if (!cluster) return inputs;
  const out = emptyResourceSet();
  for (const k of Object.keys(out) as (keyof ResourceSet)[])
    (out[k] as KubeObject[]) = mergeWorldKind(inputs[k] as KubeObject[], cluster[k] as KubeObject[]);
  return out;
}

/**
 * What `istioctl analyze --use-kube=false` adds to the files (local.AddDefaultResources, defaults.go): a
 * dummy ingress gateway pod labelled istio=ingressgateway and its Service in istio-system. (istioctl offline
 * also drops Services and Pods read from files and skips the analyzers that need them; we do not.)
 */
export function istioctlDefaultResources(istioNamespace = 'istio-system'): ResourceSet {
  const set = emptyResourceSet();
  const file = 'internal-ingress';
  const pod = fromClusterObject(
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'istio-ingressgateway-dummypod', namespace: istioNamespace },
      spec: { template: { metadata: { labels: { istio: 'ingressgateway' } } } },
    },
    file,
  );
  const svc = fromClusterObject(
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'istio-ingressgateway', namespace: istioNamespace },
      spec: {
        selector: { istio: 'ingressgateway' },
        ports: [
          { name: 'http2', nodePort: 31380, port: 80, protocol: 'TCP', targetPort: 80 },
          { name: 'https', nodePort: 31390, port: 443, protocol: 'TCP', targetPort: 443 },
          { name: 'tcp', nodePort: 31400, port: 31400, protocol: 'TCP', targetPort: 31400 },
          { name: 'tls', nodePort: 31447, port: 15443, protocol: 'TCP', targetPort: 15443 },
        ],
      },
    },
    file,
  );
  set.deployments.push(pod as Deployment);
  set.services.push(svc as Service);
  return set;
}

/** What the world adds to the inputs: the cluster's objects, or offline and complete istioctl's default ingress. */
export function worldExtra(inputs: ResourceSet, options: AnalyzeOptions): ResourceSet | undefined {
  const clusterMode = options.clusterResources !== undefined;
  const assumeComplete = options.assumeComplete ?? clusterMode;
  // Offline and complete: istioctl's offline default ingress stands in, unless the inputs define that Service.
  const definesIngress = inputs.services.some(
    (s) => s.metadata.name === 'istio-ingressgateway' && namespaceOf(s) === 'istio-system',
  );
  return options.clusterResources ?? (assumeComplete && !definesIngress ? istioctlDefaultResources() : undefined);
}

/**
 * `world` and `indexOf` are given by the incremental analysis (which keeps both from one edit to the next);
 * by default the world is merged here and indexes live as long as this context.
 */
export function createContext(
  inputs: ResourceSet,
  options: AnalyzeOptions = {},
  prepared: { world?: ResourceSet; indexOf?: AnalysisContext['indexOf'] } = {},
): AnalysisContext {
  const clusterMode = options.clusterResources !== undefined;
  const assumeComplete = options.assumeComplete ?? clusterMode;
  return {
    inputs,
    subject: inputs,
    world: prepared.world ?? mergeWorld(inputs, worldExtra(inputs, options)),
    assumeComplete,
    complete: (kind) => assumeComplete && (!clusterMode || (options.clusterResources?.[kind].length ?? 0) > 0),
    clusterMode,
    sourceText: options.sourceText ?? (() => undefined),
    indexOf: prepared.indexOf ?? indexCache(),
  };
}

/**
 * Whether an object found missing is a finding: when its kind is complete, or (offline) where the inputs show objects
 * of that kind in that namespace, so an object merely left out of the files is not reported.
 */
export function missingIsFinding(
  ctx: AnalysisContext,
  missing: { kind: keyof ResourceSet; namespace: string } | undefined,
): boolean {
  return (
    !missing || ctx.complete(missing.kind) || ctx.world[missing.kind].some((o) => namespaceOf(o) === missing.namespace)
  );
}

/** Kubernetes label selector semantics (klabels.SelectorFromSet): an empty selector matches everything. */
export function selectorMatches(
  selector: Record<string, string> | undefined,
  labels: Record<string, string> | undefined,
): boolean {
  const l = mapping(labels);
  return Object.entries(mapping(selector)).every(([k, v]) => l[k] === String(v));
}

/** klabels.Set(...).String(): `k=v` pairs sorted by key, joined by commas. */
export function selectorString(selector: Record<string, string> | undefined): string {
  const s = mapping(selector);
  return Object.keys(s)
    .sort()
    .map((k) => `${k}=${s[k]}`)
    .join(',');
}

/** The pod labels a Deployment's pods carry (the offline stand-in for Istio's Pod objects). */
export const podLabels = (
  d: KubeObject<{ template?: { metadata?: { labels?: Record<string, string> } } }>,
): Record<string, string> =>
  mapping(
    mapping(
      mapping(mapping(d.spec as Record<string, unknown>).template as Record<string, unknown>).metadata as Record<
        string,
        unknown
      >,
    ).labels as Record<string, string>,
  );

/**
 * The line `istioctl analyze` names for an object when its analyzer gives no field's line: the document's first
 * line that is neither empty nor `---` (kubeyaml.YAMLReader: a leading comment counts). Without the source text,
 * the object's first key.
 */
export function istioctlObjectRange(ctx: AnalysisContext, o: KubeObject): Range {
  const text = ctx.sourceText(o.file);
  const fallback = o.rangeAt([]);
  if (text === undefined) return fallback;
  const lines = text.split('\n');
  for (let line = o.range.start.line; line <= fallback.start.line && line < lines.length; line++) {
    const l = lines[line]!;
    if (l !== '' && l !== '---') return { start: { line, character: 0 }, end: { line, character: l.length } };
  }
  return fallback;
}
