// Every failure of cluster I/O becomes one ClusterError whose message says what is wrong and whose
// hint says what to do. Pure: maps the error objects that @kubernetes/client-node, Node's sockets and
// child_process.spawn throw; no I/O.

export type ClusterErrorKind =
  | 'no-kubeconfig'
  | 'bad-kubeconfig'
  | 'no-current-context'
  | 'context-not-found'
  | 'unreachable'
  | 'timeout'
  | 'tls'
  | 'unauthorized'
  | 'forbidden'
  | 'not-found'
  | 'conflict'
  | 'invalid'
  | 'exec-plugin-missing'
  | 'exec-plugin-failed'
  | 'cancelled'
  | 'port-forward'
  | 'envoy-admin'
  | 'server-error'
  | 'refused'
  | 'unknown';

export class ClusterError extends Error {
  override readonly name = 'ClusterError';
  constructor(
    readonly kind: ClusterErrorKind,
    message: string,
    readonly hint: string,
    /** HTTP status when the API server answered. */
    readonly status?: number,
  ) {
    super(message);
  }

  /** One line for a notification or the CLI: what is wrong, then what to do. */
  override toString(): string {
    return this.hint ? `${this.message} ${this.hint}` : this.message;
  }
}

/** What was being attempted, so the message can name it. */
export interface CallDescription {
  /** Kubernetes verb: get, list, create, patch, delete, portforward... */
  verb: string;
  /** Plural resource, e.g. pods, virtualservices.networking.istio.io */
  resource: string;
  namespace?: string;
  name?: string;
  /** Context, server and user, for messages about reachability and credentials. */
  context?: string;
  server?: string;
  user?: string;
}

/** The parts of a Kubernetes Status object the messages use. */
interface StatusBody {
  kind?: string;
  message?: string;
  reason?: string;
  code?: number;
  details?: { name?: string; group?: string; kind?: string; causes?: { message?: string; field?: string }[] };
}

function parseStatusBody(body: unknown): StatusBody | undefined {
  if (body && typeof body === 'object') return body;
  if (typeof body === 'string' && body.trim().startsWith('{')) {
    try {
      return JSON.parse(body) as StatusBody;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

function target(call: CallDescription): string {
  const name = call.name ? ` "${call.name}"` : '';
  const ns = call.namespace ? ` in namespace "${call.namespace}"` : '';
  return `${call.resource}${name}${ns}`;
}

function serverOf(call: CallDescription): string {
  const ctx = call.context ? ` of context "${call.context}"` : '';
  return call.server ? `the API server ${call.server}${ctx}` : `the API server${ctx}`;
}

function kubectlContext(call: CallDescription): string {
  return call.context ? ` --context ${call.context}` : '';
}

const networkCodes: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ENOTFOUND: 'host name not found',
  EAI_AGAIN: 'host name lookup failed',
  EPIPE: 'connection closed',
  ETIMEDOUT: 'connection timed out',
  ECONNABORTED: 'connection aborted',
  UND_ERR_SOCKET: 'connection closed',
};

const tlsCodes = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'ERR_SSL_WRONG_VERSION_NUMBER',
  'EPROTO',
]);

function errorCode(err: unknown): string | undefined {
  if (!err || typeof err !== 'object') return undefined;
  const e = err as { code?: unknown; errno?: unknown; cause?: unknown };
  if (typeof e.code === 'string') return e.code;
  if (typeof e.errno === 'string') return e.errno; // node-fetch's FetchError keeps the code here too
  if (e.cause) return errorCode(e.cause);
  return undefined;
}

/** The API server's HTTP status, from client-node's ApiException ({code, body}) or our transport. */
function httpStatus(err: unknown): number | undefined {
  if (!err || typeof err !== 'object') return undefined;
  const e = err as { code?: unknown; statusCode?: unknown };
  const n = typeof e.code === 'number' ? e.code : typeof e.statusCode === 'number' ? e.statusCode : undefined;
  // DOMException carries small legacy numeric codes (AbortError is 20): only HTTP statuses count.
  return n !== undefined && n >= 100 && n <= 599 ? n : undefined;
}

function plainMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}

