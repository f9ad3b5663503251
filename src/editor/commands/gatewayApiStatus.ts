// The status lens's click: the Gateway API object's status as istiod wrote it on the cluster, read afresh
// and shown in full (every condition with its reason, message and generation, the addresses, the listeners).
import type { GatewayApiKind } from '../../kube/index';
import { statusLens } from '../../lab/gatewayStatus';
import { showText } from '../show';
import type { CommandFactory } from './index';

export interface StatusArgs {
  kind: GatewayApiKind;
  namespace: string;
  name: string;
}

export const showGatewayApiStatus: CommandFactory = (ctx) => async (args?: StatusArgs) => {
  if (!args) throw new Error('Use the "istiod: ..." lens above a Gateway or an HTTPRoute.');
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
