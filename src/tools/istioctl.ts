// The article's istioctl proxy-config commands, as argument arrays.
export interface ProxyTarget {
  pod: string;
  namespace: string;
  kubeconfig?: string;
  context?: string;
}

function common(t: ProxyTarget): string[] {
  const args = ['-n', t.namespace];
  if (t.kubeconfig) args.push('--kubeconfig', t.kubeconfig);
  if (t.context) args.push('--context', t.context);
  return args;
}

export function listenersArgs(t: ProxyTarget, port?: number): string[] {
  return ['proxy-config', 'listeners', t.pod, ...common(t), ...(port ? ['--port', String(port)] : [])];
}

export function routesArgs(t: ProxyTarget, name?: string): string[] {
  return ['proxy-config', 'routes', t.pod, ...common(t), ...(name ? ['--name', name] : [])];
}

export function endpointsArgs(t: ProxyTarget, cluster?: string): string[] {
  return ['proxy-config', 'endpoints', t.pod, ...common(t), ...(cluster ? ['--cluster', cluster] : [])];
}
