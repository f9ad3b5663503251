// Reads multi-document YAML into typed Kubernetes/Istio objects that remember where each value stands.
//
// The `yaml` package keeps source ranges but is slow (about 0.9 s for 100k lines), so a file is split
// into its documents first (a `---` line at column 0 always starts a document, even inside a block
// scalar) and each document is parsed on its own and cached by its text: an edit re-reads only the
// document that changed.
import { isMap, isSeq, isScalar, LineCounter, parse as parseYaml, parseDocument, type Document, type Node } from 'yaml';
import {
  DEFAULT_NAMESPACE,
  MESH_CONFIGMAP,
  type KubeObject,
  type Range,
  type ResourceSet,
  type SecretRef,
  type ConfigMapRef,
  type YamlPath,
  type YamlProblem,
} from './model';
import { pathText, validateGatewayApiObject, validateObject } from './validate';
import { fastParse, needsFullParser, type FastParsed } from './yamlFast';
import { caBundleError, secretFacts } from './secretFacts';

/** Aliases expanded per document before we call the file hostile (a "billion laughs" stops here). */
const MAX_ALIAS_COUNT = 100;
/** Documents kept in the parse cache: a large workspace's worth, bounded for a long session. */
const CACHE_LIMIT = 50_000;

interface DocumentChunk {
  text: string;
  /** 0-based line of the chunk's first line within the file. */
  startLine: number;
}

/** What one document parses to, positions relative to the document's first line. */
interface ParsedChunk {
  value: unknown;
  doc: Document.Parsed | undefined;
  /** Set when js-yaml read the document (the fast path); then `doc` is undefined. */
  fast?: FastParsed;
  lineCounter: LineCounter;
  problems: { range: Range; message: string }[];
}

const cache = new Map<string, ParsedChunk>();
const stats = { parsed: 0, reused: 0 };

/** How many documents were parsed and how many came from the cache since the last clear. */
export function yamlCacheStats(): Readonly<typeof stats> {
  return { ...stats };
}

export function emptyResourceSet(): ResourceSet {
  return {
    virtualServices: [],
    gateways: [],
    destinationRules: [],
    services: [],
    deployments: [],
    serviceEntries: [],
    secrets: [],
    configMaps: [],
    k8sGateways: [],
    httpRoutes: [],
    grpcRoutes: [],
    tlsRoutes: [],
    tcpRoutes: [],
    referenceGrants: [],
    gatewayClasses: [],
    backendTlsPolicies: [],
    authorizationPolicies: [],
    requestAuthentications: [],
    namespaces: [],
  };
}

/** The same objects with their files named for people (a workspace-relative path instead of a URI). */
export function renameFiles(set: ResourceSet, name: (file: string) => string): ResourceSet {
  const out = emptyResourceSet();
  for (const key of Object.keys(out) as (keyof ResourceSet)[])
    (out[key] as KubeObject[]) = (set[key] as KubeObject[]).map((o) => ({ ...o, file: name(o.file) }));
  return out;
}

export function mergeResourceSets(...sets: ResourceSet[]): ResourceSet {
  const out = emptyResourceSet();
  for (const s of sets) {
    out.virtualServices.push(...s.virtualServices);
    out.gateways.push(...s.gateways);
    out.destinationRules.push(...s.destinationRules);
    out.services.push(...s.services);
    out.deployments.push(...s.deployments);
    out.serviceEntries.push(...s.serviceEntries);
    out.secrets.push(...s.secrets);
    out.configMaps.push(...s.configMaps);
    out.k8sGateways.push(...s.k8sGateways);
    out.httpRoutes.push(...s.httpRoutes);
    out.grpcRoutes.push(...s.grpcRoutes);
    out.tlsRoutes.push(...s.tlsRoutes);
    out.tcpRoutes.push(...s.tcpRoutes);
    out.referenceGrants.push(...s.referenceGrants);
    out.gatewayClasses.push(...s.gatewayClasses);
    out.backendTlsPolicies.push(...s.backendTlsPolicies);
    out.authorizationPolicies.push(...s.authorizationPolicies);
    out.requestAuthentications.push(...s.requestAuthentications);
    out.namespaces.push(...s.namespaces);
  }
  return out;
}

