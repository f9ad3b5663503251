// Trace a Request in the real extension host: the questions and their defaults (the match under the cursor),
// the webview panel and the hops it draws, the trace lens, escaping of what the user typed; then, when the
// lab's cluster answers (npm run cluster:up), the live trace: gateway pod IP in kube-proxy's DNAT, the
// endpoint pods, the outcome.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { LabApi } from '../../src/extension';
import type { TraceResult } from '../../src/editor/traceCommand';
import { connectLabCluster, EXTENSION_ID, labApi, ScriptedPrompts } from './seam';

const config = () => vscode.workspace.getConfiguration('istioIngressLab');
const repo = () => vscode.extensions.getExtension(EXTENSION_ID)!.extensionPath;
const specs = () => vscode.Uri.joinPath(vscode.workspace.workspaceFolders![0]!.uri, 'istio-specs.yaml');
const HOPS = [
  'entry',
  'service',
  'iptables',
  'pod',
  'listener',
  'routeConfig',
  'virtualHost',
  'route',
  'rewrite',
  'cluster',
  'endpoint',
];

/** Scripted stand-in for the input boxes that accepts the default VS Code pre-fills (records it). */
class AcceptDefaults extends ScriptedPrompts {
  readonly defaults: (string | undefined)[] = [];
  override input(options: vscode.InputBoxOptions) {
    this.defaults.push(options.value);
    this.shown.push({ kind: 'input', message: options.prompt ?? '', items: [] });
    return Promise.resolve(options.value);
  }
}

/** The trace panel's tab once its label is `label` (the tab model reaches the extension host a moment later). */
async function traceTab(label: string, timeoutMs = 10_000): Promise<vscode.Tab | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const tabs = vscode.window.tabGroups.all
      .flatMap((g) => g.tabs)
      .filter((t) => t.input instanceof vscode.TabInputWebview && t.input.viewType.endsWith('istioIngressLab.trace'));
    const tab = tabs.find((t) => t.label === label);
    if (tab || Date.now() > deadline) return tab ?? tabs[0];
    await new Promise((r) => setTimeout(r, 100));
  }
}

const byId = (r: TraceResult) => Object.fromEntries(r.trace.steps.map((s) => [s.id, s]));

