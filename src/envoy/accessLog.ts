// Reader for the access log lines Istio's gateways write by default: the text format (meshConfig
// accessLogEncoding TEXT, the default) and its JSON encoding (accessLogEncoding JSON). Both are copied
// verbatim from Istio's pilot/pkg/model/telemetry_logging.go (EnvoyTextLogFormat, EnvoyJSONLogFormatIstio)
// at the pinned module version, so a field's position is Istio's, not a guess. Pure: one line in, one entry
// or one reason out; never throws.

/** Istio's EnvoyTextLogFormat, without its trailing newline. */
export const ISTIO_TEXT_FORMAT =
  '[%START_TIME%] "%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% ' +
  '%PROTOCOL%" %RESPONSE_CODE% %RESPONSE_FLAGS% ' +
  '%RESPONSE_CODE_DETAILS% %CONNECTION_TERMINATION_DETAILS% ' +
  '"%UPSTREAM_TRANSPORT_FAILURE_REASON%" %BYTES_RECEIVED% %BYTES_SENT% ' +
  '%DURATION% %RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)% "%REQ(X-FORWARDED-FOR)%" ' +
  '"%REQ(USER-AGENT)%" "%REQ(X-REQUEST-ID)%" "%REQ(:AUTHORITY)%" "%UPSTREAM_HOST%" ' +
  '%UPSTREAM_CLUSTER_RAW% %UPSTREAM_LOCAL_ADDRESS% %DOWNSTREAM_LOCAL_ADDRESS% ' +
  '%DOWNSTREAM_REMOTE_ADDRESS% %REQUESTED_SERVER_NAME% %ROUTE_NAME%';

/** Istio's EnvoyJSONLogFormatIstio: JSON key → command operator. */
export const ISTIO_JSON_FORMAT: Readonly<Record<string, string>> = {
  start_time: '%START_TIME%',
  route_name: '%ROUTE_NAME%',
  method: '%REQ(:METHOD)%',
  path: '%REQ(X-ENVOY-ORIGINAL-PATH?:PATH)%',
  protocol: '%PROTOCOL%',
  response_code: '%RESPONSE_CODE%',
  response_flags: '%RESPONSE_FLAGS%',
  response_code_details: '%RESPONSE_CODE_DETAILS%',
  connection_termination_details: '%CONNECTION_TERMINATION_DETAILS%',
  bytes_received: '%BYTES_RECEIVED%',
  bytes_sent: '%BYTES_SENT%',
  duration: '%DURATION%',
  upstream_service_time: '%RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)%',
  x_forwarded_for: '%REQ(X-FORWARDED-FOR)%',
  user_agent: '%REQ(USER-AGENT)%',
  request_id: '%REQ(X-REQUEST-ID)%',
  authority: '%REQ(:AUTHORITY)%',
  upstream_host: '%UPSTREAM_HOST%',
  upstream_cluster: '%UPSTREAM_CLUSTER_RAW%',
  upstream_local_address: '%UPSTREAM_LOCAL_ADDRESS%',
  downstream_local_address: '%DOWNSTREAM_LOCAL_ADDRESS%',
  downstream_remote_address: '%DOWNSTREAM_REMOTE_ADDRESS%',
  requested_server_name: '%REQUESTED_SERVER_NAME%',
  upstream_transport_failure_reason: '%UPSTREAM_TRANSPORT_FAILURE_REASON%',
};

/** One request as the access log tells it. Absent values (Envoy's "-" or JSON null) are undefined. */
export interface AccessLogEntry {
  encoding: 'text' | 'json';
  startTime?: string;
  method?: string;
  path?: string;
  protocol?: string;
  /** 0 when Envoy sent no response (the downstream went away first). */
  code: number;
  /** Envoy's short response flags, e.g. ["NR"], ["UF", "URX"]; [] for "-". */
  flags: string[];
  details?: string;
  connectionTerminationDetails?: string;
  upstreamTransportFailureReason?: string;
  bytesReceived?: number;
  bytesSent?: number;
  durationMs?: number;
  upstreamServiceTimeMs?: number;
  xForwardedFor?: string;
  userAgent?: string;
  requestId?: string;
  authority?: string;
  upstreamHost?: string;
  upstreamCluster?: string;
  upstreamLocalAddress?: string;
  downstreamLocalAddress?: string;
  downstreamRemoteAddress?: string;
  requestedServerName?: string;
  routeName?: string;
}