/** Splits a YAML stream into documents at `---` lines, keeping line numbers. */
export function splitDocuments(text: string): DocumentChunk[] {
  const chunks: DocumentChunk[] = [];
  let start = 0;
  let startLine = 0;
  let line = 0;
  let pos = 0;
  while (pos <= text.length) {
    const nl = text.indexOf('\n', pos);
    const end = nl === -1 ? text.length : nl;
    if (text.startsWith('---', pos) && (end === pos + 3 || /\s/.test(text.charAt(pos + 3)))) {
      if (pos > start || chunks.length > 0 || line > 0) chunks.push({ text: text.slice(start, pos), startLine });
      start = pos;
      startLine = line;
    }
    if (nl === -1) break;
    pos = nl + 1;
    line++;
  }
  chunks.push({ text: text.slice(start), startLine });
  return chunks.filter((c) => c.text.trim() !== '' && c.text.trim() !== '---');
}

function parseChunk(text: string): ParsedChunk {
  const hit = cache.get(text);
  if (hit) {
    stats.reused++;
    // refresh LRU position
    cache.delete(text);
    cache.set(text, hit);
    return hit;
  }
  stats.parsed++;
  const quick = fastChunk(text);
  if (quick) {
    // a Secret's values are read for its facts only: such a document is not kept in the cache
    if (holdsSecret(quick.value)) return quick;
    cache.set(text, quick);
    if (cache.size > CACHE_LIMIT) cache.delete(cache.keys().next().value as string);
    return quick;
  }
  const lineCounter = new LineCounter();
  const problems: ParsedChunk['problems'] = [];
  let doc: Document.Parsed | undefined;
  let value: unknown;
  try {
    doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: false });
    const nbsp = nbspIndentation(text);
    if (nbsp !== undefined) {
      // Copying YAML from a web page often brings non-breaking spaces; the parser's own message hides that.
      problems.push({
        range: { start: { line: nbsp, character: 0 }, end: { line: nbsp, character: 1 } },
        message:
          'this line is indented with a non-breaking space (U+00A0), often pasted from a web page; YAML needs plain spaces: replace them',
      });
    } else {
      for (const e of doc.errors) {
        problems.push({ range: offsetsToRange(lineCounter, e.pos[0], e.pos[1]), message: firstLine(e.message) });
      }
    }
    // With non-breaking spaces the tree parses into the wrong shape, so nothing of it is trusted.
    if (doc.errors.length === 0 && nbsp === undefined) value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const bomb = /alias/i.test(message);
    problems.push({
      range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
      message: bomb
        ? `too many YAML aliases (over ${MAX_ALIAS_COUNT}) in this document; it looks like an alias bomb and was not read`
        : firstLine(message),
    });
    value = undefined;
  }
  const parsed = { value, doc, lineCounter, problems };
  // a Secret's values are read for nothing: such a document is not kept in the cache
  if (holdsSecret(value)) return parsed;
  cache.set(text, parsed);
  if (cache.size > CACHE_LIMIT) cache.delete(cache.keys().next().value as string);
  return parsed;
}

/** js-yaml's reading of a document, or undefined when the `yaml` package must read it (see yamlFast.ts). */
function fastChunk(text: string): ParsedChunk | undefined {
  if (needsFullParser(text)) return undefined;
  let fast: FastParsed;
  try {
    fast = fastParse(text);
  } catch {
    return undefined; // the `yaml` package words the problem, as before
  }
  const lineCounter = new LineCounter();
  lineCounter.addNewLine(0);
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) lineCounter.addNewLine(i + 1);
  return { value: fast.value, doc: undefined, fast, lineCounter, problems: [] };
}

const isSecret = (v: unknown) => !!v && typeof v === 'object' && (v as { kind?: unknown }).kind === 'Secret';
function holdsSecret(v: unknown): boolean {
  const items = v && typeof v === 'object' ? (v as { items?: unknown }).items : undefined;
  return isSecret(v) || (Array.isArray(items) && items.some(isSecret));
}

/** 0-based line of the first line whose indentation holds a non-breaking space. */
function nbspIndentation(text: string): number | undefined {
  const i = text.split('\n').findIndex((l) => /^[ \t]*\u00a0/.test(l));
  return i < 0 ? undefined : i;
}

