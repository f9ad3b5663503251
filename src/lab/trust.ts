// Workspace trust, as the lab words it: the error thrown at the two doors (the cluster client and the
// binaries, in src/editor/ctx.ts) in an untrusted workspace, and the one message the command wrapper shows.

export const UNTRUSTED_MESSAGE =
  'is disabled in an untrusted workspace: the lab runs no binary and writes nothing to a cluster until you trust this folder ' +
  '(command "Workspaces: Manage Workspace Trust"). Route predictions in the editor still work.';

/**
 * Thrown at the two doors of the lab (the cluster client and the binaries) in an untrusted workspace; the
 * command wrapper turns it into the one message above, so no command checks trust by itself.
 */
export class UntrustedWorkspaceError extends Error {
  override readonly name = 'UntrustedWorkspaceError';
  constructor(readonly door: string) {
    super(`${door} ${UNTRUSTED_MESSAGE}`);
  }
}
