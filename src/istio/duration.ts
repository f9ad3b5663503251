// Istio takes Go/protobuf durations ("5s", "1m30s", "500ms"); Envoy's admin prints protobuf JSON ("90s", "0.500s").

const UNITS: Record<string, number> = { h: 3600e9, m: 60e9, s: 1e9, ms: 1e6, us: 1e3, µs: 1e3, ns: 1 };

/** Nanoseconds of a duration string, or undefined when it is not one. */
export function parseDuration(text: string): number | undefined {
  const s = text.trim();
  if (s === '0') return 0;
  const re = /(\d+(?:\.\d+)?)(h|ms|us|µs|ns|m|s)/y;
  let total = 0;
  let pos = 0;
  while (pos < s.length) {
    re.lastIndex = pos;
    const m = re.exec(s);
    if (!m) return undefined;
    total += Number(m[1]) * UNITS[m[2]];
    pos = re.lastIndex;
  }
  return pos === 0 ? undefined : Math.round(total);
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
