// The live-route cache without VS Code: which gateway pod it picks and what it says when it cannot read one,
// with a stand-in cluster that only lists pods (the Envoy reads themselves are covered by the cluster suite).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Cluster } from '../../src/kube/index';
import type { PodInfo } from '../../src/kube/objects';
import { LiveRoutes, parseSelector, type LiveContext } from '../../src/lab/liveRoutes';
import { UntrustedWorkspaceError } from '../../src/lab/trust';

const pod = (name: string, ready: boolean, labels: Record<string, string> = { istio: 'ingressgateway' }): PodInfo => ({
  name,
  namespace: 'istio-system',
  ready,
  labels,
  ...(ready ? {} : { notReadyReason: 'ContainersNotReady' }),
});

function context(pods: PodInfo[], trusted = true, gatewayPod = ''): LiveContext & { listed: string[] } {
  const listed: string[] = [];
  const cluster = {
    listPods: (ns: string, o?: { labelSelector?: string }) => {
      listed.push(`${ns} ${o?.labelSelector ?? ''}`);
      return Promise.resolve(pods);
    },
  } as unknown as Cluster;
  return {
    listed,
    getCluster: () => {
      if (!trusted) throw new UntrustedWorkspaceError('Reading the cluster');
      return cluster;
    },
    settings: { gateway: { namespace: 'istio-system', selector: 'istio=ingressgateway', pod: gatewayPod } },
    prompts: { isTrusted: () => trusted },
    log: { info: () => {}, warn: () => {} },
  };
}

describe('LiveRoutes', () => {
  test('in an untrusted workspace it says so and never asks the cluster', async () => {
    const ctx = context([pod('gw-1', true)], false);
    const state = await new LiveRoutes(ctx).get();
    assert.equal(state.ok, false);
    assert.match(!state.ok ? state.reason : '', /untrusted workspace/);
    assert.deepEqual(ctx.listed, []);
  });

  test('picks the first Ready pod of the configured selector, once per refresh', async () => {
    const ctx = context([pod('gw-0', false), pod('gw-1', true)]);
    const live = new LiveRoutes(ctx);
    assert.equal(((await live.gatewayPod()) as PodInfo).name, 'gw-1');
    await live.gatewayPod();
    assert.deepEqual(ctx.listed, ['istio-system istio=ingressgateway']);
    live.clear();
    await live.gatewayPod();
    assert.equal(ctx.listed.length, 2);
  });

  test('no Ready pod: the reason names the pods and why they are not ready', async () => {
    const state = await new LiveRoutes(context([pod('gw-0', false)])).get();
    assert.deepEqual(state, {
      ok: false,
      reason: 'no gateway pod is Ready in istio-system (gw-0 ContainersNotReady)',
    });
  });

  test("a Gateway selecting other pods is read from its own pods, in its namespace and the setting's", async () => {
    const ctx = context([pod('other-gw', true, { app: 'other' })]);
    const found = await new LiveRoutes(ctx).gatewayPod({ namespace: 'apps', selector: { app: 'other' } });
    assert.equal((found as PodInfo).name, 'other-gw');
    assert.deepEqual(ctx.listed.sort(), ['apps app=other', 'istio-system app=other']);
  });

  test('the gateway pod setting names a pod that is not there', async () => {
    const state = await new LiveRoutes(context([pod('gw-1', true)], true, 'gw-9')).get();
    assert.match(!state.ok ? state.reason : '', /the gateway pod "gw-9" .* is not in istio-system/);
  });

  test('parseSelector', () => {
    assert.deepEqual(parseSelector('istio=ingressgateway, app = gw'), { istio: 'ingressgateway', app: 'gw' });
  });
});
