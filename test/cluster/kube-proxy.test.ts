// The engine's kube-proxy rules (src/istio/kubeProxy.ts) against the REAL kube-proxy: kube-proxy
// v1.36 (built by test/harness/build.sh) runs in iptables mode inside the network namespace lab-kp
// (test/harness/kube-proxy.mjs), watches the lab cluster, and every rule line the engine computes
// for a Service must appear verbatim in that namespace's `iptables-save -t nat`. The endpoints'
// balancing rules must be exactly kube-proxy's, in its order, with its probabilities.
//
// Services: the gateway istio-system/istio-ingressgateway (3 ports x ClusterIP, NodePort,
// LoadBalancer IP), and in namespace lab-kp-check the seed's `simple` Deployment scaled to 3
// replicas behind: the sample's ClusterIP Service, a NodePort Service with a TCP and a UDP port, an
// unnamed port, externalTrafficPolicy Local, and a LoadBalancer whose status this test sets.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before, test } from 'node:test';
import { iptablesPath, type EntryKind, type KubeProxyEndpoint, type KubeProxyService } from '../../src/istio/kubeProxy';
import { endpointInfos, parseManifests } from '../../src/kube/index';
import {
  NS_ADDR,
  harnessVars,
  hasGatewayChains,
  kubeProxyProblem,
  startKubeProxy,
  type KubeProxyHandle,
} from '../harness/kube-proxy.mjs';
import { kubeconfigPath, labCluster, metric, ms, required, seedManifestTexts, whenCluster } from './helpers';

const ns = 'lab-kp-check';
const replicas = 3;
const gateway = { namespace: 'istio-system', name: 'istio-ingressgateway' };

/** Extra Services over the sample's pods (app: simple), each a case kube-proxy hashes and writes differently. */
const extraServices = [
  {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'kp-nodeport' },
    spec: {
      type: 'NodePort',
      selector: { app: 'simple' },
      ports: [
        { name: 'web', port: 8080, targetPort: 80, protocol: 'TCP' },
        { name: 'dns', port: 53, targetPort: 5353, protocol: 'UDP' },
      ],
    },
  },
  {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'kp-unnamed' },
    spec: { selector: { app: 'simple' }, ports: [{ port: 81, targetPort: 80 }] },
  },
  {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'kp-local' },
    spec: {
      type: 'NodePort',
      externalTrafficPolicy: 'Local',
      selector: { app: 'simple' },
      ports: [{ name: 'http', port: 80, targetPort: 80 }],
    },
  },
  {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'kp-lb' },
    spec: { type: 'LoadBalancer', selector: { app: 'simple' }, ports: [{ name: 'http', port: 80, targetPort: 80 }] },
  },
];
const checkedServices = [
  gateway,
  ...['simple', 'kp-nodeport', 'kp-unnamed', 'kp-local', 'kp-lb'].map((name) => ({ namespace: ns, name })),
];

const kubectl = (...args: string[]) =>
  execFileSync(harnessVars().kubectlBin, ['--kubeconfig', kubeconfigPath, ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });

interface Expected {
  label: string;
  /** Every rule line the engine computes for this entry, in the engine's order. */
  lines: string[];
  /** The chain that balances over the endpoints, and its rules: must be exactly the real chain's jumps to KUBE-SEP-. */
  balancingChain?: string;
  balancing: string[];
}

