// The Gateway API's lenses live on the lab's own cluster: the real istiod deploys `simple-gateway-istio`
// for the Gateway in samples/gateway-api.yaml, and each HTTPRoute rule's lens reads that gateway's own
// Envoy (the pod labelled gateway.networking.k8s.io/gateway-name), not the istio-ingressgateway.
// Runs when .cluster/kubeconfig answers (npm run cluster:up); skipped otherwise, failed with LAB_REQUIRE_CLUSTER=1.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { RequestRecord } from '../../src/lab/requestLog';
import type { TraceResult } from '../../src/editor/traceCommand';
import type { LabApi } from '../../src/extension';
import { connectLabCluster, EXTENSION_ID, ScriptedPrompts, withUntitledYaml } from './seam';

const NS = 'gwapi-ext';
const HOST = 'simple.baihl.io';
const repo = () => vscode.extensions.getExtension(EXTENSION_ID)!.extensionPath;

function harnessVar(name: string): string {
  return execFileSync(
    'bash',
    ['-c', `source "$1" && echo "$${name}"`, 'bash', join(repo(), 'test/harness/versions.sh')],
    {
      encoding: 'utf8',
    },
  ).trim();
}

const sample = (file: string) =>
  readFileSync(join(repo(), 'samples', file), 'utf8')
    .replaceAll('{{namespace}}', NS)
    .replaceAll('{{host}}', HOST);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

