// Commands as factories (vscode-go's CommandFactory): each takes the LabContext and returns the callback,
// so activate() only lists them. Every run is logged, and a failure becomes one message, never a stack.
import * as vscode from 'vscode';
import { commandId } from '../../lab/steps';
import { UNTRUSTED_MESSAGE, UntrustedWorkspaceError, type LabContext } from '../ctx';
import { errorText } from '../show';

// Commands take what VS Code passes them (lens arguments, URIs, nothing from the palette); each checks its own.
export type CommandFactory = (ctx: LabContext) => (...args: never[]) => unknown;
type UntypedCommand = (...args: unknown[]) => unknown;

/** The palette titles of the contributed commands (package.json), for messages that name the command. */
export function commandTitles(packageJson: unknown): Map<string, string> {
  const commands = (packageJson as { contributes?: { commands?: { command: string; title: string }[] } }).contributes
    ?.commands;
  return new Map((commands ?? []).map((c) => [c.command, c.title]));
}

export function registerCommands(
  ctx: LabContext,
  factories: Record<string, CommandFactory>,
  titles: ReadonlyMap<string, string> = new Map(),
): vscode.Disposable[] {
  return Object.entries(factories).map(([name, factory]) => {
    // VS Code hands commands untyped arguments; each command's own parameter type is its contract.
    const callback = factory(ctx) as UntypedCommand;
    return vscode.commands.registerCommand(commandId(name), async (...args: unknown[]) => {
      ctx.log.info(`command: ${name}`);
      try {
        return await callback(...args);
      } catch (e) {
        if (e instanceof UntrustedWorkspaceError) {
          // The door refused (cluster or binary): one message naming the command, logged as a refusal.
          const title = titles.get(commandId(name)) ?? name;
          ctx.log.warn(`refused in untrusted workspace: ${title} (${e.door})`);
          void ctx.prompts.error(`Istio Ingress Lab: ${title} ${UNTRUSTED_MESSAGE}`);
          return undefined;
        }
        const text = errorText(e);
        ctx.log.error(`command ${name} failed: ${text}`);
        void ctx.prompts.error(`Istio Ingress Lab: ${text}`);
        return undefined;
      }
    });
  });
}