await whenCluster("the engine's kube-proxy rules against the real kube-proxy", () => {
  const problem = kubeProxyProblem();
  if (problem) {
    if (required) test('real kube-proxy is required (LAB_REQUIRE_CLUSTER=1)', () => assert.fail(problem));
    else test("the engine's kube-proxy rules against the real kube-proxy", { skip: problem }, () => undefined);
    return;
  }
  const { cluster } = labCluster();
  let kp: KubeProxyHandle | undefined;
  const log = (l: string) => {
    if (process.env.LAB_TEST_LOG) console.log(`  [kube-proxy] ${l}`);
  };

  /** The engine's view of each Service port and entry, from the live Service and its EndpointSlices. */
  async function expected(): Promise<Expected[]> {
    const out: Expected[] = [];
    for (const ref of checkedServices) {
      const svc = await cluster.getService(ref.namespace, ref.name);
      assert.ok(svc, `Service ${ref.namespace}/${ref.name} exists`);
      const slices = await cluster.listEndpointSlices(ref.namespace, ref.name);
      const infos = endpointInfos(slices).filter((e) => e.ready);
      const lbIPs = (svc.status?.loadBalancer?.ingress ?? []).map((i) => i.ip).filter((x): x is string => !!x);
      for (const port of svc.spec.ports ?? []) {
        const endpoints: KubeProxyEndpoint[] = infos.flatMap((e) => {
          const p = e.ports.find((q) => q.name === (port.name ?? '') && q.protocol === (port.protocol ?? 'TCP'));
          return p ? [{ ip: e.ip, port: p.port, local: e.nodeName === harnessVars().nodeName }] : [];
        });
        const model: KubeProxyService = {
          namespace: ref.namespace,
          name: ref.name,
          clusterIP: svc.spec.clusterIP,
          loadBalancerIPs: lbIPs,
          externalTrafficPolicy: svc.spec.externalTrafficPolicy as 'Cluster' | 'Local' | undefined,
          port: { name: port.name, port: port.port, nodePort: port.nodePort, protocol: port.protocol },
        };
        const entries: EntryKind[] = ['clusterIP'];
        if (port.nodePort) entries.push('nodePort');
        if (lbIPs.length) entries.push('loadBalancer');
        for (const entry of entries) {
          const path = iptablesPath(model, endpoints, entry);
          out.push({
            label: `${ref.namespace}/${ref.name}:${port.name ?? ''}/${port.protocol ?? 'TCP'} via ${entry} (${endpoints.length} endpoints)`,
            lines: path.hops.map((h) => h.rule),
            balancingChain: path.balancing[0]?.chain,
            balancing: path.balancing.map((h) => h.rule),
          });
        }
      }
    }
    return out;
  }

  /** What the real rules lack of the engine's, as readable lines; empty when all match. */
  function mismatches(nat: string, exp: Expected[]): string[] {
    const real = nat.split('\n');
    const have = new Set(real);
    const problems: string[] = [];
    for (const e of exp) {
      for (const line of e.lines) if (!have.has(line)) problems.push(`${e.label}: not in iptables-save: ${line}`);
      if (e.balancingChain) {
        const realBalancing = real.filter((l) => l.startsWith(`-A ${e.balancingChain} `) && / -j KUBE-SEP-/.test(l));
        if (JSON.stringify(realBalancing) !== JSON.stringify(e.balancing)) {
          problems.push(
            `${e.label}: ${e.balancingChain} balancing differs\n    engine: ${e.balancing.join('\n            ')}\n    real:   ${realBalancing.join('\n            ')}`,
          );
        }
      }
    }
    return problems;
  }

  before(async () => {
    // Start kube-proxy (it waits ~30 s for the kwok node's addresses) while the sample rolls out.
    const t0 = performance.now();
    const kpStarting = startKubeProxy({ log });
    const setup = (async () => {
      // An earlier run's namespace may still be terminating: start from nothing.
      const leftover = await cluster.describeNamespaceContents(ns);
      if (leftover.exists) await cluster.deleteNamespace(ns, { confirmed: leftover, wait: true, timeoutMs: 90_000 });
      const sample = seedManifestTexts(ns).find((f) => f.name === 'simple.yaml')!;
      await cluster.serverSideApply(parseManifests(sample.text, sample.name), { namespace: ns });
      kubectl('-n', ns, 'scale', 'deployment/simple', `--replicas=${replicas}`);
      await cluster.serverSideApply(extraServices, { namespace: ns });
      // No cloud gives kp-lb an address: set one, the namespace's own veth address (no traffic is sent to it).
      kubectl(
        '-n',
        ns,
        'patch',
        'service/kp-lb',
        '--subresource=status',
        '--type=merge',
        '-p',
        JSON.stringify({ status: { loadBalancer: { ingress: [{ ip: NS_ADDR, ipMode: 'VIP' }] } } }),
      );
      await cluster.waitForDeploymentsAvailable(ns, ['simple'], { timeoutMs: 90_000 });
      const deadline = performance.now() + 60_000;
      for (;;) {
        const ready = endpointInfos(await cluster.listEndpointSlices(ns, 'simple')).filter((e) => e.ready).length;
        if (ready === replicas) break;
        if (performance.now() > deadline)
          throw new Error(`Service ${ns}/simple has ${ready} ready endpoints, expected ${replicas}`);
        await new Promise((r) => setTimeout(r, 500));
      }
    })();
    const started = await Promise.allSettled([kpStarting, setup]).then(([a, b]) => {
      if (a.status === 'fulfilled') kp = a.value;
      if (b.status === 'rejected') throw b.reason;
      if (a.status === 'rejected') throw a.reason;
      return a.value;
    });
    const first = await started.waitForNat(hasGatewayChains, { timeoutMs: 90_000 });
    metric('kubeProxyFirstGatewayRulesMs', first.ms);
    metric('kubeProxyStartToReadyMs', ms(t0));
    metric('kubeProxyVersion', started.version);
  });

  after(async () => {
    await kp?.stop();
    const contents = await cluster.describeNamespaceContents(ns).catch(() => undefined);
    if (contents?.exists)
      await cluster.deleteNamespace(ns, { confirmed: contents, wait: false }).catch(() => undefined);
    await cluster.dispose();
  });

  test("every rule the engine computes (gateway and further cases) is in the real iptables-save, and the balancing is exactly kube-proxy's", async () => {
    const t0 = performance.now();
    let exp = await expected();
    let problems: string[] = [];
    // Give kube-proxy its minimum sync period (1 s) a few times to catch up with the last EndpointSlice change.
    const deadline = performance.now() + 20_000;
    for (;;) {
      problems = mismatches(kp!.saveNat(), exp);
      if (!problems.length || performance.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 1000));
      exp = await expected();
    }
    assert.deepEqual(problems, [], `the engine's lines differ from kube-proxy ${kp!.version}:\n${problems.join('\n')}`);
    const computed = new Set(exp.flatMap((e) => [...e.lines, ...e.balancing]));
    metric('kubeProxyRuleLinesMatched', computed.size);
    // For the report, not asserted: real rules in the chains the engine names that it does not print
    // (masquerade marks the packet passes without matching: off-cluster sources to a ClusterIP, hairpin, LOCAL sources).
    const chains = new Set(
      [...computed].map((l) => l.split(' ')[1]!).filter((c) => /^KUBE-(SVC|SVL|EXT|SEP)-/.test(c)),
    );
    const extra = kp!
      .saveNat()
      .split('\n')
      .filter((l) => chains.has(l.split(' ')[1] ?? '') && !computed.has(l));
    metric('kubeProxyRealLinesNotComputed', extra.length);
    if (process.env.LAB_TEST_LOG) for (const l of extra) console.log(`  not computed: ${l}`);
    metric('kubeProxyEntriesChecked', exp.length);
    metric('kubeProxyMatchMs', ms(t0));
    // The cases this run covered: 3-endpoint balancing, UDP, an unnamed port, Local, LoadBalancer.
    assert.ok(
      exp.some((e) => e.balancing.length === replicas && e.balancing[0]!.includes('--probability 0.33333333349')),
      'a 3-endpoint balancing was checked',
    );
    assert.ok(
      exp.some((e) => e.label.includes('/UDP via nodePort')),
      'a UDP NodePort was checked',
    );
    assert.ok(
      exp.some((e) => e.label.startsWith(`${ns}/kp-unnamed:/`)),
      'an unnamed port was checked',
    );
    assert.ok(
      exp.some((e) => e.balancingChain?.startsWith('KUBE-SVL-')),
      'an externalTrafficPolicy Local chain was checked',
    );
    assert.equal(
      exp.filter(
        (e) => e.label.startsWith('istio-system/istio-ingressgateway:') && e.label.includes('via loadBalancer'),
      ).length,
      3,
      "the gateway's three ports via its LoadBalancer IP",
    );
  });

  test("the gateway's http2 path, as the trace shows it, ends in a DNAT to the gateway pod's IP:8080", async () => {
    const svc = (await cluster.getService(gateway.namespace, gateway.name))!;
    const http2 = svc.spec.ports!.find((p) => p.name === 'http2')!;
    const pods = endpointInfos(await cluster.listEndpointSlices(gateway.namespace, gateway.name)).filter(
      (e) => e.ready,
    );
    assert.ok(pods.length >= 1, 'the gateway Service has a ready endpoint');
    const path = iptablesPath(
      {
        ...gateway,
        clusterIP: svc.spec.clusterIP,
        loadBalancerIPs: svc.status?.loadBalancer?.ingress?.map((i) => i.ip!),
        port: { name: 'http2', port: 80, nodePort: http2.nodePort, protocol: 'TCP' },
      },
      pods.map((p) => ({ ip: p.ip, port: 8080 })),
      'nodePort',
    );
    const nat = kp!.saveNat().split('\n');
    const dnat = path.hops.at(-1)!;
    assert.ok(nat.includes(dnat.rule), `real rules have ${dnat.rule}`);
    assert.match(
      dnat.rule,
      new RegExp(`-j DNAT --to-destination ${pods.map((p) => p.ip.replaceAll('.', '\\.')).join('|')}:8080$`),
    );
    // and the real chain the NodePort jumps to is the engine's KUBE-EXT chain
    const jump = nat.find((l) => l.startsWith('-A KUBE-NODEPORTS -p tcp') && l.includes(`--dport ${http2.nodePort} `));
    assert.equal(jump, path.hops[0]!.rule);
  });
});
