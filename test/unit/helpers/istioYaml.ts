// Small builders for the YAML the translation tests feed the engine. They write real YAML text and
// read it back through readResources, so every test also exercises the parser and its ranges.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { mergeResourceSets, readResources } from '../../../src/istio/yamlModel';
import { predict, type PredictOptions } from '../../../src/istio/predict';
import { SAMPLE_FILES } from '../../../src/lab/scaffold';

const ARTICLE = fileURLToPath(new URL('../../../samples/article/', import.meta.url));

/** The article's three manifests, as it prints them (samples/article/; it applies them with `-n simple`). */
export function seedManifests(): { name: string; text: string }[] {
  return SAMPLE_FILES.map((name) => ({ name, text: readFileSync(`${ARTICLE}${name}`, 'utf8') }));
}

export function predictTexts(
  files: Record<string, string>,
  options: PredictOptions & { defaultNamespace?: string } = {},
) {
  const read = Object.entries(files).map(([file, text]) =>
    readResources(text, file, { defaultNamespace: options.defaultNamespace ?? 'default' }),
  );
  const problems = read.flatMap((r) => r.problems);
  if (problems.length) throw new Error(`test YAML does not parse: ${JSON.stringify(problems)}`);
  return predict(mergeResourceSets(...read.map((r) => r.resources)), options);
}

export function gateway(
  name: string,
  servers: string,
  namespace = 'default',
  selector = 'istio: ingressgateway',
): string {
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
