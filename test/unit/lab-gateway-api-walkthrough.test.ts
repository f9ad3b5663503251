// The Gateway API walkthrough: its steps in package.json agree with the extension's (same commands, each
// link passing the variant, its own context keys), its sample files, and the pure parts of its steps:
// the Gateway's readiness and addresses as istiod writes them, the status lens, the cluster check.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import type { GatewayApiObject } from '../../src/kube/index';
import { ingressAddresses } from '../../src/kube/ingressAddress';
import type { Service } from '../../src/kube/objects';
import { buildCheckReport, type CheckFacts } from '../../src/lab/checks';
import { formatNamespaceView } from '../../src/lab/getTable';
import {
  formatGatewayAddressReport,
  gatewayApiCandidates,
  gatewayReadiness,
  statusLens,
} from '../../src/lab/gatewayStatus';
import { deploymentsToWaitFor, readManifests } from '../../src/lab/manifests';
import {
  DEFAULT_SAMPLE_PARAMS,
  GATEWAY_API_SAMPLE_FILES,
  planScaffold,
  renderSample,
  routingFile,
  sampleFiles,
} from '../../src/lab/scaffold';
import {
  GATEWAY_API_WALKTHROUGH_ID,
  STEPS,
  stepCommandLink,
  stepContextKey,
  variantArg,
  WALKTHROUGH_ID,
} from '../../src/lab/steps';

const root = new URL('../../', import.meta.url);
const pkg = JSON.parse(readFileSync(new URL('package.json', root), 'utf8'));
const template = (f: string) => readFileSync(new URL(`samples/${f}`, root), 'utf8');

interface Step {
  id: string;
  description: string;
  completionEvents: string[];
  media: { markdown?: string; svg?: string };
  when?: string;
}

test('the Gateway API walkthrough has the same seven steps, each with its own context key and a link that passes the variant', () => {
  const w = pkg.contributes.walkthroughs.find((x: { id: string }) => x.id === GATEWAY_API_WALKTHROUGH_ID);
  assert.ok(w, 'contributed');
  assert.ok(pkg.activationEvents.includes(`onWalkthrough:${GATEWAY_API_WALKTHROUGH_ID}`));
  const steps = (w.steps as Step[]).filter((s) => s.id !== 'labClusterBuilding');
  assert.deepEqual(
    steps.map((s) => s.id),
    STEPS.map((s) => s.id),
  );
  for (const [i, s] of STEPS.entries()) {
    const step = steps[i]!;
    assert.deepEqual(step.completionEvents, [`onContext:${stepContextKey(s.context, 'gatewayApi')}`]);
    assert.ok(step.description.includes(`(${stepCommandLink(s.command, 'gatewayApi')})`), s.id);
    assert.ok(existsSync(new URL(step.media.markdown ?? step.media.svg ?? '', root)), s.id);
  }
  const building = (w.steps as Step[]).find((s) => s.id === 'labClusterBuilding');
  assert.deepEqual(building?.completionEvents, steps[0]!.completionEvents);
});

test('the two walkthroughs never tick off each other: distinct context keys, the article keeps its old ones', () => {
  for (const s of STEPS) {
    assert.equal(stepContextKey(s.context), `istioIngressLab.step.${s.context}`);
    assert.notEqual(stepContextKey(s.context, 'gatewayApi'), stepContextKey(s.context));
  }
  assert.notEqual(GATEWAY_API_WALKTHROUGH_ID, WALKTHROUGH_ID);
});

test('a walkthrough link carries the variant as the JSON arguments VS Code passes to the command', () => {
  const link = stepCommandLink('deploySample', 'gatewayApi');
  assert.equal(link, 'command:istioIngressLab.deploySample?%5B%22gatewayApi%22%5D');
  const args = JSON.parse(decodeURIComponent(link.split('?')[1]!)) as unknown[];
  assert.equal(variantArg(args), 'gatewayApi');
  assert.equal(stepCommandLink('deploySample'), 'command:istioIngressLab.deploySample');
  assert.equal(variantArg([]), undefined);
  assert.equal(variantArg([{ fsPath: '/tmp' }, 'other']), undefined);
});

