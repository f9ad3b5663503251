// Runs the analyzers on YAML texts (read through readResources, so ranges are real) and applies quick fixes
// to the texts, as the editor would.
import assert from 'node:assert/strict';
import {
  analyze,
  applyTextEdits,
  type AnalyzeOptions,
  type Diagnostic,
  type QuickFix,
} from '../../../src/istio/analyze';
import { mergeResourceSets, readResources } from '../../../src/istio/yamlModel';
import type { ResourceSet } from '../../../src/istio/model';

export type Files = Record<string, string>;

export function readTexts(files: Files, defaultNamespace = 'default'): ResourceSet {
  const read = Object.entries(files).map(([file, text]) => readResources(text, file, { defaultNamespace }));
  const problems = read.flatMap((r) => r.problems);
  assert.deepEqual(problems, [], 'test YAML must parse');
  return mergeResourceSets(...read.map((r) => r.resources));
}

export function analyzeTexts(
  files: Files,
  options: Omit<AnalyzeOptions, 'sourceText'> & { defaultNamespace?: string } = {},
): Diagnostic[] {
  const { defaultNamespace, ...rest } = options;
  return analyze(readTexts(files, defaultNamespace), { ...rest, sourceText: (f) => files[f] });
}

export function applyFix(files: Files, fix: QuickFix): Files {
  const out = { ...files };
  const byFile = new Map<string, QuickFix['edits']>();
  for (const e of fix.edits) byFile.set(e.file, [...(byFile.get(e.file) ?? []), e]);
  for (const [file, edits] of byFile) out[file] = applyTextEdits(out[file]!, edits);
  return out;
}

/** 0-based line of the first line containing `needle` (after line `from`). */
export function lineOf(text: string, needle: string, from = 0): number {
  const i = text.split('\n').findIndex((l, n) => n >= from && l.includes(needle));
  assert.ok(i >= 0, `no line contains ${needle}`);
  return i;
}

export const codes = (ds: Diagnostic[]) => ds.map((d) => d.code);

export function only(ds: Diagnostic[], code: string): Diagnostic {
  const hits = ds.filter((d) => d.code === code);
  assert.equal(hits.length, 1, `expected one ${code}, got ${JSON.stringify(ds.map((d) => `${d.code} ${d.message}`))}`);
  return hits[0]!;
}

export function fixTitled(d: Diagnostic, title: string | RegExp): QuickFix {
  const f = d.fixes?.find((x) => (typeof title === 'string' ? x.title === title : title.test(x.title)));
  assert.ok(f, `no fix ${title} among ${JSON.stringify(d.fixes?.map((x) => x.title))}`);
  return f;
}

/** Istio's default ingress gateway as its Helm chart installs it: Deployment + Service in istio-system. */
export function ingressGatewayWorkload(
  ports = '  - {name: status-port, port: 15021, targetPort: 15021, protocol: TCP}\n  - {name: http2, port: 80, targetPort: 8080, protocol: TCP}\n  - {name: https, port: 443, targetPort: 8443, protocol: TCP}\n',
): string {
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: istio-ingressgateway
  namespace: istio-system
spec:
  selector:
    matchLabels: {app: istio-ingressgateway, istio: ingressgateway}
  template:
    metadata:
      labels:
        app: istio-ingressgateway
        istio: ingressgateway
    spec:
      containers:
      - name: istio-proxy
        image: docker.io/istio/proxyv2:1.24.0
---
apiVersion: v1
kind: Service
metadata:
  name: istio-ingressgateway
  namespace: istio-system
spec:
  type: LoadBalancer
  selector:
    app: istio-ingressgateway
    istio: ingressgateway
  ports:
${ports}`;
}
