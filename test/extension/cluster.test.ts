// The walkthrough against the lab's own cluster (test/harness: real API server, real Envoy as the gateway,
// real backends): every step's command as a user runs it, the lenses switching to live, clean-up.
// Runs when .cluster/kubeconfig answers (npm run cluster:up); skipped otherwise, failed with LAB_REQUIRE_CLUSTER=1.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { LabApi } from '../../src/extension';
import { connectLabCluster, EXTENSION_ID, ScriptedPrompts, withUntitledYaml } from './seam';

const LIVE_HTTPSERVER = 'live http.8080 › simple.baihl.io:80 › /simple/httpserver → /hello › simple:80';
const LIVE_NGINX = 'live http.8080 › simple.baihl.io:80 › /simple/nginx* → / › nginx:80';

const config = () => vscode.workspace.getConfiguration('istioIngressLab');
const repo = () => vscode.extensions.getExtension(EXTENSION_ID)!.extensionPath;

async function lensTitles(uri: vscode.Uri): Promise<string[]> {
  await vscode.workspace.openTextDocument(uri);
  const lenses =
    (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri, 100)) ?? [];
  return lenses.map((l) => l.command?.title ?? '');
}

async function lensTooltips(uri: vscode.Uri): Promise<string[]> {
  const lenses =
    (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri, 100)) ?? [];
  return lenses.map((l) => l.command?.tooltip ?? '');
}