test('scaffolding the Gateway API sample writes simple.yaml, nginx.yaml and gateway-api.yaml, and opens gateway-api.yaml', () => {
  assert.deepEqual(sampleFiles('gatewayApi'), ['simple.yaml', 'nginx.yaml', 'gateway-api.yaml']);
  assert.equal(routingFile('gatewayApi'), 'gateway-api.yaml');
  assert.equal(routingFile('virtualService'), 'istio-specs.yaml');
  const rendered = Object.fromEntries(
    GATEWAY_API_SAMPLE_FILES.map((f) => [f, renderSample(template(f), DEFAULT_SAMPLE_PARAMS)]),
  );
  // The article's two apps are already there (its walkthrough scaffolded them): only the routing is new.
  const plan = planScaffold(
    rendered,
    { 'simple.yaml': rendered['simple.yaml'], 'nginx.yaml': rendered['nginx.yaml'] },
    GATEWAY_API_SAMPLE_FILES,
  );
  assert.deepEqual(
    plan.map((p) => [p.file, p.action]),
    [
      ['simple.yaml', 'unchanged'],
      ['nginx.yaml', 'unchanged'],
      ['gateway-api.yaml', 'write'],
    ],
  );
  const gw = renderSample(template('gateway-api.yaml'), { namespace: 'lab2', host: 'shop.example.com' });
  assert.doesNotMatch(gw, /\{\{/);
  assert.match(gw, /hostname: shop\.example\.com/);
  assert.equal(gw.match(/namespace: lab2/g)?.length, 2);
});

test('deploy waits for the apps and for the gateway istiod deploys for the Gateway of class istio (<gw>-istio)', () => {
  const files = GATEWAY_API_SAMPLE_FILES.map((f) => ({
    name: f,
    text: renderSample(template(f), DEFAULT_SAMPLE_PARAMS),
  }));
  const read = readManifests(files, 'simple');
  assert.ok(read.ok);
  assert.deepEqual(deploymentsToWaitFor(read.manifests), ['simple', 'nginx-deployment', 'simple-gateway-istio']);
  const other = readManifests(
    [
      {
        name: 'x.yaml',
        text: 'apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: g}\nspec: {gatewayClassName: other, listeners: []}\n',
      },
    ],
    'simple',
  );
  assert.ok(other.ok);
  assert.deepEqual(deploymentsToWaitFor(other.manifests), [], 'no deployed gateway for a class istiod does not serve');
});

// A Gateway as istiod leaves it once its deployed gateway is ready (gateway.networking.k8s.io/v1 status).
const programmed: GatewayApiObject = {
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'Gateway',
  metadata: { name: 'simple-gateway', namespace: 'simple', generation: 1 },
  spec: {
    gatewayClassName: 'istio',
    listeners: [{ name: 'http', port: 80, protocol: 'HTTP', hostname: 'simple.baihl.io' }],
  },
  status: {
    addresses: [{ type: 'IPAddress', value: '10.244.254.1' }],
    conditions: [
      { type: 'Accepted', status: 'True', reason: 'Accepted', message: 'Resource accepted', observedGeneration: 1 },
      {
        type: 'Programmed',
        status: 'True',
        reason: 'Programmed',
        message: 'Resource programmed, assigned to service(s) simple-gateway-istio.simple.svc.cluster.local:80',
        observedGeneration: 1,
      },
    ],
    listeners: [
      {
        name: 'http',
        attachedRoutes: 1,
        conditions: [{ type: 'Programmed', status: 'True', reason: 'Programmed', observedGeneration: 1 }],
      },
    ],
  },
};

const justApplied: GatewayApiObject = {
  ...programmed,
  metadata: { ...programmed.metadata, generation: 2 },
  status: {
    conditions: [
      { type: 'Accepted', status: 'True', reason: 'Accepted', observedGeneration: 1 },
      {
        type: 'Programmed',
        status: 'False',
        reason: 'AddressNotAssigned',
        message:
          'Assigned to service(s) simple-gateway-istio.simple.svc.cluster.local:80, but failed to assign to all requested addresses: address pending',
        observedGeneration: 1,
      },
    ],
  },
};

// The Service istiod deploys for it, with the LoadBalancer address the cloud (the lab's harness) gave it.
const deployedService: Service = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'simple-gateway-istio', namespace: 'simple' },
  spec: {
    type: 'LoadBalancer',
    clusterIP: '10.96.0.77',
    ports: [
      { name: 'status-port', port: 15021, targetPort: 15021, nodePort: 31021 },
      { name: 'http', port: 80, targetPort: 80, nodePort: 30080 },
    ],
  },
  status: { loadBalancer: { ingress: [{ ip: '10.244.254.1' }] } },
};
const node = {
  apiVersion: 'v1',
  kind: 'Node',
  metadata: { name: 'lab-node-0' },
  status: { addresses: [{ type: 'InternalIP', address: '10.244.255.254' }] },
};

