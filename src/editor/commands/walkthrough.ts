import * as vscode from 'vscode';
import { walkthroughOf } from '../../lab/steps';
import type { CommandFactory } from './index';

export const EXTENSION_ID = 'istio-ingress-lab.istio-ingress-lab';

/** Opens the article's walkthrough, or the Gateway API one when given "gatewayApi". */
export const openWalkthrough: CommandFactory =
  (ctx) =>
  (...args: unknown[]) =>
    vscode.commands.executeCommand(
      'workbench.action.openWalkthrough',
      `${EXTENSION_ID}#${walkthroughOf(ctx.variantFor(args))}`,
      false,
    );

/** The "Istio Ingress Lab" log: every command, cluster call and tool run. */
export const showLog: CommandFactory = (ctx) => () => ctx.log.show(true);
