// Step 7: delete the sample's namespace, after showing exactly what goes with it and asking.
import * as vscode from 'vscode';
import type { CommandFactory } from './index';

export const cleanUp: CommandFactory = (ctx) => async () => {
  if (!ctx.requireTrust('Clean Up')) return undefined;
  const { namespace } = ctx.settings.sample;
  const cluster = ctx.getCluster();
  if (!(await cluster.namespaceExists(namespace))) {
    await ctx.setStep('cleanedUp', true);
    void ctx.prompts.info(`Istio Ingress Lab: namespace ${namespace} does not exist; nothing to delete.`);
    return [];
  }
  const objects = await cluster.listNamespaceObjects(namespace);
  const listing = objects.map((o) => `${o.kind.toLowerCase()}/${o.name}`);
  const answer = await ctx.prompts.warn(
    `Delete namespace "${namespace}" and the ${objects.length} objects in it?`,
    { modal: true, detail: [`namespace/${namespace}`, ...listing].join('\n') },
    'Delete',
  );
  if (answer !== 'Delete') {
    ctx.log.info('clean up: cancelled by the user');
    return undefined;
  }
  await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Istio Ingress Lab: deleting namespace ${namespace}`, cancellable: true },
    async (_p, token) => {
      const abort = new AbortController();
      token.onCancellationRequested(() => abort.abort());
      await cluster.deleteNamespace(namespace, abort.signal);
    },
  );
  ctx.log.info(`clean up: deleted namespace/${namespace} with ${listing.join(', ')}`);
  await ctx.setStep('cleanedUp', true);
  await ctx.setStep('deployed', false);
  ctx.live.clear();
  ctx.refreshLenses();
  void ctx.prompts.info(`Istio Ingress Lab: deleted namespace ${namespace}.`);
  return listing;
};