test("a Programmed Gateway: its readiness, the address istiod wrote first, then its Service's others (no repeat)", () => {
  const r = gatewayReadiness(programmed);
  assert.equal(r.programmed, true);
  assert.equal(r.accepted, true);
  assert.deepEqual(r.addresses, ['10.244.254.1']);
  assert.equal(r.summary, 'Accepted ✓ · Programmed ✓ · 10.244.254.1');
  const found = ingressAddresses(deployedService, [node], { port: 80 });
  const candidates = gatewayApiCandidates(programmed, found);
  assert.deepEqual(
    candidates.map((c) => `${c.kind} ${c.address}`),
    ['gatewayStatus 10.244.254.1', 'nodePort 10.244.255.254:30080', 'clusterIP 10.96.0.77'],
  );
  candidates[0]!.reachable = true;
  const report = formatGatewayAddressReport(programmed, found, candidates, candidates[0]);
  assert.match(report, /^Gateway simple\/simple-gateway: Accepted ✓ · Programmed ✓ · 10\.244\.254\.1$/m);
  assert.match(report, /listener http: 1 attached route$/m);
  assert.match(report, /Deployed by istiod: Service simple\/simple-gateway-istio \(type LoadBalancer\)/);
  assert.match(report, /gatewayStatus +10\.244\.254\.1 +\[answers from here\]/);
  assert.match(report, /forwards to port 80 of the gateway pod, where Envoy listens \(listener 0\.0\.0\.0_80\)/);
  assert.match(report, /Using 10\.244\.254\.1 \(gatewayStatus\)\.$/m);
  assert.equal(gatewayApiCandidates(programmed, found, '127.0.0.1:9')[0]!.kind, 'override');
});

test('a Gateway istiod has not programmed yet: the reason, and that its status is of an older generation', () => {
  const r = gatewayReadiness(justApplied);
  assert.equal(r.programmed, false);
  assert.equal(r.summary, 'Accepted ✓ · Programmed ✗ AddressNotAssigned · no address');
  assert.ok(
    r.details.some(
      (d) =>
        d.startsWith('Programmed=False AddressNotAssigned: Assigned to service(s)') &&
        d.includes('of generation 1; the object is at 2'),
    ),
    r.details.join('\n'),
  );
  assert.deepEqual(gatewayApiCandidates(justApplied, undefined), []);
  assert.match(
    formatGatewayAddressReport(justApplied, undefined, []),
    /istiod has not deployed its Service yet\.\n\nNo address found\./,
  );
});

