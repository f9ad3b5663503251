// The gateway's recent requests as its access log tells them, for the Requests view, the outcome lenses
// and "send request": the lines read from `kubectl logs` (Istio's default format), their explanations,
// counted per VirtualService match. Pure: lines and explanations are passed in.
import { parseAccessLogLine, type AccessLogEntry } from '../envoy/accessLog';
import type { Explanation } from '../istio/accessLogExplain';
import { fitLens, LENS_MAX } from './lensText';

export interface RequestRecord {
  /** Increasing per record, for stable tree ids. */
  seq: number;
  /** The request's %START_TIME% in ms, else when the line was read. */
  at: number;
  /** `<namespace>/<pod>` of the gateway pod that logged it. */
  pod: string;
  raw: string;
  entry: AccessLogEntry;
  explanation: Explanation;
}

/** The window of the outcome lenses. */
export const OUTCOME_WINDOW_MS = 5 * 60_000;

/**
 * A line of the gateway container's log: an access log entry, or undefined for Envoy's own log lines
 * (`[2026-11-28 23:34:53.084][20056][info][admin] ...`) that share the container's log with it.
 */
export function accessEntryOf(line: string): AccessLogEntry | undefined {
  const parsed = parseAccessLogLine(line);
  return parsed.ok ? parsed.entry : undefined;
}

/** `404 NR`, `503 UH`, `200` — what the lens and the tree count by. */
export function outcomeOf(e: AccessLogEntry): string {
  return e.flags.length ? `${e.code} ${e.flags.join(',')}` : String(e.code);
}

/** `404 NR GET nope.io/x` */
export function requestLabel(e: AccessLogEntry): string {
  return `${outcomeOf(e)} ${e.method ?? ''} ${e.authority ?? '-'}${e.path ?? ''}`.replace(/\s+/g, ' ').trim();
}

/** Where a record's explanation points in the YAML, as `<file>#<0-based line>`: the key of the lens counts. */
/** A pod as the Requests view names it: `namespace/name`. */
export function podKey(p: { namespace: string; name: string }): string {
  return `${p.namespace}/${p.name}`;
}

/** What a new listing of the gateway pods changes: pods to start following, and keys of pods now gone. */
export function podChanges<P extends { namespace: string; name: string }>(
  followed: readonly string[],
  listed: readonly P[],
): { added: P[]; gone: string[] } {
  const now = new Set(listed.map(podKey));
  const before = new Set(followed);
  return { added: listed.filter((p) => !before.has(podKey(p))), gone: followed.filter((k) => !now.has(k)) };
}

export function matchKey(file: string, line0: number): string {
  return `${file}#${line0}`;
}

function recordKey(r: RequestRecord): string | undefined {
  const y = r.explanation.yaml;
  if (!y) return undefined;
  return matchKey(y.file, y.range ? y.range.start.line : y.line - 1);
}

export class RequestLog {
  private readonly records: RequestRecord[] = [];
  private seq = 0;
  /** Lines of the container's log that are not access log entries (Envoy's own log). */
  otherLines = 0;

  constructor(private readonly max = 500) {}

  /** Adds an explained entry; the oldest records go beyond `max`. */
  add(pod: string, raw: string, entry: AccessLogEntry, explanation: Explanation, readAt = Date.now()): RequestRecord {
    const started = entry.startTime ? Date.parse(entry.startTime) : NaN;
    const rec: RequestRecord = {
      seq: ++this.seq,
      at: Number.isNaN(started) ? readAt : started,
      pod,
      raw,
      entry,
      explanation,
    };
    this.records.push(rec);
    if (this.records.length > this.max) this.records.splice(0, this.records.length - this.max);
    return rec;
  }

  clear(): void {
    this.records.length = 0;
    this.otherLines = 0;
  }

  get size(): number {
    return this.records.length;
  }

  /** Newest first (by start time; a later line wins a tie). */
  newestFirst(): RequestRecord[] {
    return [...this.records].sort((a, b) => b.at - a.at || b.seq - a.seq);
  }

  /** Outcome → count for the records whose explanation points at this match, within the window before now. */
  outcomesFor(file: string, line0: number, now = Date.now(), windowMs = OUTCOME_WINDOW_MS): Map<string, number> {
    const key = matchKey(file, line0);
    const counts = new Map<string, number>();
    for (const r of this.records) {
      if (now - r.at > windowMs || recordKey(r) !== key) continue;
      const o = outcomeOf(r.entry);
      counts.set(o, (counts.get(o) ?? 0) + 1);
    }
    return counts;
  }

  /**
   * The log line of a request the lab sent: the newest entry for that Host and path logged from `sentAt`
   * on (a second's slack for clock rounding), its x-request-id winning when the gateway kept it.
   */
  findSent(sent: { host: string; path: string; sentAt: number; requestId?: string }): RequestRecord | undefined {
    const candidates = this.newestFirst().filter((r) => r.at >= sent.sentAt - 1000);
    if (sent.requestId) {
      const byId = candidates.find((r) => r.entry.requestId === sent.requestId);
      if (byId) return byId;
    }
    const path = sent.path.startsWith('/') ? sent.path : `/${sent.path}`;
    return candidates.find((r) => r.entry.authority === sent.host && r.entry.path === path);
  }
}

/** `last 5 min: 12× 200, 3× 404 NR`, most frequent first, at most LENS_MAX long. */
export function outcomesLensText(counts: Map<string, number>, windowMs = OUTCOME_WINDOW_MS): string {
  const head = `last ${Math.round(windowMs / 60_000)} min:`;
  if (!counts.size) return `${head} no requests`;
  const parts = [...counts]
    .sort(([a, x], [b, y]) => y - x || a.localeCompare(b))
    .map(([outcome, n]) => `${n}× ${outcome}`);
  return fitLens(`${head} ${parts.join(', ')}`, LENS_MAX);
}

/** What "send request" adds under the response: the gateway's own log line and why. */
export function formatLoggedLine(r: RequestRecord | undefined, waitedMs: number, why?: string): string {
  if (!r)
    return `# the gateway's access log: no line for this request within ${Math.round(waitedMs / 1000)} s${why ? ` (${why})` : ''}\n`;
  const x = r.explanation;
  const lines = [
    `# the gateway's access log (${r.pod}):`,
    r.raw,
    `# ${x.cause}: ${x.explanation}`,
    ...x.details.map((d) => `#   ${d}`),
    ...(x.yaml ? [`# yaml: ${x.yaml.file}:${x.yaml.line} (${x.yaml.what})`] : []),
  ];
  return lines.join('\n') + '\n';
}
