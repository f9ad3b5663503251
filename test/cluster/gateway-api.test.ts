// The article with the Kubernetes Gateway API on the lab's own cluster: one Gateway of class istio and
// one HTTPRoute (samples/gateway-api.yaml) in front of the seed's two apps. The REAL istiod's gateway
// deployment controller deploys `simple-gateway-istio` (Deployment, LoadBalancer Service, ServiceAccount)
// from the injector's kube-gateway template; the harness plays the kubelet (Envoy in the new pod's network
// namespace) and the cloud (the Service's LoadBalancer IP, lb-ips.mjs); istiod writes the Gateway's
// status; the seed's two curls go to that address through the REAL kube-proxy's DNAT. Checked against
// what the lab tells users offline: the route istiod pushes equals the engine's prediction, and the
// route conditions istiod writes for broken HTTPRoutes are the reasons the engine gives without a cluster.
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { isDeepStrictEqual, promisify } from 'node:util';
import { parseManifests } from '../../src/kube/index';
import { sendWithCurl } from '../../src/tools/curl';
import { locateTool } from '../../src/tools/locate';
import { translateGatewayApi } from '../../src/istio/gatewayApi';
import { predict } from '../../src/istio/predict';
import { mergeResourceSets, readResources } from '../../src/istio/yamlModel';
import {
  harnessVar,
  istioctl,
  kubeconfigPath,
  labCluster,
  metric,
  ms,
  repo,
  seedManifestTexts,
  until,
  whenCluster,
} from './helpers';
import { canonical } from '../unit/helpers/canonicalJson';

const run = promisify(execFile);
const ns = 'gwapi-lab';
const host = 'simple.baihl.io';
const harness = path.join(repo, 'test', 'harness');

const kubectlBin = path.join(harnessVar('K8S_BIN'), 'kubectl');
const lbPool = harnessVar('LB_POOL');
const kubectl = async (...args: string[]) =>
  (await run(kubectlBin, ['--kubeconfig', kubeconfigPath, ...args], { maxBuffer: 64 << 20 })).stdout;

interface Condition {
  type: string;
  status: string;
  reason: string;
  message?: string;
}
interface GatewayStatus {
  addresses?: { type?: string; value: string }[];
  conditions?: Condition[];
  listeners?: { name: string; attachedRoutes: number; conditions?: Condition[] }[];
}
const gatewayStatus = async (name: string) =>
  (
    JSON.parse(await kubectl('-n', ns, 'get', 'gateways.gateway.networking.k8s.io', name, '-o', 'json')) as {
      status?: GatewayStatus;
    }
  ).status ?? {};
const routeConditions = async (name: string) =>
  (
    JSON.parse(await kubectl('-n', ns, 'get', 'httproutes.gateway.networking.k8s.io', name, '-o', 'json')) as {
      status?: { parents?: { conditions?: Condition[] }[] };
    }
  ).status?.parents?.flatMap((p) => p.conditions ?? []) ?? [];
const condition = (cs: Condition[] | undefined, type: string) => cs?.find((c) => c.type === type);

const curl = locateTool('curl', undefined);
const send = (address: string, p: string) => {
  if (!curl.ok) throw new Error(curl.message);
  return sendWithCurl(curl.tool, { address: `${address}:80`, host, path: p });
};

