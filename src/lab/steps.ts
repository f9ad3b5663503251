// The walkthrough's seven steps, in the article's order. Each is checked off by a context key that the
// extension sets only once the cluster (or the file system, for scaffolding) confirms the step.
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

export function stepContextKey(step: StepContext): string {
  return `${EXTENSION_PREFIX}.step.${step}`;
}

export function commandId(name: string): string {
  return `${EXTENSION_PREFIX}.${name}`;
}
