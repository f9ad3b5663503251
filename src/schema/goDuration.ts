// Go's time.ParseDuration, the one grammar for durations here: the CRDs' CEL `duration(self)` and the
// durations Istio's translation reads (timeouts, retries, fault delays) both come from Go.

const NANOS: Record<string, number> = { ns: 1, us: 1e3, µs: 1e3, μs: 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };
const WHOLE = /^[-+]?(?:(?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+$/;
const PART = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/g;

/** Nanoseconds of a Go duration ("1m30s", "-1.5h", ".5s", "0"), or undefined when Go would refuse it. */
export function goDurationNanos(s: string): number | undefined {
  if (s === '0' || s === '+0' || s === '-0') return 0;
  if (!WHOLE.test(s)) return undefined;
  let total = 0;
  for (const [, amount, unit] of s.matchAll(PART)) total += Number(amount) * (NANOS[unit ?? ''] ?? NaN);
  return s.startsWith('-') ? -total : total;
}