function firstLine(s: string): string {
  return s.replace(/\n[^]*$/, '').trim();
}

function offsetsToRange(lc: LineCounter, startOffset: number, endOffset: number): Range {
  const s = lc.linePos(startOffset);
  const e = lc.linePos(Math.max(startOffset, endOffset));
  return { start: { line: s.line - 1, character: s.col - 1 }, end: { line: e.line - 1, character: e.col - 1 } };
}

function shift(r: Range, lines: number): Range {
  return {
    start: { line: r.start.line + lines, character: r.start.character },
    end: { line: r.end.line + lines, character: r.end.character },
  };
}

/** Finds the node at `path`, or the deepest parent that exists. */
function nodeAt(doc: Document.Parsed, path: YamlPath): Node | undefined {
  let node: unknown = doc.contents;
  let found = node as Node | undefined;
  for (const key of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && p.key.value === key);
      if (!pair) break;
      node = pair.value;
    } else if (isSeq(node) && typeof key === 'number') {
      node = node.items[key];
    } else break;
    if (!node) break;
    found = node as Node;
  }
  return found;
}

const KINDS: Record<string, keyof ResourceSet> = {
  VirtualService: 'virtualServices',
  Gateway: 'gateways',
  DestinationRule: 'destinationRules',
  ServiceEntry: 'serviceEntries',
  AuthorizationPolicy: 'authorizationPolicies',
  RequestAuthentication: 'requestAuthentications',
  Secret: 'secrets',
  ConfigMap: 'configMaps',
  Service: 'services',
  Deployment: 'deployments',
  // A Pod is a workload too: Gateways select pods, and `kubectl get pods -o yaml` is what users have.
  Pod: 'deployments',
  Namespace: 'namespaces',
};

/** A Secret's metadata without annotations (last-applied-configuration carries the data). */
function secretMetadata(metadata: KubeObject['metadata']): KubeObject['metadata'] {
  const { name, namespace, labels, creationTimestamp } = metadata as KubeObject['metadata'] & {
    creationTimestamp?: string;
  };
  return {
    name,
    ...(namespace ? { namespace } : {}),
    ...(labels ? { labels } : {}),
    ...(creationTimestamp ? { creationTimestamp } : {}),
  };
}
/** The mesh config in a ConfigMap's `mesh` key, parsed; `error` says why there is none. */
function meshConfigSpec(raw: Record<string, unknown>): { spec: Pick<ConfigMapRef['spec'], 'mesh'>; error?: string } {
  const data = raw.data && typeof raw.data === 'object' ? (raw.data as Record<string, unknown>) : {};
  const text = data.mesh;
  if (typeof text !== 'string')
    return { spec: {}, error: 'has no `mesh` key (data.mesh), where istiod reads its mesh config' };
  try {
    const mesh: unknown = parseYaml(text);
    if (mesh === null || mesh === undefined) return { spec: { mesh: {} } };
    if (typeof mesh !== 'object' || Array.isArray(mesh))
      return { spec: {}, error: 'data.mesh is not a YAML mapping: istiod would not take this mesh config' };
    return { spec: { mesh } };
  } catch (e) {
    return {
      spec: {},
      error: `data.mesh is not valid YAML (${firstLine((e as Error).message)}): istiod would not take this mesh config`,
    };
  }
}

/** A Secret's type and the facts Istio checks in its values; the values themselves stop here. */
const secretSpec = (raw: Record<string, unknown>): SecretRef['spec'] => ({
  ...(typeof raw.type === 'string' ? { type: raw.type } : {}),
  facts: secretFacts(raw),
});

/** A ConfigMap's CA facts (ExtractRootFromString on its data) and, for ConfigMap istio, its mesh config; its data stops here. */
const configMapSpec = (
  raw: Record<string, unknown>,
  mesh: { spec: Pick<ConfigMapRef['spec'], 'mesh'> } | undefined,
): ConfigMapRef['spec'] => {
  const error = caBundleError(raw.data);
  return { ...(error ? { caCertError: error } : {}), ...(mesh?.spec ?? {}) };
};

