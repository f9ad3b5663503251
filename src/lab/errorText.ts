/** The error text a user should read: a ClusterError's message and hint, or any error's message, never a stack. */
export function errorText(e: unknown): string {
  if (e instanceof Error) return e.name === 'ClusterError' ? e.toString() : e.message;
  return String(e);
}