suite('the Gateway API, live on the harness cluster', function () {
  this.timeout(180_000);
  let kubectl: (...args: string[]) => string;
  let api: LabApi;
  /** The IPs of the pods istiod deployed for the Gateway (one here), space-separated. */
  const gatewayPodIPs = () =>
    kubectl(
      '-n',
      NS,
      'get',
      'pods',
      '-l',
      'gateway.networking.k8s.io/gateway-name=simple-gateway',
      '-o',
      'jsonpath={.items[*].status.podIP}',
    );
  /** A field of the Gateway as istiod wrote it, by kubectl's JSONPath. */
  const gatewayField = (jsonpath: string) =>
    kubectl('-n', NS, 'get', 'gateways.gateway.networking.k8s.io', 'simple-gateway', '-o', `jsonpath=${jsonpath}`);

  suiteSetup(async function () {
    api = await connectLabCluster(vscode, this);
    const bin = join(harnessVar('K8S_BIN'), 'kubectl');
    const kubeconfig = join(repo(), '.cluster', 'kubeconfig');
    kubectl = (...args: string[]) =>
      execFileSync(bin, ['--kubeconfig', kubeconfig, ...args], { encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
    execFileSync(bin, ['--kubeconfig', kubeconfig, 'create', 'namespace', NS], { stdio: 'ignore' });
    execFileSync(bin, ['--kubeconfig', kubeconfig, 'apply', '--server-side', '-f', '-'], {
      input: ['simple.yaml', 'nginx.yaml', 'gateway-api.yaml'].map(sample).join('\n---\n'),
      stdio: ['pipe', 'ignore', 'pipe'],
    });
    // istiod deploys the gateway; the harness starts its Envoy and the backends; istiod writes the address.
    for (let i = 0; ; i++) {
      const programmed = gatewayField('{.status.conditions[?(@.type=="Programmed")].status}');
      const ready = gatewayPodIPs();
      if (programmed === 'True' && ready) break;
      if (i > 240)
        throw new Error(`the Gateway is not Programmed with a pod after 60 s (${programmed}, pods ${ready})`);
      await sleep(250);
    }
    execFileSync('bash', [join(repo(), 'test/harness/backends.sh'), 'up', NS], { cwd: repo(), stdio: 'ignore' });
  });
  suiteTeardown(async () => {
    kubectl?.('delete', 'namespace', NS, '--wait=false');
    const config = vscode.workspace.getConfiguration('istioIngressLab');
    for (const key of ['kubeconfig', 'ingress.probeAddresses']) {
      await config.update(key, undefined, vscode.ConfigurationTarget.Global);
    }
  });

  test("each HTTPRoute rule's lens is live from the deployed gateway's Envoy (http.80), with its endpoint pods", async () => {
    await withUntitledYaml(vscode, sample('gateway-api.yaml'), async (doc) => {
      // A lens sits on the first line of its matches[] entry (`- path:`).
      const lines = doc.getText().split('\n');
      const entry = (value: string) => lines.findIndex((l) => l.includes(`value: ${value}`)) - 2;
      let lenses: vscode.CodeLens[] = [];
      // The first read finds the pod and its Envoy through a port-forward; istiod may still be pushing.
      for (let i = 0; i < 40; i++) {
        await vscode.commands.executeCommand('istioIngressLab.refresh');
        lenses =
          (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', doc.uri, 100)) ??
          [];
        if (lenses.filter((l) => l.command?.title.startsWith('live ')).length >= 2) break;
        await sleep(500);
      }
      const routes = lenses
        .filter((l) => /^(live|predicted) /.test(l.command?.title ?? ''))
        .map((l) => ({ line: l.range.start.line, title: l.command!.title }));
      assert.deepEqual(routes, [
        {
          line: entry('/simple/httpserver'),
          title: `live http.80 › ${HOST}:80 › /simple/httpserver → /hello › simple:80`,
        },
        { line: entry('/simple/nginx'), title: `live http.80 › ${HOST}:80 › /simple/nginx/* → / › nginx:80` },
      ]);
      const tooltips = lenses.map((l) => l.command?.tooltip ?? '').join('\n---\n');
      assert.match(tooltips, new RegExp(`^10\\.244\\.\\d+\\.\\d+:80 HEALTHY \\(simple-[a-z0-9]+-[a-z0-9]+\\)$`, 'm'));
      assert.match(tooltips, /^10\.244\.\d+\.\d+:80 HEALTHY \(nginx-deployment-[a-z0-9]+-[a-z0-9]+\)$/m);
      assert.match(tooltips, /simple-gateway-istio-[a-z0-9]+-[a-z0-9]+/, 'the tooltip names the deployed gateway pod');
    });
  });

  test("the Requests view follows the deployed gateway's pod too, and explains its lines by that gateway's own routes", async () => {
    const address = gatewayField('{.status.addresses[0].value}');
    api.ctx.requests.start();
    const curl = (p: string) =>
      execFileSync(
        'curl',
        ['-s', '-o', '/dev/null', '-w', '%{http_code}', '-H', `Host: ${HOST}`, `http://${address}${p}`],
        {
          encoding: 'utf8',
        },
      );
    let found: { ok?: RequestRecord; missing?: RequestRecord } = {};
    for (let i = 0; i < 60 && !(found.ok && found.missing); i++) {
      // Sent again until logged: the view lists the pods every few seconds and reads back 5 minutes.
      if (i % 10 === 0) assert.deepEqual([curl('/simple/httpserver'), curl('/elsewhere')], ['200', '404']);
      await sleep(500);
      const mine = api.ctx.requests.log.newestFirst().filter((r) => r.pod.startsWith(`${NS}/simple-gateway-istio-`));
      found = {
        ok: mine.find((r) => r.entry.path === '/simple/httpserver'),
        missing: mine.find((r) => r.entry.path === '/elsewhere'),
      };
    }
    assert.ok(found.ok && found.missing, JSON.stringify(api.ctx.requests.state));
    assert.equal(found.ok.explanation.cause, 'ok');
    assert.equal(found.ok.explanation.routeConfig, 'http.80');
    assert.equal(found.ok.explanation.cluster, `outbound|80||simple.${NS}.svc.cluster.local`);
    // The 404 is explained against http.80 of this gateway, not the ingress gateway's http.8080.
    assert.equal(found.missing.explanation.cause, 'no-route', found.missing.explanation.explanation);
    assert.equal(found.missing.explanation.routeConfig, 'http.80');
    api.ctx.requests.stop();
  });

  test("an HTTPRoute rule's trace lens follows the request live: the Gateway's address, kube-proxy's chains, the deployed gateway's Envoy, the endpoint pod", async () => {
    const address = gatewayField('{.status.addresses[0].value}');
    const uri = vscode.Uri.joinPath(vscode.workspace.workspaceFolders![0]!.uri, `${NS}-gateway-api.yaml`);
    await vscode.workspace.fs.writeFile(uri, Buffer.from(sample('gateway-api.yaml')));
    try {
      const doc = await vscode.workspace.openTextDocument(uri);
      const line =
        doc
          .getText()
          .split('\n')
          .findIndex((l) => l.includes('value: /simple/httpserver')) - 1; // the action lenses sit on the match's second line
      let trace: vscode.CodeLens | undefined;
      for (const deadline = Date.now() + 15_000; !trace && Date.now() < deadline; await sleep(200)) {
        const lenses =
          (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri, 100)) ?? [];
        trace = lenses.find(
          (l) => l.command?.command === 'istioIngressLab.traceRequest' && l.range.start.line === line,
        );
      }
      assert.ok(trace, 'a trace lens on the /simple/httpserver rule');
      const prompts = new ScriptedPrompts();
      prompts.answer(`LoadBalancer ${address}:80`);
      api.setPrompts(prompts);
      const r = await vscode.commands.executeCommand<TraceResult>(
        trace.command!.command,
        ...(trace.command!.arguments ?? []),
      );
      assert.ok(r, JSON.stringify(prompts.shown));
      const s = Object.fromEntries(r.trace.steps.map((x) => [x.id, x]));
      assert.equal(r.trace.mode, 'live', r.note);
      assert.match(r.note ?? '', new RegExp(`^Live from ${NS}/simple-gateway-istio-`));
      assert.equal(s.entry!.value, `${address}:80`);
      assert.match(s.service!.value, new RegExp(`^${NS}/simple-gateway-istio \\S+ 80 → 80$`));
      const pod = gatewayPodIPs();
      const dnat = s.iptables!.lines!.find((l) => l.includes('DNAT'));
      assert.ok(dnat?.endsWith(`--to-destination ${pod}:80`), `${dnat} vs pod ${pod}`);
      assert.equal(s.routeConfig!.value, 'http.80');
      assert.equal(s.route!.source, 'live');
      assert.equal(s.rewrite!.value, '/hello');
      assert.match(s.endpoint!.details.join('\n'), /HEALTHY \(pod simple-[a-z0-9]+-[a-z0-9]+\)/);
      assert.match(r.trace.outcome.summary, /^forwarded to 10\.244\.\d+\.\d+:80 as GET \/hello$/);
    } finally {
      await vscode.workspace.fs.delete(uri);
    }
  });

  test("an HTTPRoute rule's send lens sends to its own Gateway's address, not the ingress gateway's", async () => {
    const address = gatewayField('{.status.addresses[0].value}');
    const config = vscode.workspace.getConfiguration('istioIngressLab');
    // The Gateway's own address is tried first and answers, so nothing else is probed.
    await config.update('ingress.probeAddresses', true, vscode.ConfigurationTarget.Global);
    const prompts = new ScriptedPrompts();
    api.setPrompts(prompts);
    await withUntitledYaml(vscode, sample('gateway-api.yaml'), async (doc) => {
      let send: vscode.CodeLens | undefined;
      for (const deadline = Date.now() + 15_000; !send && Date.now() < deadline; await sleep(200)) {
        const lenses =
          (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', doc.uri, 100)) ??
          [];
        send = lenses
          .filter((l) => l.command?.command === 'istioIngressLab.sendRequestForMatch')
          .sort((a, b) => a.range.start.line - b.range.start.line)[0];
      }
      assert.ok(send, 'a send lens on the first rule');
      const shown = await vscode.commands.executeCommand<string>(
        send.command!.command,
        ...(send.command!.arguments ?? []),
      );
      assert.ok(shown, JSON.stringify(prompts.shown));
      assert.ok(shown.includes(`http://${address}/simple/httpserver`), shown);
      assert.match(shown, /hello \[stranger\]/);
      assert.ok(!shown.includes('10.244.255.253'), 'not the ingress gateway');
    });
  });
});
