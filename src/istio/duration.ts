// Istio takes Go/protobuf durations ("5s", "1m30s", "500ms"); Envoy's admin prints protobuf JSON ("90s", "0.500s").

import { goDurationNanos } from '../schema/goDuration';

/** Nanoseconds of a duration Istio translates (a timeout or delay is never negative), or undefined. */
export function parseDuration(text: string): number | undefined {
  const s = text.trim();
  if (/^[-+]/.test(s)) return undefined;
  const nanos = goDurationNanos(s);
  return nanos === undefined ? undefined : Math.round(nanos);
}

/** Protobuf JSON form: whole seconds, or 3/6/9 fractional digits. */
export function formatProtoDuration(nanos: number): string {
  const secs = Math.trunc(nanos / 1e9);
  const frac = nanos - secs * 1e9;
  if (frac === 0) return `${secs}s`;
  let digits = String(frac).padStart(9, '0');
  if (digits.endsWith('000000')) digits = digits.slice(0, 3);
  else if (digits.endsWith('000')) digits = digits.slice(0, 6);
  return `${secs}.${digits}s`;
}

export function toProtoDuration(text: string): string | undefined {
  const n = parseDuration(text);
  return n === undefined ? undefined : formatProtoDuration(n);
}
