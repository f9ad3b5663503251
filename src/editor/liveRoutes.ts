// The gateway's live Envoy, read once per refresh per gateway pod and shared by every lens and hover.
import type { PodInfo } from '../kube/objects';
import type { LabContext } from './ctx';
import { buildLiveGateway, type LiveGateway } from './liveView';
import { errorText } from './show';

export type LiveState = { ok: true; gateway: LiveGateway } | { ok: false; reason: string };

/** Namespaces of the services behind `outbound|80||simple.simple.svc.cluster.local`-style cluster names. */
export function clusterNamespaces(names: Iterable<string>): string[] {
  const out = new Set<string>();
  for (const n of names) {
    const m = /^outbound\|\d+\|[^|]*\|[^.]+\.([^.]+)\.svc\./.exec(n);
    if (m) out.add(m[1]!);
  }
  return [...out];
}

export class LiveRoutes {
  private readonly byPod = new Map<string, Promise<LiveState>>();
  private chosen: Promise<PodInfo | string> | undefined;

  constructor(private readonly ctx: LabContext) {}

  clear(): void {
    this.byPod.clear();
    this.chosen = undefined;
  }

  /** The gateway pod to read: the setting, else the first Ready pod matching the selector. A string says why none. */
  gatewayPod(): Promise<PodInfo | string> {
    this.chosen ??= (async () => {
      const { gateway } = this.ctx.settings;
      try {
        // Short timeout: lenses wait on this, and a dead cluster should fall back to the prediction quickly.
        const pods = await this.ctx.getCluster().listPods(gateway.namespace, { labelSelector: gateway.selector, timeoutMs: 5000 });
        if (gateway.pod) {
          return (
            pods.find((p) => p.name === gateway.pod) ??
            `the gateway pod "${gateway.pod}" (setting istioIngressLab.gateway.pod) is not in ${gateway.namespace}: run "Choose Gateway Pod"`
          );
        }
        const ready = pods.find((p) => p.ready);
        if (ready) return ready;
        return pods.length
          ? `no gateway pod is Ready in ${gateway.namespace} (${pods.map((p) => `${p.name} ${p.notReadyReason ?? ''}`.trim()).join(', ')})`
          : `no pod in ${gateway.namespace} matches ${gateway.selector}`;
      } catch (e) {
        return errorText(e);
      }
    })();
    return this.chosen;
  }

  /** Live view of the gateway; never asks the cluster in an untrusted workspace. */
  async get(): Promise<LiveState> {
    if (!this.ctx.prompts.isTrusted()) return { ok: false, reason: 'untrusted workspace, so the cluster is not read' };
    const pod = await this.gatewayPod();
    if (typeof pod === 'string') return { ok: false, reason: pod };
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
      const [configDump, clusters] = await Promise.all([admin.getConfigDump({ includeEds: true }), admin.getClusters()]);
      const podsByIp = new Map<string, string>();
      const names = ((clusters as { cluster_statuses?: { name?: string }[] }).cluster_statuses ?? []).map((c) => c.name ?? '');
      await Promise.all(
        clusterNamespaces(names).map(async (ns) => {
          for (const p of await cluster.listPods(ns).catch(() => [])) if (p.ip) podsByIp.set(p.ip, p.name);
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

export type { LiveGateway };