/**
 * The workload shape the engine reads (a Deployment's pod template) for a Pod: its labels, annotations and spec
 * as a one-replica template. The object keeps kind Pod and its own YAML ranges.
 */
function podAsWorkload(metadata: KubeObject['metadata'], spec: unknown): Record<string, unknown> {
  return {
    replicas: 1,
    template: {
      metadata: {
        labels: metadata.labels ?? {},
        ...(metadata.annotations ? { annotations: metadata.annotations } : {}),
      },
      spec: spec && typeof spec === 'object' ? spec : {},
    },
  };
}

/** The Kubernetes Gateway API kinds (v1, v1beta1), read into their own buckets: `Gateway` there is not Istio's. */
const GATEWAY_API_KINDS: Record<string, keyof ResourceSet> = {
  Gateway: 'k8sGateways',
  HTTPRoute: 'httpRoutes',
  GRPCRoute: 'grpcRoutes',
  TLSRoute: 'tlsRoutes',
  TCPRoute: 'tcpRoutes',
  ReferenceGrant: 'referenceGrants',
  GatewayClass: 'gatewayClasses',
  BackendTLSPolicy: 'backendTlsPolicies',
};

const isGatewayApi = (apiVersion: string) => apiVersion.startsWith('gateway.networking.k8s.io/');

/** The ResourceSet list an object of this apiVersion and kind goes to, if the engine reads it. */
function bucketOf(apiVersion: string, kind: string): keyof ResourceSet | undefined {
  if (isGatewayApi(apiVersion)) return GATEWAY_API_KINDS[kind];
  const bucket = KINDS[kind];
  return bucket && isIstioOrCore(apiVersion, kind) ? bucket : undefined;
}

function isIstioOrCore(apiVersion: string, kind: string): boolean {
  if (kind === 'Service' || kind === 'Pod' || kind === 'Secret' || kind === 'Namespace' || kind === 'ConfigMap')
    return apiVersion === 'v1';
  if (kind === 'Deployment') return apiVersion.startsWith('apps/');
  if (kind === 'AuthorizationPolicy' || kind === 'RequestAuthentication')
    return apiVersion.startsWith('security.istio.io/');
  return apiVersion.startsWith('networking.istio.io/');
}

export interface ReadResult {
  resources: ResourceSet;
  problems: YamlProblem[];
}

export interface ReadOptions {
  /** Namespace for objects that name none, as `kubectl apply -n` would give them. */
  defaultNamespace?: string;
  /**
   * Refuse objects the API server or Istio's webhook would refuse (src/istio/validate), reporting each
   * violation as a problem. The CLI and the editor validate; tests of Istio's translation may feed it
   * configs its webhook would refuse (as Istio's own generator takes them), so the default is off.
   */
  validate?: boolean;
}

