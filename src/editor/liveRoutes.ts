// The gateway's live Envoy, read once per refresh per gateway pod and shared by every lens and hover.
import type { RouteMatch } from '../envoy/types';
import type { GatewayPodInfo } from './cluster';
import type { LabContext } from './ctx';
import { buildLiveGateway, type LiveGateway } from './liveView';
import { parseSelector } from './settings';

export type LiveState = { ok: true; gateway: LiveGateway } | { ok: false; reason: string };

export class LiveRoutes {
  private readonly byPod = new Map<string, Promise<LiveState>>();
  private chosen: Promise<GatewayPodInfo | string> | undefined;

  constructor(private readonly ctx: LabContext) {}

  clear(): void {
    this.byPod.clear();
    this.chosen = undefined;
  }

  /** The gateway pod to read: the setting, else the first Ready pod matching the selector. A string is why none. */
  gatewayPod(): Promise<GatewayPodInfo | string> {
    this.chosen ??= (async () => {
      const { gateway } = this.ctx.settings;
      try {
        const pods = await this.ctx.getCluster().gatewayPods(gateway.namespace, parseSelector(gateway.selector));
        if (gateway.pod) {
          return (
            pods.find((p) => p.name === gateway.pod) ??
            `the gateway pod "${gateway.pod}" (setting istioIngressLab.gateway.pod) is not in ${gateway.namespace}; run "Choose Gateway Pod"`
          );
        }
        const ready = pods.find((p) => p.ready);
        return ready ?? (pods.length ? `no gateway pod is Ready in ${gateway.namespace} (${pods.map((p) => p.name).join(', ')})` : `no pod in ${gateway.namespace} matches ${gateway.selector}`);
      } catch (e) {
        return String(e instanceof Error ? e.toString() : e);
      }
    })();
    return this.chosen;
  }

  /** Live view of the gateway; never asks the cluster in an untrusted workspace. */
  async get(): Promise<LiveState> {
    if (!this.ctx.prompts.isTrusted()) return { ok: false, reason: 'untrusted workspace: showing predictions only' };
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

  private async load(pod: GatewayPodInfo): Promise<LiveState> {
    const cluster = this.ctx.getCluster();
    const started = Date.now();
    try {
      const [configDump, clusters, pods] = await Promise.all([
        cluster.envoyAdmin(pod.namespace, pod.name, '/config_dump?include_eds'),
        cluster.envoyAdmin(pod.namespace, pod.name, '/clusters?format=json'),
        cluster.podsByIp().catch(() => new Map<string, string>()),
      ]);
      const gateway = buildLiveGateway(pod, configDump, clusters, pods);
      this.ctx.log.info(`live: read ${pod.namespace}/${pod.name} Envoy in ${Date.now() - started} ms`);
      return { ok: true, gateway };
    } catch (e) {
      const reason = e instanceof Error ? e.toString() : String(e);
      this.ctx.log.warn(`live: ${pod.namespace}/${pod.name}: ${reason}`);
      return { ok: false, reason };
    }
  }
}

export type { LiveGateway, RouteMatch };