await whenCluster('the Gateway API on the lab: istiod deploys the gateway, the Gateway gets an address', () => {
  const { cluster } = labCluster();
  const files = seedManifestTexts(ns, host, 'gateway-api.yaml');
  let address = '';

  before(async () => {
    assert.ok(curl.ok, 'curl on PATH');
    await kubectl('create', 'namespace', ns).catch(() => undefined);
    const t0 = performance.now();
    await cluster.serverSideApply(
      files.flatMap((f) => parseManifests(f.text, f.name)),
      { namespace: ns },
    );
    const status = await until('the Gateway Programmed with an address', 90_000, async () => {
      const s = await gatewayStatus('simple-gateway');
      return condition(s.conditions, 'Programmed')?.status === 'True' && s.addresses?.length ? s : undefined;
    });
    metric('gatewayApiProgrammedAfterApplyMs', ms(t0));
    address = status.addresses![0]!.value;
  });
  after(async () => {
    await kubectl('delete', 'namespace', ns, '--wait=false').catch(() => undefined);
    await cluster.dispose();
  });

  test("istiod deployed the gateway from the injector's kube-gateway template: Deployment, LoadBalancer Service and pod simple-gateway-istio", async () => {
    const deploy = JSON.parse(await kubectl('-n', ns, 'get', 'deployment', 'simple-gateway-istio', '-o', 'json')) as {
      metadata: { labels: Record<string, string> };
      spec: { template: { spec: { containers: { name: string; args?: string[] }[] } } };
    };
    assert.equal(deploy.metadata.labels['gateway.istio.io/managed'], 'istio.io-gateway-controller');
    const proxy = deploy.spec.template.spec.containers.find((c) => c.name === 'istio-proxy');
    assert.ok(proxy, 'the template has the istio-proxy container');
    assert.deepEqual(proxy.args?.slice(0, 2), ['proxy', 'router']);
    const svc = JSON.parse(await kubectl('-n', ns, 'get', 'service', 'simple-gateway-istio', '-o', 'json')) as {
      spec: { type: string; ports: { name: string; port: number; targetPort: number }[] };
      status: { loadBalancer: { ingress?: { ip: string }[] } };
    };
    assert.equal(svc.spec.type, 'LoadBalancer');
    assert.deepEqual(
      svc.spec.ports.map((p) => `${p.name} ${p.port}->${p.targetPort}`),
      ['status-port 15021->15021', 'http 80->80'],
    );
    assert.equal(svc.status.loadBalancer.ingress?.[0]?.ip, address, "the Gateway's address is its Service's");
    assert.ok(address.startsWith(lbPool.split('.').slice(0, 3).join('.') + '.'), `${address} in ${lbPool}`);
  });

  test("the Gateway's status as istiod writes it: Accepted and Programmed True, the address, the listener's attached route", async () => {
    const s = await gatewayStatus('simple-gateway');
    assert.equal(condition(s.conditions, 'Accepted')?.status, 'True');
    assert.equal(condition(s.conditions, 'Programmed')?.status, 'True');
    assert.deepEqual(s.addresses, [{ type: 'IPAddress', value: address }]);
    assert.deepEqual(
      s.listeners?.map((l) => `${l.name} ${l.attachedRoutes} ${condition(l.conditions, 'Programmed')?.status}`),
      ['http 1 True'],
    );
    const route = await routeConditions('simple');
    assert.equal(condition(route, 'Accepted')?.status, 'True');
    assert.equal(condition(route, 'ResolvedRefs')?.status, 'True');
  });

  test("the seed's two curls to the Gateway's address pass kube-proxy's DNAT to the deployed gateway's Envoy and on to the apps", async () => {
    const t0 = performance.now();
    const hello = await until('/simple/httpserver answers 200', 60_000, async () => {
      const r = await send(address, '/simple/httpserver');
      return r.ok && r.response.status === 200 ? r.response : undefined;
    });
    metric('gatewayApiFirst200AfterProgrammedMs', ms(t0));
    assert.match(hello.body, /^hello \[stranger\]/);
    const nginx = await send(address, '/simple/nginx');
    assert.ok(nginx.ok && nginx.response.status === 200, JSON.stringify(nginx).slice(0, 300));
    assert.match(nginx.response.body, /Welcome to nginx!/);
    const none = await send(address, '/elsewhere');
    assert.ok(none.ok && none.response.status === 404, 'an unrouted path is 404 from Envoy');

    const nat = execFileSync('bash', [path.join(harness, 'node-net.sh'), 'save'], { encoding: 'utf8' });
    assert.ok(
      nat
        .split('\n')
        .some((l) => l.includes(`"${ns}/simple-gateway-istio:http loadbalancer IP"`) && l.includes(`-d ${address}/32`)),
      "kube-proxy's rule for the Gateway's address",
    );
  });

  test("istioctl: proxy-status lists the deployed gateway; its route http.80 equals the lab's offline prediction for the same files", async () => {
    const pod = await until('the deployed gateway in istioctl proxy-status', 30_000, async () => {
      const line = (await istioctl('proxy-status')).stdout
        .split('\n')
        .find((l) => l.startsWith('simple-gateway-istio-'));
      return line?.split(/\s+/)[0];
    });
    assert.ok(pod.endsWith(`.${ns}`), pod);
    const table = (await istioctl('proxy-config', 'routes', '-n', ns, 'deploy/simple-gateway-istio')).stdout;
    assert.match(table, /http\.80\s+simple\.baihl\.io:80\s+simple\.baihl\.io\s+\/simple\/httpserver\s/);
    assert.match(table, /http\.80\s+simple\.baihl\.io:80\s+simple\.baihl\.io\s+PathPrefix:\/simple\/nginx\s/);

    const live = (
      JSON.parse(
        (
          await istioctl(
            'proxy-config',
            'route',
            '-n',
            ns,
            'deploy/simple-gateway-istio',
            '--name',
            'http.80',
            '-o',
            'json',
          )
        ).stdout,
      ) as {
        name: string;
      }[]
    )[0];
    const resources = mergeResourceSets(...files.map((f) => readResources(f.text, f.name).resources));
    const predicted = predict(resources).routeConfigs.find((r) => r.name === 'http.80');
    assert.ok(live && predicted, 'both have http.80');
    assert.deepEqual(canonical(predicted), canonical(live));
  });

  test('broken HTTPRoutes: the reasons istiod writes in their status are the ones the lab gives offline', async () => {
    const broken = `
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: missing-backend, namespace: ${ns}}
spec:
  parentRefs: [{name: simple-gateway}]
  hostnames: [${host}]
  rules:
    - matches: [{path: {type: PathPrefix, value: /missing}}]
      backendRefs: [{name: no-such-service, port: 80}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: other-host, namespace: ${ns}}
spec:
  parentRefs: [{name: simple-gateway}]
  hostnames: [other.example.com]
  rules:
    - backendRefs: [{name: simple, port: 80}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: no-section, namespace: ${ns}}
spec:
  parentRefs: [{name: simple-gateway, sectionName: https}]
  rules:
    - backendRefs: [{name: simple, port: 80}]
`;
    await cluster.serverSideApply(parseManifests(broken, 'broken.yaml'), { namespace: ns });
    const offline = translateGatewayApi(
      mergeResourceSets(
        ...[...files, { name: 'broken.yaml', text: broken }].map((f) => readResources(f.text, f.name).resources),
      ),
    ).conditions.filter((c) => !c.labOnly);
    for (const name of ['missing-backend', 'other-host', 'no-section']) {
      const mine = offline.filter((c) => c.object.metadata.name === name).map((c) => `${c.type} False ${c.reason}`);
      assert.equal(mine.length, 1, `${name}: one offline condition (${mine.join(', ')})`);
      const written = await until(`istiod's status of HTTPRoute ${name}`, 30_000, async () => {
        const cs = await routeConditions(name);
        const bad = cs.filter((c) => c.status === 'False').map((c) => `${c.type} False ${c.reason}`);
        return bad.length ? bad : undefined;
      });
      assert.deepEqual(written, mine, name);
    }
  });

  test("broken Gateways: the status istiod writes (Gateway and listener conditions, supportedKinds, attachedRoutes) equals the lab's offline prediction", async () => {
    // A listener whose certificateRef names a Secret the namespace lacks (the namespace's Secrets are in the YAML,
    // so the lab knows it is missing), TCP on the HTTP listener's port, one allowing only TCPRoutes on HTTP; an
    // HTTPRoute attached to the Gateway. (Two listeners with the same port, protocol and hostname, a HostnameConflict,
    // the CRD refuses.)
    const broken = `
apiVersion: v1
kind: Secret
metadata: {name: unrelated, namespace: ${ns}}
type: Opaque
stringData: {note: not a certificate}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: broken-gateway, namespace: ${ns}}
spec:
  gatewayClassName: istio
  listeners:
    - {name: http, hostname: ${host}, port: 80, protocol: HTTP}
    - {name: tcp-on-80, port: 80, protocol: TCP}
    - name: https
      hostname: ${host}
      port: 443
      protocol: HTTPS
      tls: {certificateRefs: [{name: no-such-cert}]}
    - name: tcp-kinds
      hostname: tcp.${host}
      port: 8080
      protocol: HTTP
      allowedRoutes: {kinds: [{kind: TCPRoute}]}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: on-broken, namespace: ${ns}}
spec:
  parentRefs: [{name: broken-gateway}]
  hostnames: [${host}]
  rules:
    - backendRefs: [{name: simple, port: 80}]
`;
    await cluster.serverSideApply(parseManifests(broken, 'broken-gateway.yaml'), { namespace: ns });
    const predicted = translateGatewayApi(
      mergeResourceSets(
        ...[...files, { name: 'broken-gateway.yaml', text: broken }].map(
          (f) => readResources(f.text, f.name).resources,
        ),
      ),
    ).gatewayStatuses.get(`${ns}/broken-gateway`);
    assert.ok(predicted, 'the lab predicts a status for broken-gateway');
    // the reasons this test is about, as predicted (the comparison below is with istiod's own)
    assert.deepEqual(
      predicted.listeners.map(
        (l) =>
          `${l.name}: ${l.conditions
            .filter((c) => c.status === (c.type === 'Conflicted' ? 'True' : 'False'))
            .map((c) => `${c.type} ${c.reason}`)
            .join(', ')}`,
      ),
      [
        'http: ',
        'tcp-on-80: Accepted ProtocolConflict, Conflicted ProtocolConflict, Programmed ProtocolConflict',
        'https: Programmed Invalid, ResolvedRefs InvalidCertificateRef',
        'tcp-kinds: ResolvedRefs InvalidRouteKinds',
      ],
    );
    const strip = (cs: Condition[] | undefined) =>
      (cs ?? []).map((c) => ({ type: c.type, status: c.status, reason: c.reason, message: c.message }));
    // istiod writes the listeners at once and Programmed=True once the LoadBalancer Service has its address; a status
    // written in between may still lack what istiod learns a moment later (once, a listener's ResolvedRefs), so the
    // comparison is with the status once it equals the prediction, or with the last one written when it never does
    const seen = (s: GatewayStatus) => ({
      conditions: strip(s.conditions),
      listeners: s.listeners?.map((l) => ({
        name: l.name,
        attachedRoutes: l.attachedRoutes,
        conditions: strip(l.conditions),
        supportedKinds: (l as { supportedKinds?: unknown[] }).supportedKinds,
      })),
    });
    const expected = { conditions: predicted.conditions, listeners: predicted.listeners };
    let last: ReturnType<typeof seen> | undefined;
    await until("istiod's status of Gateway broken-gateway, Programmed and as predicted", 90_000, async () => {
      const s = await gatewayStatus('broken-gateway');
      if (
        condition(s.conditions, 'Programmed')?.status !== 'True' ||
        s.listeners?.length !== 4 ||
        s.listeners.find((l) => l.name === 'http')?.attachedRoutes !== 1
      )
        return undefined;
      last = seen(s);
      return isDeepStrictEqual(last, expected) ? last : undefined;
    }).catch((e: unknown) => {
      if (!last) throw e;
    });
    assert.deepEqual(last, expected);
  });
});