test('the status lens: on a Gateway its conditions and address, on a route Accepted and ResolvedRefs per parent with the reasons', () => {
  assert.deepEqual(statusLens(programmed)?.title, 'istiod: Accepted ✓ · Programmed ✓ · 10.244.254.1');
  const route: GatewayApiObject = {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { name: 'missing-backend', namespace: 'simple', generation: 1 },
    status: {
      parents: [
        {
          parentRef: { name: 'simple-gateway' },
          controllerName: 'istio.io/gateway-controller',
          conditions: [
            { type: 'Accepted', status: 'True', reason: 'Accepted', message: 'Route was valid' },
            {
              type: 'ResolvedRefs',
              status: 'False',
              reason: 'BackendNotFound',
              message: 'backend(no-such-service.simple.svc.cluster.local) not found',
            },
          ],
        },
      ],
    },
  };
  const lens = statusLens(route)!;
  assert.equal(lens.title, 'istiod: Accepted ✓ · ResolvedRefs ✗ BackendNotFound (simple-gateway)');
  assert.match(
    lens.tooltip,
    /ResolvedRefs=False BackendNotFound: backend\(no-such-service\.simple\.svc\.cluster\.local\) not found/,
  );
  assert.equal(statusLens({ ...route, status: {} })?.title, 'istiod: no status yet');
  assert.equal(statusLens({ ...programmed, kind: 'ReferenceGrant' }), undefined);
});

const baseFacts: CheckFacts = {
  variant: 'gatewayApi',
  context: { name: 'kind-lab', server: 'https://127.0.0.1:6443', kubeconfig: '/home/u/.kube/config' },
  serverVersion: 'v1.36.3',
  gatewayNamespace: 'istio-system',
  gatewaySelector: 'istio=ingressgateway',
  istioctl: { found: true, detail: '/usr/bin/istioctl (PATH)' },
  curl: { found: true, detail: '/usr/bin/curl (PATH)' },
};

test('Check Cluster for the Gateway API: the CRDs and the GatewayClass istio, not the ingress gateway', () => {
  const ok = buildCheckReport({
    ...baseFacts,
    gatewayApi: {
      gatewayClass: {
        name: 'istio',
        controller: 'istio.io/gateway-controller',
        accepted: { status: 'True', reason: 'Accepted' },
      },
    },
  });
  assert.equal(ok.ok, true, JSON.stringify(ok.lines));
  assert.ok(ok.lines.some((l) => l.text === 'GatewayClass istio accepted by istio.io/gateway-controller'));
  assert.ok(!ok.lines.some((l) => /ingress gateway|istio-system/.test(l.text)), 'the ingress gateway is not needed');
  const noCrds = buildCheckReport({
    ...baseFacts,
    gatewayApi: { notServed: 'The cluster does not serve the Gateway API.' },
  });
  assert.equal(noCrds.ok, false);
  const noClass = buildCheckReport({ ...baseFacts, gatewayApi: {} });
  assert.equal(noClass.ok, false);
  assert.ok(noClass.lines.some((l) => !l.ok && l.text.startsWith('no GatewayClass "istio": istiod creates it')));
});

test("the built-in kubectl get lists the Gateway API's kinds with kubectl's columns", () => {
  const text = formatNamespaceView({
    pods: [],
    services: [],
    deployments: [],
    endpoints: [],
    virtualServices: [],
    gateways: [],
    k8sGateways: [{ name: 'simple-gateway', className: 'istio', address: '10.244.254.1', programmed: 'True' }],
    httpRoutes: [{ name: 'simple', hostnames: ['simple.baihl.io'] }],
  });
  assert.match(
    text,
    /^NAME +CLASS +ADDRESS +PROGRAMMED\ngateway\.gateway\.networking\.k8s\.io\/simple-gateway +istio +10\.244\.254\.1 +True$/m,
  );
  assert.match(text, /^httproute\.gateway\.networking\.k8s\.io\/simple +\["simple\.baihl\.io"\]$/m);
});
