// The seed's path through the lab's own cluster, all real but one named stand-in: the article's two
// curls enter the node (network namespace lab-node), pass the REAL kube-proxy's iptables DNAT to the
// gateway pod's IP:8080, reach upstream Envoy in the gateway pod's own network namespace, whose only
// config source is the REAL istiod (through the xds-relay STAND-IN, which removes Istio-only
// extensions), and go on to the backends' pod namespaces. Read back with the REAL istioctl.
// Faults a user can cause: istiod stopped and restarted, the gateway pod deleted, a port-forward dropped.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { parseManifests, type PodInfo } from '../../src/kube/index';
import { sendWithCurl, sendWithNode } from '../../src/tools/curl';
import { labNamespaces, readPodListeningSockets, readServiceNatRules } from '../../src/tools/labNetwork';
import { locateTool } from '../../src/tools/locate';
import {
  harnessVar,
  istioctl,
  kubeconfigPath,
  labCluster,
  metric,
  ms,
  repo,
  seedManifestTexts,
  whenCluster,
  sleep,
  until,
} from './helpers';

const ns = 'simple';
const host = 'simple.baihl.io';
const harness = path.join(repo, 'test', 'harness');

const kubectlBin = path.join(harnessVar('K8S_BIN'), 'kubectl');
const kubectl = (...args: string[]) =>
  execFileSync(kubectlBin, ['--kubeconfig', kubeconfigPath, ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
const ingress = () =>
  JSON.parse(fs.readFileSync(path.join(repo, '.cluster', 'ingress.json'), 'utf8')) as {
    ingressIP: string;
    nodeIP: string;
    nodePortHttp: string;
  };
/** `iptables-save -t nat -c` in the node's network namespace: kube-proxy's rules with their counters. */
const natRules = () => execFileSync('bash', [path.join(harness, 'node-net.sh'), 'save'], { encoding: 'utf8' });

/** Packets counted on the DNAT rule of the gateway's http2 port, and the pod IP:port it rewrites to. */
function gatewayDnat(nat: string): { packets: number; to: string } | undefined {
  const line = nat
    .split('\n')
    .find((l) => l.includes('"istio-system/istio-ingressgateway:http2"') && l.includes('-j DNAT'));
  const m = line && /^\[(\d+):\d+\] .*--to-destination (\S+)/.exec(line);
  return m ? { packets: Number(m[1]), to: m[2]! } : undefined;
}

const curl = locateTool('curl', undefined);
const curlTool = () => {
  if (!curl.ok) throw new Error(curl.message);
  return curl.tool;
};
const viaLb = (p: string) => sendWithCurl(curlTool(), { address: `${ingress().ingressIP}:80`, host, path: p });
const viaNodePort = (p: string) =>
  sendWithCurl(curlTool(), { address: `${ingress().nodeIP}:${ingress().nodePortHttp}`, host, path: p });

await whenCluster("the seed's path through real kube-proxy, Envoy in the gateway pod and real istiod", () => {
  const { cluster } = labCluster();
  let gateway: PodInfo;
  after(() => cluster.dispose());

  const readyGateway = async () => {
    const status = await cluster.istioStatus();
    assert.ok(status.readyPod, status.problems.map((p) => p.message).join('; '));
    return status.readyPod;
  };
  /** The gateway's route configuration http.8080 as Envoy holds it (config_dump through the API server's port-forward). */
  const liveRoutes = async (pod: PodInfo) => {
    cluster.refresh();
    const admin = cluster.envoyAdmin({ namespace: pod.namespace, name: pod.name });
    try {
      const dump = (await admin.getJson('/config_dump?resource=dynamic_route_configs')) as {
        configs: { route_config: { name: string; virtual_hosts?: { name: string; routes: unknown[] }[] } }[];
      };
      return dump.configs.map((c) => c.route_config);
    } finally {
      await admin.dispose();
    }
  };

  before(async () => {
    assert.ok(curl.ok, 'curl on PATH');
    await cluster.serverSideApply(
      seedManifestTexts(ns, host).flatMap((f) => parseManifests(f.text, f.name)),
      { namespace: ns },
    );
    await cluster.waitForDeploymentsAvailable(ns, ['simple', 'nginx-deployment'], { timeoutMs: 90_000, pollMs: 500 });
    gateway = await readyGateway();
    // sync.mjs starts the backends in the pods' namespaces; istiod pushes the routes.
    const t0 = performance.now();
    const answers200 = async (p: string) => {
      const r = await viaLb(p);
      return r.ok && r.response.status === 200;
    };
    await until('both seed paths answer 200 through the LoadBalancer IP', 60_000, async () =>
      (await answers200('/simple/httpserver')) && (await answers200('/simple/nginx')) ? true : undefined,
    );
    metric('realpathSeedReadyAfterRolloutMs', ms(t0));
  });

  test("the article's two curls, to the LoadBalancer IP and to node IP:NodePort, pass kube-proxy's DNAT to the gateway pod's 8080", async () => {
    const before = gatewayDnat(natRules());
    assert.ok(before, 'kube-proxy wrote a DNAT rule for istio-system/istio-ingressgateway:http2 in the node');
    assert.equal(before.to, `${gateway.ip}:8080`, "the DNAT goes to the gateway pod's IP and targetPort");
    const hello = await viaLb('/simple/httpserver');
    assert.ok(hello.ok, hello.ok ? '' : hello.message);
    assert.equal(hello.response.status, 200);
    assert.match(hello.response.body, /^hello \[stranger\]/);
    assert.match(hello.response.headers['server'] ?? '', /envoy/);
    const nginx = await viaNodePort('/simple/nginx');
    assert.ok(nginx.ok, nginx.ok ? '' : nginx.message);
    assert.equal(nginx.response.status, 200);
    assert.match(nginx.response.body, /<title>Welcome to nginx!<\/title>/);
    const afterRules = gatewayDnat(natRules())!;
    // the nat table sees the first packet of each connection: one per curl
    assert.ok(
      afterRules.packets >= before.packets + 2,
      `DNAT packet counter ${before.packets} -> ${afterRules.packets}`,
    );
    // the article's 5.2 as the extension reads it: the gateway Service's chains only, with counters
    const lab = labNamespaces(path.join(repo, '.cluster'));
    assert.equal(lab.node, 'lab-node');
    const read = await readServiceNatRules(lab.node, 'istio-system', 'istio-ingressgateway');
    assert.ok(read.ok, read.ok ? '' : read.message);
    const dnat = read.value.find((r) => r.dnatTo === `${gateway.ip}:8080`);
    assert.ok(dnat && dnat.packets >= afterRules.packets, read.text);
    assert.ok(
      read.value.some((r) => r.chain === 'KUBE-SERVICES' && r.rule.includes(`-d ${ingress().ingressIP}/32`)),
      read.text,
    );
    assert.ok(
      read.value.some((r) => r.chain === 'KUBE-NODEPORTS' && r.rule.includes(`--dport ${ingress().nodePortHttp}`)),
      read.text,
    );
    assert.ok(
      read.value.every((r) => !r.rule.includes('"simple/')),
      "no other Service's rules",
    );
  });

  test("the gateway pod's Envoy listens on 0.0.0.0:8080 in its own network namespace, admin on 127.0.0.1:15000 there", async () => {
    const netns = labNamespaces(path.join(repo, '.cluster')).pod('istio-system', gateway.name)!;
    const read = await readPodListeningSockets(netns);
    assert.ok(read.ok, read.ok ? '' : read.message);
    assert.deepEqual(
      read.value.find((s) => s.port === 8080),
      { address: '0.0.0.0', port: 8080, processes: ['envoy'] },
      read.text,
    );
    assert.deepEqual(
      read.value.find((s) => s.port === 15000),
      { address: '127.0.0.1', port: 15000, processes: ['envoy'] },
      read.text,
    );
    const addr = execFileSync('ip', ['-n', netns, '-o', '-4', 'addr', 'show', 'eth0'], { encoding: 'utf8' });
    assert.match(addr, new RegExp(`inet ${gateway.ip!.replaceAll('.', '\\.')}/32`));
  });

  test("/config_dump through the API server: listener 0.0.0.0_8080 and istiod's route, equal to the oracle's for the seed", async () => {
    cluster.refresh();
    const admin = cluster.envoyAdmin({ namespace: gateway.namespace, name: gateway.name });
    let listeners: {
      active_state?: {
        listener: { name: string; address: { socket_address: { address: string; port_value: number } } };
      };
    }[];
    try {
      const dump = (await admin.getJson('/config_dump?resource=dynamic_listeners')) as { configs: typeof listeners };
      listeners = dump.configs;
    } finally {
      await admin.dispose();
    }
    const l8080 = listeners.find((l) => l.active_state?.listener.name === '0.0.0.0_8080');
    assert.ok(l8080, listeners.map((l) => l.active_state?.listener.name).join(', '));
    assert.deepEqual(l8080.active_state!.listener.address.socket_address, { address: '0.0.0.0', port_value: 8080 });

    // istiod's route as istioctl prints it (proto JSON), against Istio's own translation (the oracle).
    const { stdout } = await istioctl(
      'proxy-config',
      'route',
      gateway.name,
      '-n',
      'istio-system',
      '--name',
      'http.8080',
      '-o',
      'json',
    );
    const live = (JSON.parse(stdout) as { name: string }[]).find((r) => r.name === 'http.8080');
    assert.ok(live, stdout.slice(0, 500));
    const oraclePath = execFileSync(
      process.execPath,
      [
        '-e',
        `import(${JSON.stringify(path.join(harness, 'gateway-envoy.mjs'))}).then((m) => console.log(m.oracleFromCluster()))`,
      ],
      {
        encoding: 'utf8',
        cwd: repo,
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    )
      .trim()
      .split('\n')
      .pop()!;
    const oracle = JSON.parse(fs.readFileSync(oraclePath, 'utf8')) as { routes: { name: string }[] };
    const expected = oracle.routes.find((r) => r.name === 'http.8080');
    assert.ok(expected, 'the oracle has http.8080');
    assert.deepEqual(live, expected);
  });

  test('istioctl proxy-status lists the gateway pod, synced; istioctl pc route --name http.8080 -o yaml prints its route', async () => {
    const ps = await until('the gateway in istioctl proxy-status', 30_000, async () => {
      const { stdout } = await istioctl('proxy-status');
      return stdout.includes(`${gateway.name}.istio-system`) ? stdout : undefined;
    });
    const row = ps.split('\n').find((l) => l.startsWith(`${gateway.name}.istio-system`))!;
    assert.match(row, /Kubernetes\s+istiod-\S+\s+1\.31-dev/);
    const { stdout } = await istioctl(
      'pc',
      'route',
      gateway.name,
      '-n',
      'istio-system',
      '--name',
      'http.8080',
      '-o',
      'yaml',
    );
    assert.match(stdout, /name: http\.8080/);
    assert.match(stdout, /- simple\.baihl\.io/);
    assert.match(stdout, /prefixRewrite: \/hello/);
  });

  test('deleting the VirtualService removes its route from the gateway within 10 s; applying it again brings it back', async () => {
    const hasVhost = (rcs: Awaited<ReturnType<typeof liveRoutes>>) =>
      rcs.some((rc) => rc.name === 'http.8080' && (rc.virtual_hosts ?? []).some((v) => v.name === `${host}:80`));
    assert.ok(hasVhost(await liveRoutes(gateway)));
    const t0 = performance.now();
    kubectl('-n', ns, 'delete', 'virtualservice', 'simple');
    await until('route gone from Envoy', 10_000, async () => (hasVhost(await liveRoutes(gateway)) ? undefined : true));
    metric('realpathVirtualServiceDeleteToRouteGoneMs', ms(t0));
    const gone = await viaLb('/simple/httpserver');
    assert.ok(gone.ok);
    assert.equal(gone.response.status, 404, 'no route, Envoy answers 404');
    const istioSpecs = seedManifestTexts(ns, host).find((f) => f.name === 'istio-specs.yaml')!;
    await cluster.serverSideApply(parseManifests(istioSpecs.text, istioSpecs.name), { namespace: ns });
    await until('route back', 10_000, async () => (hasVhost(await liveRoutes(gateway)) ? true : undefined));
  });

  test('istiod stopped: Envoy keeps serving its last config and istioctl says it cannot reach istiod; restarted: the gateway reconnects', async () => {
    execFileSync(process.execPath, [path.join(harness, 'istiod.mjs'), 'stop-istiod'], { stdio: 'inherit' });
    try {
      const still = await viaLb('/simple/httpserver');
      assert.ok(still.ok, still.ok ? '' : still.message);
      assert.equal(still.response.status, 200, 'Envoy keeps its routes while istiod is away');
      await assert.rejects(istioctl('proxy-status'), (err: Error & { stderr?: string }) => {
        assert.match(`${err.stderr ?? ''}${err.message}`, /istiod|15012|connection refused|unavailable/i);
        return true;
      });
    } finally {
      execFileSync(process.execPath, [path.join(harness, 'istiod.mjs'), 'start'], { stdio: 'inherit' });
    }
    const t0 = performance.now();
    await until('the gateway back in istioctl proxy-status', 60_000, async () => {
      const { stdout } = await istioctl('proxy-status');
      return stdout.includes(`${gateway.name}.istio-system`) ? true : undefined;
    });
    metric('realpathIstiodRestartToProxySyncedMs', ms(t0));
    const after = await viaLb('/simple/nginx');
    assert.ok(after.ok && after.response.status === 200);
  });

  test('a port-forward dropped mid-read: no half answer is taken for a whole one, and the next read through a new port-forward gets everything', async () => {
    const pf = await cluster.portForward(gateway.namespace, gateway.name, 15000);
    const netns = fs
      .readFileSync(path.join(repo, '.cluster', 'backends', `istio-system.${gateway.name}`, 'netns'), 'utf8')
      .trim();
    let outcome = 'hung';
    let received = '';
    try {
      // A request whose headers are not finished keeps the forward open; then the forward is cut
      // inside the pod (the socat kwok runs there, as a kubelet's stream would die).
      const net = await import('node:net');
      const sock = net.connect(pf.localPort, '127.0.0.1');
      await new Promise<void>((r, j) => {
        sock.once('connect', () => r());
        sock.once('error', j);
      });
      sock.on('error', () => undefined);
      sock.on('data', (d: Buffer) => (received += d.toString('utf8')));
      sock.write('GET /config_dump HTTP/1.1\r\nHost: x\r\n');
      const socats = () =>
        execFileSync('ip', ['netns', 'pids', netns], { encoding: 'utf8' })
          .trim()
          .split('\n')
          .filter((pid) => pid && fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').startsWith('socat'));
      const pids = await until('the forward reached the pod', 5000, () => (socats().length ? socats() : undefined));
      for (const pid of pids) process.kill(Number(pid), 'SIGKILL');
      sock.write('\r\n');
      outcome = await Promise.race([
        new Promise<string>((r) => sock.once('close', () => r('closed'))),
        sleep(5000).then(() => 'hung'),
      ]);
      sock.destroy();
    } finally {
      await pf.dispose();
    }
    metric('realpathPortForwardDroppedMidRead', outcome);
    assert.doesNotMatch(received, /^HTTP\/1\.1 200/, 'no answer came through the cut forward');
    // nothing lost: a new port-forward reads Envoy's whole config
    const admin = cluster.envoyAdmin({ namespace: gateway.namespace, name: gateway.name });
    try {
      const info = (await admin.getJson('/server_info')) as { state: string };
      assert.equal(info.state, 'LIVE');
      const dump = (await admin.getJson('/config_dump?resource=dynamic_listeners')) as { configs: unknown[] };
      assert.ok(dump.configs.length >= 1);
    } finally {
      await admin.dispose();
    }
    const ok = await sendWithNode({ address: `${ingress().ingressIP}:80`, host, path: '/simple/httpserver' });
    assert.ok(ok.ok && ok.response.status === 200);
  });

  test('the gateway pod deleted: a new pod, a new Envoy in its namespace, a new DNAT, and the curls work again', async () => {
    const old = gateway;
    kubectl('-n', 'istio-system', 'delete', 'pod', old.name, '--wait=false');
    const t0 = performance.now();
    const fresh = await until('a new Ready gateway pod', 60_000, async () => {
      const p = (await cluster.istioStatus()).readyPod;
      return p && p.name !== old.name && p.ip ? p : undefined;
    });
    // kwok may hand the new pod the old one's IP: wait for the new pod's own namespace and Envoy
    // (the kubelet's part, sync.mjs) rather than for any answer at that IP.
    const podDir = (name: string) => path.join(repo, '.cluster', 'backends', `istio-system.${name}`);
    await until("a new Envoy in the new pod's namespace, the old one gone", 60_000, () =>
      fs.existsSync(path.join(podDir(fresh.name), 'netns')) && !fs.existsSync(podDir(old.name)) ? true : undefined,
    );
    await until("kube-proxy's DNAT to the new pod", 60_000, () =>
      gatewayDnat(natRules())?.to === `${fresh.ip}:8080` ? true : undefined,
    );
    await until('the seed answers through the new pod', 60_000, async () => {
      const r = await viaLb('/simple/httpserver');
      return r.ok && r.response.status === 200 ? true : undefined;
    });
    metric('realpathGatewayPodReplacedToServingMs', ms(t0));
    const nginx = await viaNodePort('/simple/nginx');
    assert.ok(nginx.ok && nginx.response.status === 200);
    await until('the new pod in istioctl proxy-status', 60_000, async () => {
      const { stdout } = await istioctl('proxy-status');
      return stdout.includes(`${fresh.name}.istio-system`) && !stdout.includes(`${old.name}.istio-system`)
        ? true
        : undefined;
    });
    gateway = fresh;
  });
});
