// A click on a drift lens: what the lens says in full (which copies agree, what differs and what to do), as
// a notification with a way to read the cluster again. The lens itself keeps only the state.
import type { DriftState } from '../../lab/drift';
import { commandId } from '../../lab/steps';
import type { CommandFactory } from './index';
import * as vscode from 'vscode';

/** What a drift lens hands its command (plain data, JSON-serialisable). */
export interface DriftCommandArgs {
  state: DriftState;
  /** The lens title without its codicon, e.g. `drift: in sync`. */
  title: string;
  detail: string;
}

const REFRESH = 'Read the Cluster Again';

export const showDrift: CommandFactory = (ctx) => async (args?: DriftCommandArgs) => {
  if (!args)
    throw new Error(
      'Use the drift lens above a VirtualService match to see how the editor, the cluster and the gateway compare.',
    );
  const answer = await ctx.prompts.info(
    `Istio Ingress Lab: ${args.title}. ${args.detail.replace(/\n/g, ' ')}`,
    REFRESH,
  );
  if (answer === REFRESH) await vscode.commands.executeCommand(commandId('refresh'));
  return args;
};