export type ParsedLine = { ok: true; entry: AccessLogEntry } | { ok: false; reason: string };

type Field = Exclude<keyof AccessLogEntry, 'encoding' | 'code' | 'flags'> | 'code' | 'flags';

const OPERATOR_FIELD: Record<string, Field> = {
  '%START_TIME%': 'startTime',
  '%REQ(:METHOD)%': 'method',
  '%REQ(X-ENVOY-ORIGINAL-PATH?:PATH)%': 'path',
  '%PROTOCOL%': 'protocol',
  '%RESPONSE_CODE%': 'code',
  '%RESPONSE_FLAGS%': 'flags',
  '%RESPONSE_CODE_DETAILS%': 'details',
  '%CONNECTION_TERMINATION_DETAILS%': 'connectionTerminationDetails',
  '%UPSTREAM_TRANSPORT_FAILURE_REASON%': 'upstreamTransportFailureReason',
  '%BYTES_RECEIVED%': 'bytesReceived',
  '%BYTES_SENT%': 'bytesSent',
  '%DURATION%': 'durationMs',
  '%RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)%': 'upstreamServiceTimeMs',
  '%REQ(X-FORWARDED-FOR)%': 'xForwardedFor',
  '%REQ(USER-AGENT)%': 'userAgent',
  '%REQ(X-REQUEST-ID)%': 'requestId',
  '%REQ(:AUTHORITY)%': 'authority',
  '%UPSTREAM_HOST%': 'upstreamHost',
  '%UPSTREAM_CLUSTER_RAW%': 'upstreamCluster',
  '%UPSTREAM_LOCAL_ADDRESS%': 'upstreamLocalAddress',
  '%DOWNSTREAM_LOCAL_ADDRESS%': 'downstreamLocalAddress',
  '%DOWNSTREAM_REMOTE_ADDRESS%': 'downstreamRemoteAddress',
  '%REQUESTED_SERVER_NAME%': 'requestedServerName',
  '%ROUTE_NAME%': 'routeName',
};
const NUMERIC = new Set<Field>(['code', 'bytesReceived', 'bytesSent', 'durationMs', 'upstreamServiceTimeMs']);

interface TextField {
  operator: string;
  field: Field;
  /** The literal text that follows the field ('' for the last one). */
  after: string;
}

/** The text format as its leading literal, then each operator with the literal after it. */
function pieces(format: string): { head: string; fields: TextField[] } {
  const re = /%[A-Z_]+(?:\([^)]*\))?%/g;
  const fields: TextField[] = [];
  let head = '';
  let last = 0;
  for (let m = re.exec(format); m; m = re.exec(format)) {
    const literal = format.slice(last, m.index);
    const previous = fields.at(-1);
    if (previous) previous.after = literal;
    else head = literal;
    const field = OPERATOR_FIELD[m[0]];
    if (!field) throw new Error(`access log format operator ${m[0]} has no field`);
    fields.push({ operator: m[0], field, after: '' });
    last = m.index + m[0].length;
  }
  const tail = fields.at(-1);
  if (tail) tail.after = format.slice(last);
  return { head, fields };
}
const TEXT = pieces(ISTIO_TEXT_FORMAT);

/** Envoy's short flags are 2-4 capital letters (UH, NR, URX, DPE, UPE, UMSDR, ...), joined by commas. */
const FLAG = /^[A-Z]{2,5}$/;

function setField(e: AccessLogEntry, field: Field, raw: string | number | null | undefined): string | undefined {
  if (raw === null || raw === undefined || raw === '-' || raw === '') {
    if (field === 'code') return 'no %RESPONSE_CODE%';
    return undefined;
  }
  if (field === 'flags') {
    const flags = String(raw).split(',');
    const bad = flags.find((f) => !FLAG.test(f));
    if (bad !== undefined)
      return `%RESPONSE_FLAGS% "${clip(String(raw))}" is not Envoy's short flags (e.g. NR, UH, UF,URX)`;
    e.flags = flags;
    return undefined;
  }
  if (NUMERIC.has(field)) {
    const n = typeof raw === 'number' ? raw : /^\d+$/.test(raw) ? Number(raw) : NaN;
    if (!Number.isSafeInteger(n) || n < 0) return `${opOf(field)} "${clip(String(raw))}" is not a number`;
    (e as unknown as Record<string, number>)[field] = n;
    return undefined;
  }
  (e as unknown as Record<string, string>)[field] = String(raw);
  return undefined;
}

