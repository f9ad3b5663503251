// The gateway's live Envoy, read once per refresh per gateway pod and shared by every lens and hover.
import { clusterNamespaces } from '../istio/hosts';
import type { Gateway } from '../istio/model';
import type { Cluster } from '../kube/index';
import type { PodInfo } from '../kube/objects';
import { errorText } from './errorText';
import { buildLiveGateway, type LiveGateway } from './liveView';
import { UntrustedWorkspaceError } from './trust';

/** What the live routes need from the editor's LabContext: its door to the cluster, settings, trust and log. */
export interface LiveContext {
  /** Throws UntrustedWorkspaceError in an untrusted workspace. */
  getCluster(): Cluster;
  readonly settings: { gateway: { namespace: string; selector: string; pod: string } };
  readonly prompts: { isTrusted(): boolean };
  readonly log: { info(message: string): void; warn(message: string): void };
}

const UNTRUSTED_STATE = (): LiveState => ({
  ok: false,
  reason: 'untrusted workspace, so the cluster is not read',
  error: new UntrustedWorkspaceError('Reading the gateway'),
});

export type LiveState = { ok: true; gateway: LiveGateway } | { ok: false; reason: string; error?: Error };

/** The Gateway a route comes from, as far as its pods go: its namespace and its selector. */
export interface GatewayRef {
  namespace: string;
  selector: Record<string, string>;
}

/**
 * Every Gateway of the inputs and of the prediction (a Gateway API listener's internal one) by `<ns>/<name>`,
 * as far as its pods go; a Gateway without a namespace is in `defaultNamespace`.
 */
export function gatewayRefs(gateways: readonly Gateway[], defaultNamespace: string): Map<string, GatewayRef> {
  return new Map(
    gateways.map((g) => {
      const namespace = g.metadata.namespace ?? defaultNamespace;
      return [`${namespace}/${g.metadata.name}`, { namespace, selector: g.spec.selector ?? {} }] as const;
    }),
  );
}

/**
 * Whether a Gateway's pods are other than the configured gateway's: its selector asks for labels the
 * configured selector does not give (a Gateway API Gateway's `<gw>-istio`, an east-west gateway).
 */
export function selectsOtherPods(gw: GatewayRef | undefined, configuredSelector: string): gw is GatewayRef {
  const configured = parseSelector(configuredSelector);
  return (
    !!gw && Object.keys(gw.selector).length > 0 && !Object.entries(gw.selector).every(([k, v]) => configured[k] === v)
  );
}