/** Reads every document of a YAML file; non-Istio documents are skipped, broken ones reported. */
export function readResources(text: string, file: string, options: ReadOptions = {}): ReadResult {
  const resources = emptyResourceSet();
  const problems: YamlProblem[] = [];
  const chunks = splitDocuments(text);
  chunks.forEach((chunk, docIndex) => {
    const parsed = parseChunk(chunk.text);
    for (const p of parsed.problems) {
      problems.push({ file, range: shift(p.range, chunk.startLine), message: p.message, severity: 'error' });
    }
    const v = parsed.value;
    if ((!parsed.doc && !parsed.fast) || !v || typeof v !== 'object' || Array.isArray(v)) return;
    const doc = parsed.doc;
    const fast = parsed.fast;
    const lc = parsed.lineCounter;
    const docRange = shift(offsetsToRange(lc, 0, chunk.text.length), chunk.startLine);
    const rangeIn = (path: YamlPath, fallback: Range): Range => {
      if (fast) {
        const [s, e] = fast.offsetsAt(path);
        return shift(offsetsToRange(lc, s, e), chunk.startLine);
      }
      const n = doc ? nodeAt(doc, path) : undefined;
      if (!n?.range) return fallback;
      return shift(offsetsToRange(lc, n.range[0], n.range[1]), chunk.startLine);
    };
    const top = v as Record<string, unknown>;
    // `kubectl get -o yaml` and Helm/kustomize tooling wrap objects in a v1 List (kind List or FooList).
    if (typeof top.kind === 'string' && /List$/.test(top.kind) && top.apiVersion === 'v1' && Array.isArray(top.items)) {
      top.items.forEach((item, i) => {
        const base: YamlPath = ['items', i];
        if (item && typeof item === 'object' && !Array.isArray(item))
          readObject(item as Record<string, unknown>, base, rangeIn(base, docRange), docIndex);
      });
      return;
    }
    readObject(top, [], docRange, docIndex);

    /** The document's first line after its `---`, comments included: where istioctl analyze names the object. */
    function afterMarker(r: Range): Range {
      return /^---/.test(chunk.text) ? { start: { line: r.start.line + 1, character: 0 }, end: r.end } : r;
    }

    function readObject(raw: Record<string, unknown>, base: YamlPath, whole: Range, docIndex: number) {
      const kind = typeof raw.kind === 'string' ? raw.kind : '';
      const apiVersion = typeof raw.apiVersion === 'string' ? raw.apiVersion : '';
      const bucket = bucketOf(apiVersion, kind);
      if (!bucket) return;
      const rawMetadata = (
        raw.metadata && typeof raw.metadata === 'object' ? raw.metadata : {}
      ) as KubeObject['metadata'];
      const mesh = kind === 'ConfigMap' && rawMetadata.name === MESH_CONFIGMAP ? meshConfigSpec(raw) : undefined;
      const metadata = kind === 'Secret' ? secretMetadata(rawMetadata) : rawMetadata;
      if (typeof metadata.name !== 'string' || metadata.name === '') {
        problems.push({
          file,
          range: whole,
          message: `${kind} has no metadata.name; it was skipped`,
          severity: 'error',
        });
        return;
      }
      const spec =
        kind === 'Pod'
          ? podAsWorkload(metadata, raw.spec)
          : kind === 'Secret'
            ? secretSpec(raw)
            : kind === 'ConfigMap'
              ? configMapSpec(raw, mesh)
              : raw.spec && typeof raw.spec === 'object'
                ? raw.spec
                : {};
      const rangeAt = (path: YamlPath): Range => rangeIn(base.length ? [...base, ...path] : path, whole);
      if (mesh?.error)
        problems.push({
          file,
          range: rangeAt(['data', 'mesh']),
          message: `ConfigMap ${metadata.name}: ${mesh.error}`,
          severity: 'warning',
        });
      // An object the API server or Istio would refuse is reported and left out: nothing is predicted from it.
      const violations = !options.validate
        ? []
        : isGatewayApi(apiVersion)
          ? validateGatewayApiObject(raw, kind, apiVersion.slice(apiVersion.indexOf('/') + 1))
          : validateObject(
              raw,
              kind,
              typeof metadata.namespace === 'string'
                ? metadata.namespace
                : (options.defaultNamespace ?? DEFAULT_NAMESPACE),
            );
      if (violations.length) {
        for (const v of violations) {
          const at = pathText([...base, ...v.path]);
          problems.push({
            file,
            range: rangeAt(v.path),
            message: `${kind} ${String(metadata.name)}: ${at ? `${at}: ` : ''}${v.message} (${isGatewayApi(apiVersion) ? 'kubectl apply refuses' : 'kubectl apply and istioctl validate refuse'} this ${kind}; fix it to see its routes)`,
            severity: 'error',
            invalid: {
              object: {
                kind,
                name: String(metadata.name),
                // a Namespace is cluster-scoped: istioctl names it `Namespace <name>`
                namespace:
                  kind === 'Namespace'
                    ? ''
                    : typeof metadata.namespace === 'string' && metadata.namespace
                      ? metadata.namespace
                      : (options.defaultNamespace ?? DEFAULT_NAMESPACE),
              },
              objectRange: base.length ? rangeIn(base, whole) : afterMarker(whole),
              violation: `${at ? `${at}: ` : ''}${v.message}`,
              ...(v.webhookOnly ? { webhookOnly: true } : {}),
            },
          });
        }
        return;
      }
      const obj: KubeObject = {
        apiVersion,
        kind,
        metadata: {
          ...metadata,
          name: String(metadata.name),
          // a Namespace is cluster-scoped: kubectl apply -n gives it no namespace
          ...(metadata.namespace || !options.defaultNamespace || kind === 'Namespace'
            ? {}
            : { namespace: options.defaultNamespace }),
        },
        spec: spec,
        file,
        docIndex,
        range: whole,
        rangeAt,
      };
      if (kind === 'Secret') {
        // no closure over the parsed document (it holds the Secret's data): only the name's range is kept
        const nameRange = rangeAt(['metadata', 'name']);
        obj.rangeAt = (path: YamlPath) => (path[0] === 'metadata' && path[1] === 'name' ? nameRange : whole);
      }
      if ((kind === 'Service' || kind === 'Pod') && raw.status)
        (obj as KubeObject & { status?: unknown }).status = raw.status;
      (resources[bucket] as KubeObject[]).push(obj);
    }
  });
  return { resources, problems };
}

