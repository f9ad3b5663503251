import * as vscode from 'vscode';
import { WALKTHROUGH_ID } from '../../lab/steps';
import type { CommandFactory } from './index';

export const EXTENSION_ID = 'istio-ingress-lab.istio-ingress-lab';

export const openWalkthrough: CommandFactory = () => () =>
  vscode.commands.executeCommand('workbench.action.openWalkthrough', `${EXTENSION_ID}#${WALKTHROUGH_ID}`, false);

/** The "Istio Ingress Lab" log: every command, cluster call and tool run. */
export const showLog: CommandFactory = (ctx) => () => ctx.log.show(true);
