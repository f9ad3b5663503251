// The status lens's click: the Gateway API object's status as istiod wrote it on the cluster, read afresh
// and shown in full (every condition with its reason, message and generation, the addresses, the listeners);
// on a Gateway the cluster does not hold, the status istiod will write, predicted from the workspace's YAML.
import { translateGatewayApi } from '../../istio/gatewayApi';
import type { GatewayApiKind } from '../../kube/index';
import { predictedStatusLens, statusLens } from '../../lab/gatewayStatus';
import { showText } from '../show';
import type { CommandFactory } from './index';

export interface StatusArgs {
  kind: GatewayApiKind;
  namespace: string;
  name: string;
  /** The lens showed the prediction (the object is not on the cluster): show it in full, without the cluster. */
  predicted?: boolean;
}

export const showGatewayApiStatus: CommandFactory = (ctx) => async (args?: StatusArgs) => {
  if (!args) throw new Error('Use the "istiod: ..." lens above a Gateway or an HTTPRoute.');
  if (args.predicted) {
    const ref = `Gateway ${args.namespace}/${args.name}`;
    const p = translateGatewayApi(await ctx.engine.resources()).gatewayStatuses.get(`${args.namespace}/${args.name}`);
    if (!p) throw new Error(`${ref} is not in the workspace's YAML (any more), or not of a class istiod serves.`);
    const lens = predictedStatusLens(p);
    const { programmedWhilePending, service, ...status } = p;
    const text = [
      `# ${ref}: the status istiod will write, predicted from the workspace's YAML by Istio's rules`,
      `# ${lens.title}`,
      ...lens.tooltip.split('\n').map((l) => `#   ${l}`),
      `# Programmed as once Service ${service} has its address; until then: ${programmedWhilePending.reason}`,
      '',
      JSON.stringify(status, null, 2),
      '',
    ].join('\n');
    return showText(text, `predicted-status-Gateway-${args.namespace}-${args.name}.jsonc`);
  }
  const obj = await ctx.getCluster().getGatewayApi(args.kind, args.namespace, args.name);
  const ref = `${args.kind} ${args.namespace}/${args.name}`;
  if (!obj) throw new Error(`${ref} is not on the cluster (any more): deploy it to see its status.`);
  const lens = statusLens(obj);
  const text = [
    `# ${ref}, generation ${obj.metadata.generation ?? '?'}: the status istiod wrote`,
    `# ${lens?.title ?? ''}`,
    ...(lens?.tooltip.split('\n').map((l) => `#   ${l}`) ?? []),
    '',
    JSON.stringify(obj.status ?? {}, null, 2),
    '',
  ].join('\n');
  return showText(text, `status-${args.kind}-${args.namespace}-${args.name}.jsonc`);
};
