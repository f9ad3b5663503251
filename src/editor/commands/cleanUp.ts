// Step 7: delete the sample's namespace, after showing exactly what goes with it and asking. For the Gateway
// API sample that includes the gateway istiod deployed for the Gateway (it owns it, so it goes with it).
import * as vscode from 'vscode';
import type { CommandFactory } from './index';
import { sampleGateway } from '../../lab/gatewayAddresses';

export const cleanUp: CommandFactory =
  (ctx) =>
  async (...args: unknown[]) => {
    const variant = ctx.variantFor(args);
    const { namespace } = ctx.settings.sample;
    const cluster = ctx.getCluster();
    const contents = await cluster.describeNamespaceContents(namespace);
    if (!contents.exists) {
      await ctx.setStep('cleanedUp', true, variant);
      void ctx.prompts.info(`Istio Ingress Lab: namespace ${namespace} does not exist; nothing to delete.`);
      return [];
    }
    const listing = [`namespaces/${namespace}`, ...contents.lines];
    const incomplete = contents.unlisted.length ? `\n(could not list: ${contents.unlisted.join(', ')})` : '';
    const answer = await ctx.prompts.warn(
      `Delete namespace "${namespace}" and the ${contents.items.length} objects in it?`,
      { modal: true, detail: listing.join('\n') + incomplete },
      'Delete',
    );
    if (answer !== 'Delete') {
      ctx.log.info('clean up: cancelled by the user');
      return undefined;
    }
    await vscode.window.withProgress(
      {
        location: vscode.ProgressLocation.Notification,
        title: `Istio Ingress Lab: deleting namespace ${namespace}`,
        cancellable: true,
      },
      async (progress, token) => {
        const abort = new AbortController();
        token.onCancellationRequested(() => abort.abort());
        await cluster.deleteNamespace(namespace, {
          confirmed: contents,
          wait: true,
          signal: abort.signal,
          onProgress: (m) => progress.report({ message: m }),
        });
      },
    );
    ctx.log.info(`clean up: deleted ${listing.join(', ')}`);
    await ctx.setStep('cleanedUp', true, variant);
    await ctx.setStep('deployed', false, variant);
    ctx.addresses.forget(sampleGateway(variant, namespace));
    ctx.addresses.forgetNamespace(namespace);
    ctx.changed('live', 'Clean Up done');
    void ctx.prompts.info(`Istio Ingress Lab: deleted namespace ${namespace}.`);
    return listing;
  };