suite('lab on the harness cluster', function () {
  let api: LabApi;
  let prompts: ScriptedPrompts;
  const specs = () => vscode.Uri.joinPath(vscode.workspace.workspaceFolders![0]!.uri, 'istio-specs.yaml');

  suiteSetup(async function () {
    api = await connectLabCluster(vscode, this);
  });
  setup(() => {
    prompts = new ScriptedPrompts();
    api.setPrompts(prompts);
  });
  suiteTeardown(async () => {
    for (const key of ['kubeconfig', 'ingress.probeAddresses', 'ingress.address', 'gateway.pod', 'sample.namespace']) {
      await config().update(key, undefined, vscode.ConfigurationTarget.Global);
      await config().update(key, undefined, vscode.ConfigurationTarget.Workspace);
    }
  });

  test('Check Cluster: reachable, Istio gateway Ready; the step is checked off', async () => {
    const report = await vscode.commands.executeCommand<{ ok: boolean; lines: { text: string }[] }>(
      'istioIngressLab.checkCluster',
    );
    assert.ok(report?.ok, JSON.stringify(report?.lines ?? prompts.shown));
    const text = report.lines.map((l) => l.text).join('\n');
    assert.match(text, /API server reachable \(Kubernetes v1\.\d+/);
    assert.match(text, /gateway pod Ready: istio-ingressgateway-/);
    assert.equal(api.ctx.steps.get('clusterReady'), true);
  });

  test("Deploy to a context that is not the lab's own names it, shows the dry run, and writes nothing unless confirmed", async () => {
    const lab = config().get<string>('kubeconfig')!;
    const other = join(mkdtempSync(join(tmpdir(), 'ilab-other-')), 'kubeconfig');
    writeFileSync(other, readFileSync(lab, 'utf8').replaceAll('kwok-istio-ingress-lab', 'team-staging'));
    const before = await api.ctx.getCluster().describeNamespaceContents('simple');
    await config().update('kubeconfig', other, vscode.ConfigurationTarget.Global);
    try {
      // The settings change reaches the extension as an event: wait until it reads the other context.
      for (
        const deadline = Date.now() + 10_000;
        api.ctx.getCluster().context().name !== 'team-staging' && Date.now() < deadline;
      )
        await new Promise((r) => setTimeout(r, 100));
      prompts.answer(undefined); // the modal dismissed
      const summary = await vscode.commands.executeCommand<string | undefined>('istioIngressLab.deploySample');
      assert.equal(summary, undefined);
      const modal = prompts.shown.find((p) => p.kind === 'warn' && p.modal);
      assert.ok(modal, JSON.stringify(prompts.shown));
      assert.match(
        modal.message,
        /^Deploy the sample to context "team-staging" \(https:\/\/127\.0\.0\.1:\d+\), namespace simple\? \d+ to create, \d+ to change, \d+ unchanged\.$/,
      );
      assert.match(modal.detail ?? '', /namespaces\/simple: (created|unchanged|changed)/);
      assert.match(modal.detail ?? '', /deployments\.apps\/simple -n simple: (created|unchanged|changed)/);
      assert.match(
        modal.detail ?? '',
        /virtualservices\.networking\.istio\.io\/simple -n simple: (created|unchanged|changed)/,
      );
      const after = await api.ctx.getCluster().describeNamespaceContents('simple');
      assert.deepEqual([after.exists, after.lines], [before.exists, before.lines], 'nothing written');
    } finally {
      await config().update('kubeconfig', lab, vscode.ConfigurationTarget.Global);
    }
  });

  test('Deploy Sample: server-side apply, Deployments available, the kubectl get listing', async () => {
    const summary = await vscode.commands.executeCommand<string>('istioIngressLab.deploySample');
    assert.ok(summary, JSON.stringify(prompts.shown));
    assert.match(summary, /deployments\.apps\/simple (created|configured|unchanged)/);
    assert.match(summary, /virtualservices\.networking\.istio\.io\/simple (created|configured|unchanged)/);
    assert.match(
      summary,
      /\$ kubectl get pod,svc,deployment,endpoints,virtualservices\.networking\.istio\.io,gateways\.networking\.istio\.io -n simple/,
    );
    assert.match(summary, /deployment\.apps\/nginx-deployment +1\/1/);
    assert.match(summary, /gateway\.networking\.istio\.io\/simple/);
    assert.equal(api.ctx.steps.get('deployed'), true);
    // The pods' IPs get real servers (the harness's stand-in for the container runtime).
    execFileSync('bash', [join(repo(), 'test/harness/backends.sh'), 'up', 'simple'], { cwd: repo(), stdio: 'ignore' });
  });

  test("after deploy the lenses read the gateway's Envoy: live routes and endpoints named by pod", async () => {
    await vscode.commands.executeCommand('istioIngressLab.refresh');
    const titles = await lensTitles(specs());
    assert.ok(titles.includes(LIVE_HTTPSERVER), titles.join('\n'));
    assert.ok(titles.includes(LIVE_NGINX), titles.join('\n'));
    // The lens counts the endpoints with their health; its tooltip names each one by pod.
    assert.equal(titles.filter((t) => t === '1 endpoint ✓').length, 2, titles.join('\n'));
    const tooltips = await lensTooltips(specs());
    assert.ok(
      tooltips.some((t) => /^10\.244\.\d+\.\d+:80 HEALTHY \(simple-[a-z0-9]+-[a-z0-9]+\)$/m.test(t)),
      tooltips.join('\n'),
    );
    assert.ok(
      tooltips.some((t) => /^10\.244\.\d+\.\d+:80 HEALTHY \(nginx-deployment-[a-z0-9]+-[a-z0-9]+\)$/m.test(t)),
      tooltips.join('\n'),
    );
  });

  test('a route of a Gateway that selects other pods is read from those pods, not the configured gateway', async () => {
    const content = [
      'apiVersion: networking.istio.io/v1beta1',
      'kind: Gateway',
      'metadata: {name: east, namespace: simple}',
      'spec:',
      '  selector: {istio: eastwestgateway}',
      '  servers:',
      '  - port: {number: 80, name: http, protocol: HTTP}',
      '    hosts: [east.example.com]',
      '---',
      'apiVersion: networking.istio.io/v1beta1',
      'kind: VirtualService',
      'metadata: {name: east, namespace: simple}',
      'spec:',
      '  gateways: [east]',
      '  hosts: [east.example.com]',
      '  http:',
      '  - route:',
      '    - destination: {host: nginx.simple.svc.cluster.local}',
      '',
    ].join('\n');
    await withUntitledYaml(vscode, content, async (doc) => {
      const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>(
        'vscode.executeCodeLensProvider',
        doc.uri,
        100,
      );
      const route = lenses.find((l) => l.command?.title.includes('east.example.com:80'));
      assert.ok(route, lenses.map((l) => l.command?.title).join('\n'));
      assert.match(route.command!.title, /^predicted /);
      assert.match(route.command!.tooltip ?? '', /no pod in istio-system or simple matches istio=eastwestgateway/);
    });
  });

  test("Find Ingress Address: none probed, so a port-forward to the gateway pod's 8080 is offered and used", async () => {
    prompts.answer('Port-forward');
    const address = await vscode.commands.executeCommand<string>('istioIngressLab.findIngressAddress');
    assert.match(address ?? '', /^127\.0\.0\.1:\d+$/, JSON.stringify(prompts.shown));
    assert.match(
      prompts.shown.find((s) => s.modal)!.message,
      /Port-forward 127\.0\.0\.1 to istio-ingressgateway-\S+:8080/,
    );
    const report = vscode.window.activeTextEditor!.document.getText();
    assert.match(report, /loadBalancer +10\.244\.255\.253/);
    assert.match(report, /port-forward +127\.0\.0\.1:\d+/);
    assert.equal(api.ctx.steps.get('addressFound'), true);
  });

  test("Send Requests: both of the article's requests answer through Envoy, with the command to copy", async () => {
    const text = await vscode.commands.executeCommand<string>('istioIngressLab.sendRequests');
    assert.ok(text, JSON.stringify(prompts.shown));
    assert.match(text, /\$ curl -H "Host: simple\.baihl\.io" http:\/\/127\.0\.0\.1:\d+\/simple\/httpserver\nHTTP 200/);
    assert.match(text, /\$ curl -H "Host: simple\.baihl\.io" http:\/\/127\.0\.0\.1:\d+\/simple\/nginx\nHTTP 200/);
    assert.match(text, /Welcome to nginx!/);
    assert.equal(api.ctx.steps.get('requestsSent'), true);
  });

  test('without curl the built-in client sends the same requests, and the curl command is still shown', async () => {
    await config().update('tools.curlPath', join(tmpdir(), 'ilab-no-curl', 'curl'), vscode.ConfigurationTarget.Global);
    try {
      const text = await vscode.commands.executeCommand<string>('istioIngressLab.sendRequests');
      assert.match(
        text,
        /\$ curl -H "Host: simple\.baihl\.io" http:\/\/127\.0\.0\.1:\d+\/simple\/nginx\nHTTP 200 OK +\(\d+ ms, via built-in http client\)/,
      );
    } finally {
      await config().update('tools.curlPath', undefined, vscode.ConfigurationTarget.Global);
    }
  });

  test("the lens's send request sends what its match selects", async () => {
    const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>(
      'vscode.executeCodeLensProvider',
      specs(),
      100,
    );
    const send = lenses.filter((l) => l.command?.command === 'istioIngressLab.sendRequestForMatch');
    assert.equal(send.length, 2);
    const text = await vscode.commands.executeCommand<string>(
      send[1]!.command!.command,
      ...(send[1]!.command!.arguments ?? []),
    );
    assert.match(text, /\/simple\/nginx\nHTTP 200/);
    // and the gateway's own access log line of that request, read through the API server, explained
    assert.match(
      text,
      /# the gateway's access log \(istio-system\/istio-ingressgateway-\S+\):\n\[[^\]]+\] "GET \/simple\/nginx HTTP\/1\.1" 200 .*\n# ok: 200: routed/,
    );
  });

  test("Inspect Envoy: listener 8080, route http.8080 and both clusters' endpoints in istioctl's format", async () => {
    const text = await vscode.commands.executeCommand<string>('istioIngressLab.inspectEnvoy');
    assert.ok(text, JSON.stringify(prompts.shown));
    // The harness binds the listener 0.0.0.0_8080 to another host port, so the table may be the unfiltered one.
    assert.match(
      text,
      /proxy-config listeners istio-ingressgateway-\S+ -n istio-system.*\nADDRESSES +PORT +MATCH +DESTINATION\n(.*\n)*.* +ALL +Route: http\.8080\n/,
    );
    assert.match(text, /http\.8080 +simple\.baihl\.io:80 +simple\.baihl\.io +\/simple\/httpserver +simple\.simple/);
    assert.match(
      text,
      /ENDPOINT +STATUS +OUTLIER CHECK +CLUSTER\n10\.244\.\d+\.\d+:80 +HEALTHY +OK +outbound\|80\|\|nginx\.simple\.svc\.cluster\.local/,
    );
    assert.ok(!text.includes('nothing bound to port 8080'), 'Envoy listens on 8080 in the gateway pod');
    // the article's 5.2 and 5.3, read in the lab's node and gateway pod namespaces
    assert.match(
      text,
      /# 5\.2 kube-proxy's rules for istio-system\/istio-ingressgateway in the node.*\n\$ ip netns exec lab-node iptables-save -t nat -c \| grep istio-system\/istio-ingressgateway\n/,
    );
    assert.match(
      text,
      /\[\d+:\d+\] -A KUBE-SEP-\w+ -p tcp -m comment --comment "istio-system\/istio-ingressgateway:http2" -m tcp -j DNAT --to-destination 10\.244\.0\.\d+:8080/,
    );
    assert.match(
      text,
      /# 5\.3 the gateway pod's listening sockets.*\n\$ ip netns exec lab-\w+ ss -ltnp\n(.*\n)*LISTEN .* 0\.0\.0\.0:8080 .*"envoy"/,
    );
    assert.equal(api.ctx.steps.get('envoyInspected'), true);
  });

  test("with the real istioctl, Inspect Envoy runs the article's proxy-config commands: listener 8080, route http.8080, endpoints", async function () {
    // istioctl as built by setup from the pinned istio.io/istio (test/harness/istio-build).
    const dir = execFileSync('bash', [join(repo(), 'test/harness/istio-build/build.sh'), '--print-dir'], {
      encoding: 'utf8',
    }).trim();
    const istioctl = join(dir, 'istioctl');
    if (!existsSync(istioctl)) {
      if (process.env.LAB_REQUIRE_CLUSTER === '1') throw new Error(`no ${istioctl}; run npm run setup`);
      this.skip();
    }
    await config().update('tools.istioctlPath', istioctl, vscode.ConfigurationTarget.Global);
    try {
      const text = await vscode.commands.executeCommand<string>('istioIngressLab.inspectEnvoy');
      assert.ok(text, JSON.stringify(prompts.shown));
      assert.ok(!text.includes('✗'), text);
      assert.match(
        text,
        /\$ istioctl proxy-config listeners istio-ingressgateway-\S+ -n istio-system --kubeconfig \S+ --port 8080\nADDRESSES +PORT +MATCH +DESTINATION\n0\.0\.0\.0 +8080 +ALL +Route: http\.8080/,
      );
      assert.match(
        text,
        /\$ istioctl proxy-config routes \S+ -n istio-system --kubeconfig \S+ --name http\.8080\n(.*\n)*http\.8080 +simple\.baihl\.io:80 +simple\.baihl\.io +\/simple\/httpserver\*? +simple\.simple/,
      );
      assert.match(
        text,
        /\$ istioctl proxy-config endpoints \S+ -n istio-system --kubeconfig \S+ --cluster 'outbound\|80\|\|nginx\.simple\.svc\.cluster\.local'\nENDPOINT +STATUS +OUTLIER CHECK +CLUSTER\n10\.244\.\d+\.\d+:80 +HEALTHY +OK +outbound\|80\|\|nginx\.simple\.svc\.cluster\.local/,
      );
    } finally {
      await config().update('tools.istioctlPath', undefined, vscode.ConfigurationTarget.Global);
    }
  });

  test("with a broken istioctl, Inspect Envoy shows each command's failure", async () => {
    // A hand-written STAND-IN for a broken istioctl: prints an error and exits 1.
    const dir = mkdtempSync(join(tmpdir(), 'ilab-broken-istioctl-'));
    const broken = join(dir, 'istioctl');
    writeFileSync(broken, '#!/bin/sh\necho "Error: simulated istioctl failure" >&2\nexit 1\n', { mode: 0o755 });
    await config().update('tools.istioctlPath', broken, vscode.ConfigurationTarget.Global);
    try {
      const text = await vscode.commands.executeCommand<string>('istioIngressLab.inspectEnvoy');
      assert.ok(text, JSON.stringify(prompts.shown));
      assert.match(
        text,
        /\$ istioctl proxy-config listeners \S+ -n istio-system --kubeconfig \S+ --port 8080\n✗ .*Error: simulated istioctl failure/,
      );
    } finally {
      await config().update('tools.istioctlPath', undefined, vscode.ConfigurationTarget.Global);
    }
  });

  test("Open Config Dump and the lens's Show Route open the gateway's own JSON", async () => {
    const dump = await vscode.commands.executeCommand<vscode.TextDocument>('istioIngressLab.openConfigDump');
    assert.equal(dump.languageId, 'json');
    assert.match(dump.getText(), /envoy\.admin\.v3\.RoutesConfigDump/);
    const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>(
      'vscode.executeCodeLensProvider',
      specs(),
      100,
    );
    const route = lenses.find((l) => l.command?.title === LIVE_HTTPSERVER)!;
    const shown = await vscode.commands.executeCommand<vscode.TextDocument>(
      route.command!.command,
      ...(route.command!.arguments ?? []),
    );
    const text = shown.getText();
    assert.match(text, /# live from istio-system\/istio-ingressgateway-/);
    assert.match(text, /"prefixRewrite": "\/hello"/);
    assert.match(text, /ENDPOINTS\n10\.244\.\d+\.\d+:80 HEALTHY \(simple-/);
  });

  test('Choose Gateway Pod stores the pick in the workspace settings', async () => {
    const pod = await api.ctx.live.gatewayPod();
    assert.ok(typeof pod !== 'string', typeof pod === 'string' ? pod : '');
    const name = pod.name;
    prompts.answer(name);
    assert.equal(await vscode.commands.executeCommand('istioIngressLab.chooseGatewayPod'), name);
    assert.equal(config().get('gateway.pod'), name);
  });

  test('Clean Up lists what goes, asks, deletes the namespace (its own namespace, not the shared sample)', async () => {
    await config().update('sample.namespace', 'ilab-ext-cleanup', vscode.ConfigurationTarget.Global);
    const folder = vscode.Uri.file(mkdtempSync(join(tmpdir(), 'ilab-cleanup-')));
    await vscode.commands.executeCommand('istioIngressLab.scaffoldSample', folder);
    assert.match(readFileSync(join(folder.fsPath, 'simple.yaml'), 'utf8'), /namespace: ilab-ext-cleanup/);
    assert.ok(
      await vscode.commands.executeCommand('istioIngressLab.deploySample', folder),
      JSON.stringify(prompts.shown),
    );

    prompts.shown.length = 0;
    prompts.answer(undefined); // first time: the user closes the dialog
    assert.equal(await vscode.commands.executeCommand('istioIngressLab.cleanUp'), undefined);
    const asked = prompts.shown.find((s) => s.modal)!;
    assert.match(asked.message, /Delete namespace "ilab-ext-cleanup" and the \d+ objects in it\?/);
    assert.match(asked.detail ?? '', /deployments\.apps\/nginx-deployment/);
    assert.match(asked.detail ?? '', /virtualservices\.networking\.istio\.io\/simple/);

    prompts.answer('Delete');
    const deleted = await vscode.commands.executeCommand<string[]>('istioIngressLab.cleanUp');
    assert.ok(deleted?.includes('namespaces/ilab-ext-cleanup'), JSON.stringify(prompts.shown));
    const contents = await api.ctx.getCluster().describeNamespaceContents('ilab-ext-cleanup');
    assert.equal(contents.exists, false);
    assert.equal(api.ctx.steps.get('cleanedUp'), true);
  });
});