const opOf = (field: Field) => Object.keys(OPERATOR_FIELD).find((k) => OPERATOR_FIELD[k] === field) ?? field;
const clip = (s: string, n = 60) => (s.length > n ? `${s.slice(0, n)}…` : s);

function parseText(line: string): ParsedLine {
  const e: AccessLogEntry = { encoding: 'text', code: 0, flags: [] };
  const { head, fields } = TEXT;
  if (!line.startsWith(head))
    return { ok: false, reason: `does not start with "${head}": not Istio's default access log format` };
  let pos = head.length;
  for (const { operator, field, after: next } of fields) {
    let end: number;
    if (next === '') {
      // The last field (%ROUTE_NAME%) is unquoted: Envoy's route names in this position hold no spaces.
      end = line.length;
      const space = line.indexOf(' ', pos);
      if (space >= 0)
        return {
          ok: false,
          reason: `unexpected text after ${operator} ("${clip(line.slice(space + 1), 30)}"): not Istio's default access log format`,
        };
    } else {
      end = line.indexOf(next, pos);
      if (end < 0)
        return {
          ok: false,
          reason: `ends before ${operator} (expected "${next}" after it): not Istio's default access log format, or cut short`,
        };
    }
    const problem = setField(e, field, line.slice(pos, end));
    if (problem) return { ok: false, reason: problem };
    pos = end + next.length;
  }
  return { ok: true, entry: e };
}

function parseJson(line: string): ParsedLine {
  let o: unknown;
  try {
    o = JSON.parse(line);
  } catch (err) {
    return { ok: false, reason: `not valid JSON (${err instanceof Error ? err.message : String(err)})` };
  }
  if (o === null || typeof o !== 'object' || Array.isArray(o))
    return { ok: false, reason: 'a JSON access log line must be an object' };
  const rec = o as Record<string, unknown>;
  if (!('response_code' in rec))
    return { ok: false, reason: 'JSON without "response_code": not Istio\'s JSON access log encoding' };
  const e: AccessLogEntry = { encoding: 'json', code: 0, flags: [] };
  for (const [key, op] of Object.entries(ISTIO_JSON_FORMAT)) {
    const v = rec[key];
    if (v !== undefined && v !== null && typeof v !== 'string' && typeof v !== 'number')
      return { ok: false, reason: `"${key}" is ${Array.isArray(v) ? 'an array' : typeof v}, not a string or number` };
    const field = OPERATOR_FIELD[op];
    if (!field) continue;
    const problem = setField(e, field, v);
    if (problem) return { ok: false, reason: problem.replace(op, `"${key}"`) };
  }
  return { ok: true, entry: e };
}

/**
 * One access log line, in Istio's default text format or its JSON encoding. A trailing newline is allowed,
 * and so is the timestamp prefix `kubectl logs --timestamps` adds.
 */
export function parseAccessLogLine(raw: string): ParsedLine {
  let line = raw.replace(/\r?\n$/, '');
  const ts = /^\d{4}-\d\d-\d\dT[0-9:.]+Z (?=[[{])/.exec(line);
  if (ts) line = line.slice(ts[0].length);
  if (line.trim() === '') return { ok: false, reason: 'empty line' };
  if (line.length > 256 * 1024)
    return {
      ok: false,
      reason: `line of ${line.length} characters; Envoy's request headers end at 60 KiB, so this is not one access log line`,
    };
  if (line.startsWith('{')) return parseJson(line);
  if (line.startsWith('[')) return parseText(line);
  return {
    ok: false,
    reason: `starts with "${clip(line, 20)}": neither Istio's text access log ("[<time>] ...") nor its JSON encoding ("{...}")`,
  };
}

/** Every line of a log (empty lines skipped), with its 1-based line number. */
export function parseAccessLog(text: string): { line: number; text: string; parsed: ParsedLine }[] {
  const out: { line: number; text: string; parsed: ParsedLine }[] = [];
  text.split('\n').forEach((t, i) => {
    if (t.trim() === '') return;
    out.push({ line: i + 1, text: t.replace(/\r$/, ''), parsed: parseAccessLogLine(t) });
  });
  return out;
}