/** Maps what a call threw into a ClusterError. An existing ClusterError passes through. */
export function toClusterError(err: unknown, call: CallDescription): ClusterError {
  if (err instanceof ClusterError) return err;
  const code = errorCode(err);
  const message = plainMessage(err);
  const name = err && typeof err === 'object' ? (err as { name?: string }).name : undefined;
  const status = name === 'AbortError' || name === 'TimeoutError' ? undefined : httpStatus(err);
  if (status !== undefined) return fromHttpStatus(status, (err as { body?: unknown }).body, call);

  if (name === 'AbortError' || code === 'ABORT_ERR') {
    return new ClusterError('cancelled', `Cancelled: ${call.verb} ${target(call)}.`, '');
  }
  if (name === 'TimeoutError' || code === 'ETIMEDOUT' || code === 'UND_ERR_CONNECT_TIMEOUT') {
    return new ClusterError(
      'timeout',
      `${capital(serverOf(call))} did not answer in time (${call.verb} ${target(call)}).`,
      `Check that the cluster is running and reachable from this machine (VPN, proxy, firewall): \`kubectl${kubectlContext(call)} cluster-info\`.`,
    );
  }

  // spawn <plugin> ENOENT: the exec credential plugin named in the kubeconfig is not on PATH.
  const spawn = /spawn (\S+) ENOENT/.exec(message);
  if (code === 'ENOENT' && (spawn || (err as { syscall?: string }).syscall?.startsWith('spawn'))) {
    const plugin = spawn?.[1] ?? (err as { path?: string }).path ?? 'the credential plugin';
    const user = call.user ? `The kubeconfig user "${call.user}"` : 'The kubeconfig user';
    return new ClusterError(
      'exec-plugin-missing',
      `${user} gets its credentials from the exec plugin "${plugin}", which was not found on PATH (spawn ${plugin} ENOENT).`,
      `Install "${plugin}". If it is installed, VS Code was probably started from a desktop launcher whose PATH misses it: start VS Code from a terminal (\`code .\`), or put the plugin's absolute path in the kubeconfig's users[].user.exec.command.`,
    );
  }

  if (code && tlsCodes.has(code)) {
    return new ClusterError(
      'tls',
      `The TLS connection to ${serverOf(call)} failed: ${message}`,
      "The kubeconfig's certificate-authority does not match the server, or the server is not speaking TLS: check clusters[].cluster.certificate-authority(-data) and the server URL.",
    );
  }
  if (code && networkCodes[code]) {
    return new ClusterError(
      'unreachable',
      `Cannot reach ${serverOf(call)} (${networkCodes[code]}).`,
      `Is the cluster running and is this machine allowed to reach it (VPN, proxy, firewall)? Try \`kubectl${kubectlContext(call)} cluster-info\`.`,
    );
  }
  if (/HTTP protocol is not allowed when skipTLSVerify/.test(message)) {
    return new ClusterError(
      'bad-kubeconfig',
      `The cluster server ${call.server ?? ''} uses plain http://, which the Kubernetes client only allows with insecure-skip-tls-verify: true.`.replace(
        '  ',
        ' ',
      ),
      'Use the https:// address of the API server, or set insecure-skip-tls-verify: true for this cluster in the kubeconfig.',
    );
  }
  // Exec plugin ran but failed: client-node rejects with the plugin's stderr as the message.
  if (call.verb === 'authenticate') {
    return new ClusterError(
      'exec-plugin-failed',
      `The credential plugin of the kubeconfig user "${call.user ?? '?'}" failed: ${message.trim() || 'no output'}`,
      'Run the same plugin in a terminal to see why (often an expired login: log in again with your cloud CLI).',
    );
  }
  return new ClusterError('unknown', `${call.verb} ${target(call)} failed: ${message}`, '');
}

function capital(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

function fromHttpStatus(status: number, body: unknown, call: CallDescription): ClusterError {
  const s = parseStatusBody(body);
  const serverSays = s?.message ? ` The server says: ${s.message}` : '';
  switch (status) {
    case 401:
      return new ClusterError(
        'unauthorized',
        `${capital(serverOf(call))} rejected the credentials of user "${call.user ?? '?'}" (401 Unauthorized).`,
        'The token or client certificate is wrong or has expired: refresh the credentials (for a cloud cluster, re-run its get-credentials command) and retry.',
        status,
      );
    case 403: {
      const who = /User "([^"]+)"/.exec(s?.message ?? '')?.[1];
      const subject = who ? `User "${who}"` : `The kubeconfig user "${call.user ?? '?'}"`;
      const ns = call.namespace ? ` -n ${call.namespace}` : '';
      return new ClusterError(
        'forbidden',
        `${subject} may not ${call.verb} ${target(call)} (403 Forbidden).`,
        `Ask a cluster admin for RBAC permission to ${call.verb} ${call.resource}; check with \`kubectl${kubectlContext(call)} auth can-i ${call.verb} ${call.resource}${ns}\`.`,
        status,
      );
    }
    case 404:
      return new ClusterError('not-found', `${capital(target(call))} was not found.${serverSays}`, '', status);
    case 409:
      return new ClusterError(
        'conflict',
        `Conflict on ${target(call)}.${serverSays}`,
        'Another field manager owns some of these fields; the lab applies with force, so retry, or change the fields with the tool that owns them.',
        status,
      );
    case 400:
    case 415:
    case 422: {
      const causes = (s?.details?.causes ?? [])
        .map((c) => (c.field ? `${c.field}: ${c.message}` : c.message))
        .filter(Boolean);
      const detail = causes.length ? ` ${causes.join('; ')}` : serverSays;
      return new ClusterError(
        'invalid',
        `The API server refused ${call.verb} ${target(call)} as invalid.${detail}`,
        'Fix the manifest (the field named above) and apply again.',
        status,
      );
    }
    case 429:
    case 500:
    case 502:
    case 503:
    case 504:
      return new ClusterError(
        'server-error',
        `${capital(serverOf(call))} failed to ${call.verb} ${target(call)} (${status}).${serverSays}`,
        'The API server is overloaded or unhealthy; retry in a moment.',
        status,
      );
    default:
      return new ClusterError(
        'unknown',
        `${call.verb} ${target(call)} failed with HTTP ${status}.${serverSays}`,
        '',
        status,
      );
  }
}

/**
 * For `.catch` on a list of a custom kind: a kind the cluster does not serve (Istio's CRDs not installed) is an
 * empty list; every other failure (401, 403, a timeout) stands and reaches the user.
 */
export function noneIfNotServed(e: unknown): never[] {
  if (e instanceof ClusterError && e.kind === 'not-found') return [];
  throw e;
}
