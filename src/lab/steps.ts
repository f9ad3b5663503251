// The walkthroughs' seven steps, in the article's order. Each is checked off by a context key that the
// extension sets only once the cluster (or the file system, for scaffolding) confirms the step.
// Two walkthroughs share the steps and the commands: the article as written (a Gateway and a
// VirtualService on Istio's ingress gateway) and the same routing with the Kubernetes Gateway API (a
// Gateway of class istio, whose gateway istiod deploys, and an HTTPRoute). Each has its own context keys,
// so finishing one does not tick off the other.
export const STEPS = [
  { id: 'checkCluster', context: 'clusterReady', command: 'checkCluster', title: 'Check your cluster' },
  { id: 'scaffold', context: 'scaffolded', command: 'scaffoldSample', title: 'Scaffold the sample' },
  { id: 'deploy', context: 'deployed', command: 'deploySample', title: 'Deploy it' },
  { id: 'findAddress', context: 'addressFound', command: 'findIngressAddress', title: 'Find the ingress address' },
  { id: 'sendRequests', context: 'requestsSent', command: 'sendRequests', title: 'Send the requests' },
  { id: 'inspectEnvoy', context: 'envoyInspected', command: 'inspectEnvoy', title: 'Look inside Envoy' },
  { id: 'cleanUp', context: 'cleanedUp', command: 'cleanUp', title: 'Clean up' },
] as const;

export type StepContext = (typeof STEPS)[number]['context'];

export const EXTENSION_PREFIX = 'istioIngressLab';
export const WALKTHROUGH_ID = 'ingressLab';
export const GATEWAY_API_WALKTHROUGH_ID = 'ingressLabGatewayApi';

/** Which routing API a walkthrough (and the commands its steps run) uses. */
export type SampleVariant = 'virtualService' | 'gatewayApi';
export const SAMPLE_VARIANTS: readonly SampleVariant[] = ['virtualService', 'gatewayApi'];

export function walkthroughOf(variant: SampleVariant): string {
  return variant === 'gatewayApi' ? GATEWAY_API_WALKTHROUGH_ID : WALKTHROUGH_ID;
}

export function stepContextKey(step: StepContext, variant: SampleVariant = 'virtualService'): string {
  return variant === 'gatewayApi' ? `${EXTENSION_PREFIX}.gatewayApi.step.${step}` : `${EXTENSION_PREFIX}.step.${step}`;
}

export function commandId(name: string): string {
  return `${EXTENSION_PREFIX}.${name}`;
}

/**
 * A walkthrough step's link: the command, with the variant as its argument for the Gateway API walkthrough
 * (VS Code passes the URI's JSON query as the command's arguments).
 */
export function stepCommandLink(command: string, variant: SampleVariant = 'virtualService'): string {
  const id = commandId(command);
  return variant === 'gatewayApi' ? `command:${id}?${encodeURIComponent(JSON.stringify([variant]))}` : `command:${id}`;
}

/** The variant a command was given (a walkthrough link's argument), if any. */
export function variantArg(args: readonly unknown[]): SampleVariant | undefined {
  return args.find((a): a is SampleVariant => typeof a === 'string' && (SAMPLE_VARIANTS as string[]).includes(a));
}
