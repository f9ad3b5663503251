// The extension's settings, read in one place (contributes.configuration in package.json lists them).
import * as vscode from 'vscode';
import { DEFAULT_SAMPLE_PARAMS, type SampleParams } from '../lab/scaffold';

export const SECTION = 'istioIngressLab';

export interface LabSettings {
  sample: SampleParams;
  gateway: { namespace: string; selector: string; pod: string };
  tools: { istioctlPath: string; curlPath: string; kubectlPath: string };
  ingressAddress: string;
  kubeconfig: string;
  probeAddresses: boolean;
}

export function readSettings(): LabSettings {
  const c = vscode.workspace.getConfiguration(SECTION);
  const s = (key: string, fallback: string) => (c.get<string>(key) ?? fallback).trim() || fallback;
  return {
    sample: {
      namespace: s('sample.namespace', DEFAULT_SAMPLE_PARAMS.namespace),
      host: s('sample.host', DEFAULT_SAMPLE_PARAMS.host),
    },
    gateway: {
      namespace: s('gateway.namespace', 'istio-system'),
      selector: s('gateway.selector', 'istio=ingressgateway'),
      pod: c.get<string>('gateway.pod', '').trim(),
    },
    tools: {
      istioctlPath: c.get<string>('tools.istioctlPath', '').trim(),
      curlPath: c.get<string>('tools.curlPath', '').trim(),
      kubectlPath: c.get<string>('tools.kubectlPath', '').trim(),
    },
    ingressAddress: c.get<string>('ingress.address', '').trim(),
    kubeconfig: c.get<string>('kubeconfig', '').trim(),
    probeAddresses: c.get<boolean>('ingress.probeAddresses', true),
  };
}
