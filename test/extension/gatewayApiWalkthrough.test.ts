// The Gateway API walkthrough against the lab's own cluster: every step's command as its walkthrough link
// runs it (with the argument "gatewayApi"), each step checked off from the cluster's state: the real
// istiod deploys simple-gateway-istio for the scaffolded Gateway, programs it and writes its address, the
// two curls answer through it, istioctl reads its Envoy, and Clean Up deletes it all.
// Its own namespace (the article's `simple` is shared with other suites), scaffolded into a folder of the
// workspace so the lenses and Inspect Envoy's prediction see the files. Runs when .cluster/kubeconfig
// answers (npm run cluster:up); skipped otherwise, failed with LAB_REQUIRE_CLUSTER=1.
import * as assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import * as vscode from 'vscode';
import type { LabApi } from '../../src/extension';
import { connectLabCluster, ScriptedPrompts } from './seam';

const NS = 'gwapi-walk';
const HOST = 'simple.baihl.io';
const API = 'gatewayApi';
const config = () => vscode.workspace.getConfiguration('istioIngressLab');
const run = <T>(command: string, ...args: unknown[]) =>
  vscode.commands.executeCommand<T>(`istioIngressLab.${command}`, ...args);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

suite('the Gateway API walkthrough on the harness cluster', function () {
  this.timeout(180_000);
  let api: LabApi;
  let prompts: ScriptedPrompts;
  let folder: vscode.Uri;
  let address = '';
  const steps = () => api.ctx.stepsByVariant.gatewayApi;

  suiteSetup(async function () {
    api = await connectLabCluster(vscode, this);
    await config().update('sample.namespace', NS, vscode.ConfigurationTarget.Global);
    // The Gateway's own address is the one this walkthrough is about: probe (best first, stop at the first answer).
    await config().update('ingress.probeAddresses', true, vscode.ConfigurationTarget.Global);
    folder = vscode.Uri.joinPath(vscode.workspace.workspaceFolders![0]!.uri, NS);
  });
  setup(() => {
    prompts = new ScriptedPrompts();
    api.setPrompts(prompts);
  });
  suiteTeardown(async () => {
    rmSync(folder.fsPath, { recursive: true, force: true });
    for (const key of ['kubeconfig', 'ingress.probeAddresses', 'sample.namespace'])
      await config().update(key, undefined, vscode.ConfigurationTarget.Global);
  });

  test('Check Cluster: the Gateway API served and GatewayClass istio accepted; only this walkthrough is checked off', async () => {
    const before = api.ctx.steps.get('clusterReady');
    const report = await run<{ ok: boolean; lines: { text: string }[] }>('checkCluster', API);
    assert.ok(report?.ok, JSON.stringify(report?.lines ?? prompts.shown));
    const text = report.lines.map((l) => l.text).join('\n');
    assert.match(text, /the Gateway API is served \(gateway\.networking\.k8s\.io/);
    assert.match(text, /GatewayClass istio accepted by istio\.io\/gateway-controller/);
    assert.equal(steps().get('clusterReady'), true);
    assert.equal(api.ctx.steps.get('clusterReady'), before, "the article's walkthrough is not touched");
  });

  test('Scaffold: simple.yaml, nginx.yaml and gateway-api.yaml, gateway-api.yaml opened', async () => {
    const outcome = await run<{ written: string[] }>('scaffoldSample', API, folder);
    assert.deepEqual(
      outcome?.written,
      ['simple.yaml', 'nginx.yaml', 'gateway-api.yaml'],
      JSON.stringify(prompts.shown),
    );
    const shown = vscode.window.activeTextEditor?.document;
    assert.equal(shown?.uri.fsPath, vscode.Uri.joinPath(folder, 'gateway-api.yaml').fsPath);
    assert.match(shown.getText(), new RegExp(`kind: HTTPRoute\\nmetadata:\\n  name: simple\\n  namespace: ${NS}`));
    assert.equal(steps().get('scaffolded'), true);
  });

  test('Deploy: server-side apply, the apps and the gateway istiod deployed available, the kubectl get listing', async () => {
    const summary = await run<string>('deploySample', API, folder);
    assert.ok(summary, JSON.stringify(prompts.shown));
    assert.match(summary, /gateways\.gateway\.networking\.k8s\.io\/simple-gateway (created|configured|unchanged)/);
    assert.match(summary, /httproutes\.gateway\.networking\.k8s\.io\/simple (created|configured|unchanged)/);
    assert.match(
      summary,
      new RegExp(
        `\\$ kubectl get pod,svc,deployment,endpoints,gateways\\.gateway\\.networking\\.k8s\\.io,httproutes\\.gateway\\.networking\\.k8s\\.io -n ${NS}`,
      ),
    );
    // istiod's deployment controller made it; Deploy waited for it like for the apps.
    assert.match(summary, /deployment\.apps\/simple-gateway-istio +1\/1/);
    assert.match(summary, /service\/simple-gateway-istio +LoadBalancer/);
    assert.match(summary, /httproute\.gateway\.networking\.k8s\.io\/simple +\["simple\.baihl\.io"\]/);
    assert.equal(steps().get('deployed'), true);
  });

  test('the status lens on the Gateway and the HTTPRoute shows what istiod wrote: Programmed with the address, Accepted and ResolvedRefs', async () => {
    const uri = vscode.Uri.joinPath(folder, 'gateway-api.yaml');
    const doc = await vscode.workspace.openTextDocument(uri);
    const lines = doc.getText().split('\n');
    let status: vscode.CodeLens[] = [];
    for (let i = 0; i < 60; i++) {
      await run('refresh');
      const lenses =
        (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri, 100)) ?? [];
      status = lenses.filter((l) => l.command?.title.startsWith('istiod: '));
      // (istiod writes the route's attachment a moment later: until then its status differs from the prediction)
      if (status.length === 2 && status.every((l) => !/\?|no address|no status|differs/.test(l.command!.title))) break;
      await sleep(500);
    }
    const on = (kind: string) => status.find((l) => lines[l.range.start.line] === `kind: ${kind}`)?.command;
    const gw = on('Gateway');
    const route = on('HTTPRoute');
    const shown = JSON.stringify(status.map((l) => l.command?.title));
    assert.match(gw?.title ?? shown, /^istiod: Accepted ✓ · Programmed ✓ · 10\.244\.254\.\d+$/);
    assert.match(gw!.tooltip ?? '', /listener http: 1 attached route/);
    assert.equal(route?.title, 'istiod: Accepted ✓ · ResolvedRefs ✓ (simple-gateway)', shown);
    assert.match(route.tooltip ?? '', /^ {2}Accepted=True Accepted/m);
    // A click shows the whole status, read afresh.
    const result = await vscode.commands.executeCommand<vscode.TextDocument>(gw!.command, ...(gw!.arguments ?? []));
    assert.match(
      result.getText(),
      new RegExp(`^# Gateway ${NS}/simple-gateway, generation 1: the status istiod wrote`),
    );
    assert.match(result.getText(), /^# istiod: Accepted ✓ · Programmed ✓ · 10\.244\.254\.\d+$/m);
    assert.match(result.getText(), /"type": "Programmed"/);
  });

  test("Find Ingress Address: waits for Programmed, takes the address istiod wrote into the Gateway's status", async () => {
    address = (await run<string>('findIngressAddress', API)) ?? '';
    assert.match(address, /^10\.244\.254\.\d+$/, JSON.stringify(prompts.shown));
    const report = vscode.window.activeTextEditor!.document.getText();
    assert.match(
      report,
      new RegExp(`^Gateway ${NS}/simple-gateway: Accepted ✓ · Programmed ✓ · ${address.replaceAll('.', '\\.')}$`, 'm'),
    );
    assert.match(report, new RegExp(`Deployed by istiod: Service ${NS}/simple-gateway-istio \\(type LoadBalancer\\)`));
    assert.match(report, /gatewayStatus +10\.244\.254\.\d+ +\[answers from here\]/);
    assert.match(report, /listener 0\.0\.0\.0_80/);
    assert.equal(prompts.shown.filter((s) => s.modal).length, 0, 'no port-forward offered: the address answers');
    assert.equal(steps().get('addressFound'), true);
  });

  test("Send Requests: both curls answer through the Gateway's address, httpserver's hello and nginx's welcome page", async () => {
    const text = await run<string>('sendRequests', API);
    assert.ok(text, JSON.stringify(prompts.shown));
    const at = address.replaceAll('.', '\\.');
    assert.match(text, new RegExp(`\\$ curl -H "Host: ${HOST}" http://${at}/simple/httpserver\\nHTTP 200`));
    assert.match(text, /hello \[stranger\]/);
    assert.match(text, new RegExp(`\\$ curl -H "Host: ${HOST}" http://${at}/simple/nginx\\nHTTP 200`));
    assert.match(text, /Welcome to nginx!/);
    assert.equal(steps().get('requestsSent'), true);
  });

  test("Inspect Envoy: the deployed gateway's listener 80, route http.80 and endpoints, by istioctl or built in", async () => {
    const text = await run<string>('inspectEnvoy', API);
    assert.ok(text, JSON.stringify(prompts.shown));
    const target = /^# built in/m.test(text)
      ? `simple-gateway-istio-\\S+ -n ${NS}`
      : `deploy/simple-gateway-istio -n ${NS}`;
    assert.match(text, new RegExp(`proxy-config routes ${target}.* --name http\\.80\\n`));
    assert.match(text, /http\.80 +simple\.baihl\.io:80 +simple\.baihl\.io +\/simple\/httpserver /);
    assert.match(text, /Route: http\.80/);
    assert.match(
      text,
      new RegExp(`10\\.244\\.\\d+\\.\\d+:80 +HEALTHY +OK +outbound\\|80\\|\\|nginx\\.${NS}\\.svc\\.cluster\\.local`),
    );
    assert.equal(steps().get('envoyInspected'), true);
  });

  test('Clean Up: lists the Gateway, the HTTPRoute and the gateway istiod deployed, asks, deletes the namespace', async () => {
    prompts.answer('Delete');
    const deleted = await run<string[]>('cleanUp', API);
    assert.ok(deleted?.includes(`namespaces/${NS}`), JSON.stringify(prompts.shown));
    const asked = prompts.shown.find((s) => s.modal)!;
    assert.match(asked.message, new RegExp(`Delete namespace "${NS}" and the \\d+ objects in it\\?`));
    assert.match(asked.detail ?? '', /gateways\.gateway\.networking\.k8s\.io\/simple-gateway/);
    assert.match(asked.detail ?? '', /httproutes\.gateway\.networking\.k8s\.io\/simple/);
    assert.match(asked.detail ?? '', /deployments\.apps\/simple-gateway-istio/);
    assert.equal((await api.ctx.getCluster().describeNamespaceContents(NS)).exists, false);
    assert.equal(steps().get('cleanedUp'), true);
    assert.equal(steps().get('deployed'), false);
  });
});