suite('trace a request, offline', () => {
  let api: LabApi;

  suiteSetup(async () => {
    api = await labApi(vscode);
    await config().update('kubeconfig', join(tmpdir(), 'ilab-no-such-kubeconfig'), vscode.ConfigurationTarget.Global);
    api.ctx.changed('cluster', 'test: no kubeconfig');
  });
  suiteTeardown(async () => {
    await config().update('kubeconfig', undefined, vscode.ConfigurationTarget.Global);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  test('from the palette with the cursor on the nginx match: its host and path are the defaults; the panel shows every hop', async () => {
    const editor = await vscode.window.showTextDocument(specs());
    const line = editor.document
      .getText()
      .split('\n')
      .findIndex((l) => l.includes('prefix: "/simple/nginx"'));
    editor.selection = new vscode.Selection(line, 10, line, 10);
    const prompts = new AcceptDefaults(['GET']);
    api.setPrompts(prompts);
    const r = await vscode.commands.executeCommand<TraceResult>('istioIngressLab.traceRequest');
    assert.ok(r, JSON.stringify(prompts.shown));
    assert.deepEqual(prompts.defaults, ['simple.baihl.io', '/simple/nginx']);
    assert.deepEqual(
      prompts.shown.map((s) => s.kind),
      ['input', 'input', 'pick'],
      'no entry question offline',
    );
    assert.equal(r.trace.mode, 'offline');
    assert.match(r.note ?? '', /^Offline \(.*\): predicted from the workspace YAML\.$/);
    assert.deepEqual(
      r.trace.steps.map((s) => s.id),
      HOPS,
    );
    const s = byId(r);
    assert.equal(s.listener!.value, '0.0.0.0_8080');
    assert.equal(s.routeConfig!.value, 'http.8080');
    assert.equal(s.virtualHost!.value, 'simple.baihl.io:80');
    assert.equal(s.route!.value, 'prefix /simple/nginx');
    assert.match(s.route!.details[0]!, /^Route #1 wins \(VirtualService simple\.simple, istio-specs\.yaml:\d+\)/);
    assert.equal(s.rewrite!.value, '/');
    assert.equal(s.cluster!.value, 'outbound|80||nginx.simple.svc.cluster.local');
    assert.equal(r.trace.outcome.status, 'forwarded');
    for (const id of HOPS) assert.match(r.html, new RegExp(`id="hop-${id}"`));
    assert.match(r.html, /<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src [^;"]+;/);
    const tab = await traceTab('Trace simple.baihl.io/simple/nginx');
    assert.ok(tab, 'the trace panel is open');
    assert.equal(tab.label, 'Trace simple.baihl.io/simple/nginx');
  });

  test('the trace lens on a match traces what it selects without asking', async () => {
    const lenses =
      (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', specs(), 100)) ?? [];
    const trace = lenses.filter((l) => l.command?.command === 'istioIngressLab.traceRequest');
    assert.equal(trace.length, 2, lenses.map((l) => l.command?.title).join('\n'));
    assert.ok(!lenses.some((l) => l.command?.title.includes('drift:')), 'no drift lens without a cluster');
    const prompts = new ScriptedPrompts();
    api.setPrompts(prompts);
    const r = await vscode.commands.executeCommand<TraceResult>(
      trace[0]!.command!.command,
      ...(trace[0]!.command!.arguments ?? []),
    );
    assert.deepEqual(prompts.shown, []);
    assert.equal(r.trace.request.path, '/simple/httpserver');
    assert.equal(byId(r).rewrite!.value, '/hello');
    assert.equal(
      (await traceTab('Trace simple.baihl.io/simple/httpserver'))?.label,
      'Trace simple.baihl.io/simple/httpserver',
      'the same panel shows the new trace',
    );
    assert.equal(
      vscode.window.tabGroups.all.flatMap((g) => g.tabs).filter((t) => t.input instanceof vscode.TabInputWebview)
        .length,
      1,
      'one trace panel, reused',
    );
  });

  test("the trace lens on an HTTPRoute match of an HTTPS listener traces TLS through the Gateway's own <gw>-istio", async () => {
    // a workspace file (the scratch copy), so the trace reads it with istio-specs.yaml and its istio-ingressgateway
    const uri = vscode.Uri.joinPath(vscode.workspace.workspaceFolders![0]!.uri, 'gwapi-https.yaml');
    const content = [
      'apiVersion: gateway.networking.k8s.io/v1',
      'kind: Gateway',
      'metadata: {name: lab-gw, namespace: simple}',
      'spec:',
      '  gatewayClassName: istio',
      '  listeners:',
      '  - name: https',
      '    hostname: gwapi.baihl.io',
      '    port: 443',
      '    protocol: HTTPS',
      '    tls:',
      '      certificateRefs:',
      '      - name: gwapi-cert',
      '---',
      'apiVersion: gateway.networking.k8s.io/v1',
      'kind: HTTPRoute',
      'metadata: {name: lab-route, namespace: simple}',
      'spec:',
      '  parentRefs:',
      '  - name: lab-gw',
      '  rules:',
      '  - matches:',
      '    - path: {type: PathPrefix, value: /api}',
      '    backendRefs:',
      '    - {name: simple, port: 80}',
      '',
    ].join('\n');
    await vscode.workspace.fs.writeFile(uri, Buffer.from(content));
    try {
      // the lens provider command needs the document's model; the trace reads the workspace once the file watcher
      // has told the engine of the new file
      await vscode.workspace.openTextDocument(uri);
      for (const deadline = Date.now() + 10_000; Date.now() < deadline; ) {
        if ((await api.ctx.engine.resources()).k8sGateways.some((g) => g.metadata.name === 'lab-gw')) break;
        await new Promise((r) => setTimeout(r, 200));
      }
      let trace: vscode.CodeLens[] = [];
      for (const deadline = Date.now() + 10_000; !trace.length && Date.now() < deadline; ) {
        const lenses =
          (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri, 100)) ?? [];
        trace = lenses.filter((l) => l.command?.command === 'istioIngressLab.traceRequest');
        if (!trace.length) await new Promise((r) => setTimeout(r, 200));
      }
      assert.equal(trace.length, 1, 'one trace lens, on the match');
      const prompts = new ScriptedPrompts();
      api.setPrompts(prompts);
      const r = await vscode.commands.executeCommand<TraceResult>(
        trace[0]!.command!.command,
        ...(trace[0]!.command!.arguments ?? []),
      );
      assert.deepEqual(prompts.shown, []);
      assert.equal(r.trace.request.sni, 'gwapi.baihl.io');
      const hops = byId(r);
      assert.equal(hops.service!.value, 'simple/lab-gw-istio https 443 → 443');
      assert.equal(hops.routeConfig!.value, 'https.443.default.lab-gw~istio-autogenerated-k8s-gateway~https.simple');
      assert.equal(r.trace.outcome.status, 'forwarded');
    } finally {
      await vscode.workspace.fs.delete(uri);
    }
  });

  test('a Host nobody serves is a 404 at the virtual host, and the typed markup is escaped in the panel', async () => {
    const prompts = new ScriptedPrompts(['<script>alert(1)</script>', '/simple/nginx', 'GET']);
    api.setPrompts(prompts);
    const r = await vscode.commands.executeCommand<TraceResult>('istioIngressLab.traceRequest');
    assert.equal(r.trace.outcome.status, 404);
    assert.equal(byId(r).virtualHost!.status, 'fail');
    assert.ok(!r.html.includes('<script>'), 'no script element');
    assert.match(r.html, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
  });

  test('in an untrusted workspace the trace still runs, from the YAML only, and says why', async () => {
    const prompts = new ScriptedPrompts();
    prompts.trusted = false;
    api.setPrompts(prompts);
    const r = await vscode.commands.executeCommand<TraceResult>('istioIngressLab.traceRequest', {
      host: 'simple.baihl.io',
      path: '/simple/httpserver',
      method: 'GET',
    });
    assert.equal(r.trace.mode, 'offline');
    assert.equal(
      r.note,
      'Offline (untrusted workspace, so the cluster is not read): predicted from the workspace YAML.',
    );
    assert.match(r.html, /untrusted workspace, so the cluster is not read/);
    assert.deepEqual(prompts.shown, []);
  });

  test('cancelling a question traces nothing', async () => {
    api.setPrompts(new ScriptedPrompts([undefined]));
    assert.equal(await vscode.commands.executeCommand('istioIngressLab.traceRequest'), undefined);
  });
});

suite('trace a request, live on the harness cluster', function () {
  let api: LabApi;
  let prompts: ScriptedPrompts;

  suiteSetup(async function () {
    api = await connectLabCluster(vscode, this);
    prompts = new ScriptedPrompts();
    api.setPrompts(prompts);
    assert.ok(await vscode.commands.executeCommand('istioIngressLab.deploySample'), JSON.stringify(prompts.shown));
    execFileSync('bash', [join(repo(), 'test/harness/backends.sh'), 'up', 'simple'], { cwd: repo(), stdio: 'ignore' });
    await vscode.commands.executeCommand('istioIngressLab.refresh');
  });
  suiteTeardown(async () => {
    for (const key of ['kubeconfig', 'ingress.probeAddresses'])
      await config().update(key, undefined, vscode.ConfigurationTarget.Global);
  });

  test("entered by the LoadBalancer: the gateway pod's IP in the DNAT rule, the live route, the endpoint pod by name", async () => {
    const gw = await api.ctx.live.gatewayPod();
    assert.ok(typeof gw !== 'string', typeof gw === 'string' ? gw : '');
    prompts = new ScriptedPrompts();
    api.setPrompts(prompts);
    prompts.answer('LoadBalancer 10.244.255.253:80');
    const r = await vscode.commands.executeCommand<TraceResult>('istioIngressLab.traceRequest', {
      host: 'simple.baihl.io',
      path: '/simple/httpserver',
      method: 'GET',
    });
    assert.ok(r, JSON.stringify(prompts.shown));
    const svc = (await api.ctx.getCluster().getService('istio-system', 'istio-ingressgateway'))!;
    const offered = prompts.shown.find((s) => s.kind === 'pick')?.items ?? [];
    assert.ok(offered.includes('LoadBalancer 10.244.255.253:80'), offered.join(', '));
    assert.ok(offered.includes(`ClusterIP ${svc.spec.clusterIP}:80`), offered.join(', '));
    assert.equal(r.trace.mode, 'live');
    assert.match(r.note!, /^Live from istio-system\/istio-ingressgateway-/);
    const s = byId(r);
    assert.equal(s.entry!.value, '10.244.255.253:80');
    assert.match(s.service!.value, /^istio-system\/istio-ingressgateway \S+ 80 → 8080$/);
    assert.equal(s.service!.source, 'live');
    const dnat = s.iptables!.lines!.find((l) => l.includes('DNAT'));
    assert.ok(dnat?.endsWith(`--to-destination ${gw.ip}:8080`), `${dnat} vs pod ${gw.ip}`);
    assert.match(
      s.iptables!.value,
      /^KUBE-SERVICES → KUBE-EXT-[A-Z0-9]{16} → KUBE-SVC-[A-Z0-9]{16} → KUBE-SEP-[A-Z0-9]{16}$/,
    );
    assert.equal(s.pod!.value, `${gw.ip}:8080`);
    assert.match(s.pod!.details[0]!, new RegExp(`pod ${gw.name}`));
    assert.equal(s.route!.source, 'live');
    assert.equal(s.rewrite!.value, '/hello');
    const backends = await api.ctx.getCluster().listPods('simple', { labelSelector: 'app=simple' });
    const ips = backends.filter((p) => p.ready).map((p) => `${p.ip}:80`);
    assert.ok(ips.length > 0);
    assert.ok(ips.includes(s.endpoint!.value.split(', ')[0]!), `${s.endpoint!.value} vs ${ips.join(', ')}`);
    assert.match(s.endpoint!.details.join('\n'), /HEALTHY \(pod simple-[a-z0-9]+-[a-z0-9]+\)/);
    assert.equal(s.endpoint!.source, 'live');
    assert.equal(r.trace.outcome.status, 'forwarded');
    assert.match(r.trace.outcome.summary, /^forwarded to 10\.244\.\d+\.\d+:80 as GET \/hello$/);
  });

  test("the panel shows the Envoy counters of the request's cluster, and they rise as requests go through", async () => {
    const r = await vscode.commands.executeCommand<TraceResult>('istioIngressLab.traceRequest', {
      host: 'simple.baihl.io',
      path: '/simple/httpserver',
      method: 'GET',
      entry: 'loadBalancer',
    });
    assert.equal(r.trace.cluster, 'outbound|80||simple.simple.svc.cluster.local');
    assert.match(r.html, /Envoy counters of <code>outbound\|80\|\|simple\.simple\.svc\.cluster\.local<\/code>/);
    assert.match(r.html, /<script nonce="[^"]+">/);
    const first = api.traceCounters();
    assert.ok(first, 'counters read for the panel');
    assert.match(first.note, /^read .* from istio-system\/istio-ingressgateway-\S+'s Envoy \/stats, every 2 s$/);
    const before = first.values.upstream_rq_2xx ?? 0;
    for (let i = 0; i < 3; i++)
      execFileSync('curl', [
        '-sf',
        '-o',
        '/dev/null',
        '-H',
        'Host: simple.baihl.io',
        'http://10.244.255.253/simple/httpserver',
      ]);
    const deadline = Date.now() + 20_000;
    let now = before;
    while (Date.now() < deadline) {
      now = api.traceCounters()?.values.upstream_rq_2xx ?? 0;
      if (now >= before + 3) break;
      await new Promise((res) => setTimeout(res, 250));
    }
    const gw = await api.ctx.live.gatewayPod();
    const envoySays =
      typeof gw === 'string'
        ? gw
        : JSON.stringify(
            await api.ctx
              .getCluster()
              .envoyAdmin(gw)
              .getJson('/stats?format=json&filter=simple\\.simple', { fresh: true })
              .catch((e: unknown) => String(e)),
          ).slice(0, 1500);
    assert.ok(
      now >= before + 3,
      `upstream_rq_2xx shown ${before} → ${now} after 3 requests; panel: ${JSON.stringify(api.traceCounters())}; Envoy: ${envoySays}`,
    );
  });

  test("entered by the NodePort: KUBE-NODEPORTS and the node's IP", async () => {
    prompts = new ScriptedPrompts();
    api.setPrompts(prompts);
    const r = await vscode.commands.executeCommand<TraceResult>('istioIngressLab.traceRequest', {
      host: 'simple.baihl.io',
      path: '/simple/nginx',
      method: 'GET',
      entry: 'nodePort',
    });
    assert.deepEqual(prompts.shown, [], 'the entry came with the arguments');
    const s = byId(r);
    // The node's InternalIP when the node reports one (the harness's node may report only a host name).
    const nodes = await api.ctx.getCluster().listNodes();
    const nodeIP = nodes.flatMap((n) => n.status?.addresses ?? []).find((a) => a.type === 'InternalIP')?.address;
    const svc = (await api.ctx.getCluster().getService('istio-system', 'istio-ingressgateway'))!;
    const nodePort = svc.spec.ports!.find((p) => p.port === 80)!.nodePort;
    assert.equal(s.entry!.value, `${nodeIP ?? '<node IP>'}:${nodePort}`);
    assert.match(
      s.iptables!.lines![0]!,
      new RegExp(
        String.raw`^-A KUBE-NODEPORTS -p tcp -m comment --comment "istio-system/istio-ingressgateway:\S+" -m tcp --dport ${nodePort} -j KUBE-EXT-`,
      ),
    );
    assert.equal(byId(r).cluster!.value, 'outbound|80||nginx.simple.svc.cluster.local');
    assert.equal(r.trace.outcome.status, 'forwarded');
  });
});