/** Builds a KubeObject from an object read from the cluster (no source text: ranges are empty). */
export function fromClusterObject(raw: Record<string, unknown>, file: string): KubeObject | undefined {
  const kind = typeof raw.kind === 'string' ? raw.kind : '';
  if (!bucketOf(typeof raw.apiVersion === 'string' ? raw.apiVersion : '', kind)) return undefined;
  const empty: Range = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
  const rawMetadata = (raw.metadata ?? {}) as KubeObject['metadata'];
  const metadata = kind === 'Secret' ? secretMetadata(rawMetadata) : rawMetadata;
  return {
    apiVersion: typeof raw.apiVersion === 'string' ? raw.apiVersion : '',
    kind,
    metadata,
    spec:
      kind === 'Pod'
        ? podAsWorkload(metadata, raw.spec)
        : kind === 'Secret'
          ? secretSpec(raw)
          : kind === 'ConfigMap'
            ? configMapSpec(raw, rawMetadata.name === MESH_CONFIGMAP ? meshConfigSpec(raw) : undefined)
            : (raw.spec ?? {}),
    file,
    docIndex: 0,
    range: empty,
    rangeAt: () => empty,
    ...(raw.status ? { status: raw.status } : {}),
  };
}

/** Files whose last read SharedReads keeps; past this it starts over (a long session with many untitled files). */
const SHARED_READS_LIMIT = 5_000;

/**
 * The last read of each file, for readers of the same texts (the editor's lenses and its diagnostics both read
 * the edited document): the second gets the first's result, without validating and building the objects again.
 * The result is shared, so its readers never change it.
 */
export class SharedReads {
  private readonly last = new Map<string, { text: string; options: string; result: ReadResult }>();

  read(text: string, file: string, options: ReadOptions = {}): ReadResult {
    const key = `${options.defaultNamespace ?? ''}|${options.validate ? 'validate' : ''}`;
    const hit = this.last.get(file);
    if (hit?.text === text && hit.options === key) return hit.result;
    const result = readResources(text, file, options);
    if (!hit && this.last.size >= SHARED_READS_LIMIT) this.last.clear();
    this.last.set(file, { text, options: key, result });
    return result;
  }
}

/** Clears the per-document cache (tests and benchmarks measure cold reads with it). */
export function clearYamlCache(): void {
  cache.clear();
  stats.parsed = 0;
  stats.reused = 0;
}

/** One list the cluster answered: its items (built-in lists leave kind and apiVersion off them) and their kind. */
export interface ClusterList {
  kind: string;
  apiVersion: string;
  items: readonly unknown[];
}

/** The one way cluster objects become the engine's model: each list's items, typed, in one ResourceSet. */
export function clusterResourceSet(lists: readonly ClusterList[]): ResourceSet {
  const set = emptyResourceSet();
  for (const { kind, apiVersion, items } of lists) {
    for (const item of items) {
      const raw = item as Record<string, unknown> & { metadata?: { name?: string; namespace?: string } };
      const o = fromClusterObject(
        { ...raw, kind: raw.kind ?? kind, apiVersion: raw.apiVersion ?? apiVersion },
        `cluster:${kind}/${raw.metadata?.namespace ?? ''}/${raw.metadata?.name ?? ''}`,
      );
      const bucket = o && bucketOf(o.apiVersion, o.kind);
      if (o && bucket) (set[bucket] as KubeObject[]).push(o);
    }
  }
  return set;
}