export function labelSelector(selector: Record<string, string>): string {
  return Object.entries(selector)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

export class LiveRoutes {
  private readonly byPod = new Map<string, Promise<LiveState>>();
  /** Gateway pod per label selector ('' = the settings' gateway). */
  private readonly chosen = new Map<string, Promise<PodInfo | string>>();

  constructor(private readonly ctx: LiveContext) {}

  clear(): void {
    this.byPod.clear();
    this.chosen.clear();
    this.answered.clear();
    this.generation++;
  }

  /**
   * The gateway pod to read. Without a Gateway, or for one whose selector the configured gateway's labels
   * satisfy: the setting's pod, else the first Ready pod matching the configured selector. For a Gateway
   * that selects other pods: the first Ready pod matching its selector. A string says why there is none.
   */
  gatewayPod(gw?: GatewayRef): Promise<PodInfo | string> {
    // Through the door first: a pod remembered from a trusted moment is not an answer in an untrusted one.
    this.ctx.getCluster();
    const own = selectsOtherPods(gw, this.ctx.settings.gateway.selector);
    const key = own ? labelSelector(gw.selector) : '';
    let pod = this.chosen.get(key);
    if (!pod) {
      pod = own ? this.findPod(gw) : this.findConfiguredPod();
      this.chosen.set(key, pod);
    }
    return pod;
  }

  private async findConfiguredPod(): Promise<PodInfo | string> {
    const { gateway } = this.ctx.settings;
    try {
      // Short timeout: lenses wait on this, and a dead cluster should fall back to the prediction quickly.
      const pods = await this.ctx
        .getCluster()
        .listPods(gateway.namespace, { labelSelector: gateway.selector, timeoutMs: 5000 });
      if (gateway.pod) {
        return (
          pods.find((p) => p.name === gateway.pod) ??
          `the gateway pod "${gateway.pod}" (setting istioIngressLab.gateway.pod) is not in ${gateway.namespace}: run "Choose Gateway Pod"`
        );
      }
      return readyOf(pods, gateway.namespace, gateway.selector);
    } catch (e) {
      if (e instanceof UntrustedWorkspaceError) throw e; // the door said no: the command says why
      return errorText(e);
    }
  }

  private async findPod(gw: GatewayRef): Promise<PodInfo | string> {
    const selector = labelSelector(gw.selector);
    const namespaces = [...new Set([this.ctx.settings.gateway.namespace, gw.namespace])];
    try {
      const pods = (
        await Promise.all(
          namespaces.map((ns) => this.ctx.getCluster().listPods(ns, { labelSelector: selector, timeoutMs: 5000 })),
        )
      ).flat();
      return readyOf(pods, namespaces.join(' or '), selector);
    } catch (e) {
      if (e instanceof UntrustedWorkspaceError) throw e; // the door said no: the command says why
      return errorText(e);
    }
  }

  /** What get(gw) last answered for this gateway, if that answer is in: lenses then need no second round. */
  peek(gw?: GatewayRef): LiveState | undefined {
    if (!this.ctx.prompts.isTrusted()) return UNTRUSTED_STATE();
    return this.answered.get(this.gatewayKey(gw));
  }

  private readonly answered = new Map<string, LiveState>();

  private gatewayKey(gw?: GatewayRef): string {
    return gw ? `${gw.namespace}|${labelSelector(gw.selector)}` : '';
  }

  /** Live view of a gateway's Envoy; never asks the cluster in an untrusted workspace. */
  async get(gw?: GatewayRef): Promise<LiveState> {
    if (!this.ctx.prompts.isTrusted()) return UNTRUSTED_STATE();
    const generation = this.generation;
    const state = await this.read(gw);
    // An answer started before a clear() is not remembered: it may describe the old cluster or gateway.
    if (generation === this.generation) this.answered.set(this.gatewayKey(gw), state);
    return state;
  }

  private generation = 0;

  private async read(gw?: GatewayRef): Promise<LiveState> {
    const pod = await this.gatewayPod(gw);
    if (typeof pod === 'string') return { ok: false, reason: pod };
    return this.ofPod(pod);
  }

  /** Live view of one gateway pod's Envoy, e.g. the one whose access log line the Requests view explains. */
  ofPod(pod: PodInfo): Promise<LiveState> {
    if (!this.ctx.prompts.isTrusted()) return Promise.resolve(UNTRUSTED_STATE());
    const key = `${pod.namespace}/${pod.name}`;
    let state = this.byPod.get(key);
    if (!state) {
      state = this.load(pod);
      this.byPod.set(key, state);
    }
    return state;
  }

  private async load(pod: PodInfo): Promise<LiveState> {
    const cluster = this.ctx.getCluster();
    const admin = cluster.envoyAdmin({ namespace: pod.namespace, name: pod.name });
    const started = Date.now();
    try {
      const [configDump, clusters] = await Promise.all([
        admin.getConfigDump({ includeEds: true }),
        admin.getClusters(),
      ]);
      const podsByIp = new Map<string, string>();
      const names = ((clusters as { cluster_statuses?: { name?: string }[] }).cluster_statuses ?? []).map(
        (c) => c.name ?? '',
      );
      await Promise.all(
        clusterNamespaces(names).map(async (ns) => {
          for (const p of await cluster.listPods(ns)) if (p.ip) podsByIp.set(p.ip, p.name);
        }),
      );
      const gateway = buildLiveGateway(pod, configDump, clusters, podsByIp);
      this.ctx.log.info(`live: read ${pod.namespace}/${pod.name}'s Envoy in ${Date.now() - started} ms`);
      return { ok: true, gateway };
    } catch (e) {
      const reason = errorText(e);
      this.ctx.log.warn(`live: ${pod.namespace}/${pod.name}: ${reason}`);
      return { ok: false, reason };
    }
  }
}

function readyOf(pods: PodInfo[], where: string, selector: string): PodInfo | string {
  const ready = pods.find((p) => p.ready);
  if (ready) return ready;
  return pods.length
    ? `no gateway pod is Ready in ${where} (${pods.map((p) => `${p.name} ${p.notReadyReason ?? ''}`.trim()).join(', ')})`
    : `no pod in ${where} matches ${selector}`;
}

export type { LiveGateway };

/** Label selector "a=b,c=d" as a map (for matching the gateway Service and pods). */
export function parseSelector(selector: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of selector.split(',')) {
    const [k, v] = part.split('=').map((x) => x.trim());
    if (k) out[k] = v ?? '';
  }
  return out;
}
