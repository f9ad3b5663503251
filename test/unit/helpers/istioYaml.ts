// Small builders for the YAML the translation tests feed the engine. They write real YAML text and
// read it back through readResources, so every test also exercises the parser and its ranges.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { mergeResourceSets, readResources } from '../../../src/istio/yamlModel';
import { predict, type PredictOptions } from '../../../src/istio/predict';

export const SHARED = fileURLToPath(new URL('../../../../shared/', import.meta.url));

/** The article's three manifests, taken from the article itself (it applies them with `-n simple`). */
export function seedManifests(): { name: string; text: string }[] {
  // The article indents with non-breaking spaces (it was pasted from a web page); kubectl would refuse them too.
  const article = readFileSync(`${SHARED}seed/000_bfe8421dce481fd5.txt`, 'utf8').replace(/\u00a0/g, ' ');
  const blocks = [...article.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!);
  return ['simple.yaml', 'nginx.yaml', 'istio-specs.yaml'].map((name, i) => ({ name, text: blocks[i]! }));
}

export function predictTexts(files: Record<string, string>, options: PredictOptions & { defaultNamespace?: string } = {}) {
  const read = Object.entries(files).map(([file, text]) => readResources(text, file, { defaultNamespace: options.defaultNamespace ?? 'default' }));
  const problems = read.flatMap((r) => r.problems);
  if (problems.length) throw new Error(`test YAML does not parse: ${JSON.stringify(problems)}`);
  return predict(mergeResourceSets(...read.map((r) => r.resources)), options);
}

export function gateway(name: string, servers: string, namespace = 'default', selector = 'istio: ingressgateway'): string {
  return `apiVersion: networking.istio.io/v1
kind: Gateway
metadata:
  name: ${name}
  namespace: ${namespace}
spec:
  selector:
    ${selector}
  servers:
${servers}`;
}

export const httpServer = (hosts: string[], port = 80, name = 'http') =>
  `  - port: {number: ${port}, name: ${name}, protocol: HTTP}
    hosts: [${hosts.map((h) => JSON.stringify(h)).join(', ')}]
`;

export function virtualService(name: string, body: string, namespace = 'default'): string {
  return `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: ${name}
  namespace: ${namespace}
spec:
${body}`;
}

export function service(name: string, namespace: string, ports: number[]): string {
  return `apiVersion: v1
kind: Service
metadata:
  name: ${name}
  namespace: ${namespace}
spec:
  selector: {app: ${name}}
  ports:
${ports.map((p) => `  - {name: http-${p}, port: ${p}, targetPort: ${p}}`).join('\n')}
`;
}
