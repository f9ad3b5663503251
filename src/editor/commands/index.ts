// Commands as factories (vscode-go's CommandFactory): each takes the LabContext and returns the callback,
// so activate() only lists them. Every run is logged, and a failure becomes one message, never a stack.
import * as vscode from 'vscode';
import { commandId } from '../../lab/steps';
import type { LabContext } from '../ctx';
import { errorText } from '../show';

export type CommandFactory = (ctx: LabContext) => (...args: any[]) => unknown;

export function registerCommands(ctx: LabContext, factories: Record<string, CommandFactory>): vscode.Disposable[] {
  return Object.entries(factories).map(([name, factory]) => {
    const callback = factory(ctx);
    return vscode.commands.registerCommand(commandId(name), async (...args: unknown[]) => {
      ctx.log.info(`command: ${name}`);
      try {
        return await callback(...args);
      } catch (e) {
        const text = errorText(e);
        ctx.log.error(`command ${name} failed: ${text}`);
        void ctx.prompts.error(`Istio Ingress Lab: ${text}`);
        return undefined;
      }
    });
  });
}
