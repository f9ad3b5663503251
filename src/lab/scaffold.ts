// The lab's sample files: templates in samples/ with {{namespace}} and {{host}}, rendered from settings.
// Pure: no vscode, no file system; the editor side reads templates and writes files.

import type { SampleVariant } from './steps';

/** The article's files: the two apps and the Istio Gateway + VirtualService. */
export const SAMPLE_FILES = ['simple.yaml', 'nginx.yaml', 'istio-specs.yaml'] as const;
/** The same apps behind a Kubernetes Gateway API Gateway and HTTPRoute. */
export const GATEWAY_API_SAMPLE_FILES = ['simple.yaml', 'nginx.yaml', 'gateway-api.yaml'] as const;
export type SampleFile = (typeof SAMPLE_FILES)[number] | (typeof GATEWAY_API_SAMPLE_FILES)[number];

export function sampleFiles(variant: SampleVariant): readonly SampleFile[] {
  return variant === 'gatewayApi' ? GATEWAY_API_SAMPLE_FILES : SAMPLE_FILES;
}

/** The file with the routing, opened after scaffolding (its lenses show the Envoy routes). */
export function routingFile(variant: SampleVariant): SampleFile {
  return variant === 'gatewayApi' ? 'gateway-api.yaml' : 'istio-specs.yaml';
}

/** The Gateway API sample's Gateway (samples/gateway-api.yaml); istiod deploys `<name>-istio` for it. */
export const GATEWAY_API_GATEWAY = 'simple-gateway';

export interface SampleParams {
  namespace: string;
  host: string;
}

export const DEFAULT_SAMPLE_PARAMS: SampleParams = { namespace: 'simple', host: 'simple.baihl.io' };

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_NAME = /^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** One message per bad setting, saying what is wrong and what to do; empty when both are usable. */
export function checkSampleParams(p: SampleParams): string[] {
  const problems: string[] = [];
  if (!DNS_LABEL.test(p.namespace) || p.namespace.length > 63) {
    problems.push(
      `The namespace "${p.namespace}" is not a valid Kubernetes namespace name: use lower-case letters, digits and "-", ` +
        `at most 63 characters (setting istioIngressLab.sample.namespace).`,
    );
  }
  if (!DNS_NAME.test(p.host) || p.host.length > 253) {
    problems.push(
      `The host "${p.host}" is not a valid DNS name: use lower-case labels separated by dots, like simple.baihl.io ` +
        `(setting istioIngressLab.sample.host).`,
    );
  }
  return problems;
}

/** Replaces every {{namespace}} and {{host}}; an unknown placeholder is left visible rather than silently dropped. */
export function renderSample(template: string, p: SampleParams): string {
  return template.replace(/\{\{\s*(namespace|host)\s*\}\}/g, (_m, key: keyof SampleParams) => p[key]);
}

export type ScaffoldAction = 'write' | 'unchanged' | 'conflict';

export interface ScaffoldPlanEntry {
  file: SampleFile;
  content: string;
  /** write: the file is missing; unchanged: it already holds exactly this; conflict: it holds something else. */
  action: ScaffoldAction;
}

/** Decides per file what scaffolding does, given the rendered samples and what the workspace already holds. */
export function planScaffold(
  rendered: Partial<Record<SampleFile, string>>,
  existing: Partial<Record<SampleFile, string>>,
  files: readonly SampleFile[] = SAMPLE_FILES,
): ScaffoldPlanEntry[] {
  return files.map((file) => {
    const content = rendered[file] ?? '';
    const current = existing[file];
    const action: ScaffoldAction =
      current === undefined ? 'write' : normalizeEol(current) === normalizeEol(content) ? 'unchanged' : 'conflict';
    return { file, content, action };
  });
}

function normalizeEol(s: string): string {
  return s.replace(/\r\n/g, '\n');
}
