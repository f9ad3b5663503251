// Before Deploy writes to a cluster that is not the lab's own: which context, and what the server-side apply
// dry run says will change, object by object. Pure: the editor asks, src/kube runs the dry run.

/** The context `npm run lab` and the test harness write (test/harness, kwokctl's name for the cluster). */
export const LAB_CONTEXT = 'kwok-istio-ingress-lab';

/** The lab's own cluster: its context name, from its own kubeconfig file (<repo>/.cluster/kubeconfig). */
export function isLabCluster(context: { name: string; files: readonly string[] }): boolean {
  return (
    context.name === LAB_CONTEXT &&
    context.files.length > 0 &&
    context.files.every((f) => /[\\/]\.cluster[\\/]kubeconfig$/.test(f))
  );
}

export interface PreviewResult {
  ref: string;
  namespace?: string;
  action: 'created' | 'configured' | 'unchanged';
  changes: readonly string[];
  note?: string;
}

export interface DeployPreview {
  message: string;
  detail: string;
}

const MAX_CHANGES_SHOWN = 5;

/** The modal's words: the context and server, then one line per object with what the dry run found. */
export function formatDeployPreview(
  context: { name: string; server: string },
  namespace: string,
  results: readonly PreviewResult[],
): DeployPreview {
  const lines: string[] = [];
  for (const r of results) {
    const where = r.namespace ? ` -n ${r.namespace}` : '';
    if (r.action === 'created') lines.push(`+ ${r.ref}${where}: created${r.note ? ` (${r.note})` : ''}`);
    else if (r.action === 'unchanged') lines.push(`  ${r.ref}${where}: unchanged`);
    else {
      lines.push(`~ ${r.ref}${where}: changed`);
      for (const c of r.changes.slice(0, MAX_CHANGES_SHOWN)) lines.push(`    ${c}`);
      if (r.changes.length > MAX_CHANGES_SHOWN) lines.push(`    … ${r.changes.length - MAX_CHANGES_SHOWN} more`);
    }
  }
  const counts = (a: PreviewResult['action']) => results.filter((r) => r.action === a).length;
  return {
    message: `Deploy the sample to context "${context.name}" (${context.server}), namespace ${namespace}? ${counts('created')} to create, ${counts('configured')} to change, ${counts('unchanged')} unchanged.`,
    detail: `Server-side apply dry run (field manager istio-ingress-lab); nothing is written until you choose Deploy:\n${lines.join('\n')}`,
  };
}
