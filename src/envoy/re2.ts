// RE2 regexes as Envoy and Istio evaluate them (google_re2 / Go's regexp): RE2 syntax, linear time, full match.
// JavaScript's RegExp backtracks (`(a+)+$` on 40 a's never ends) and accepts what RE2 refuses (lookbehind,
// backreferences), so matching and validation both go through re2js, a pure-JS port of RE2J.
import { RE2JS } from 're2js';

/** A compiled RE2 pattern that reports full matches only, as Envoy's safe_regex does. */
export interface Re2FullMatch {
  test(value: string): boolean;
}

export type Re2Compiled = { ok: true; re: RE2JS } | { ok: false; error: string };

const cache = new Map<string, Re2Compiled>();
const CACHE_LIMIT = 10_000;

/** Compiles a pattern with RE2's syntax; the error is RE2's own sentence ("invalid escape sequence: `\1`"). */
export function compileRe2(pattern: string, flags = 0): Re2Compiled {
  const key = `${flags}|${pattern}`;
  const hit = cache.get(key);
  if (hit) return hit;
  let out: Re2Compiled;
  try {
    out = { ok: true, re: RE2JS.compile(pattern, flags) };
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    out = {
      ok: false,
      error: message
        .replace(/^error parsing regexp: /, '')
        .replace(/\n[^]*$/, '')
        .slice(0, 200),
    };
  }
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(key, out);
  return out;
}

/** The RE2 syntax error of a pattern, or undefined when RE2 accepts it. */
export function re2SyntaxError(pattern: string): string | undefined {
  const c = compileRe2(pattern);
  return c.ok ? undefined : c.error;
}

/** RE2 full match; undefined when RE2 refuses the pattern (Envoy would refuse the config). `flags`: 'i' ignores case. */
export function fullMatchRegex(pattern: string, flags = ''): Re2FullMatch | undefined {
  const c = compileRe2(pattern, flags.includes('i') ? RE2JS.CASE_INSENSITIVE : 0);
  if (!c.ok) return undefined;
  const re = c.re;
  return { test: (value: string) => re.matches(value) };
}

/**
 * Envoy's regex_rewrite: every match replaced by the substitution, where `\1` names a group (RE2's
 * GlobalReplace). Undefined when RE2 refuses the pattern.
 */
export function re2ReplaceAll(pattern: string, input: string, substitution: string): string | undefined {
  const c = compileRe2(pattern);
  if (!c.ok) return undefined;
  // re2js takes Java's replacement syntax: $n for a group, backslash escapes the next character.
  let javaSub = '';
  for (let i = 0; i < substitution.length; i++) {
    const ch = substitution[i];
    const next = substitution[i + 1];
    if (ch === '\\' && next !== undefined && next >= '0' && next <= '9') {
      javaSub += `$${next}`;
      i++;
    } else if (ch === '\\' && next === '\\') {
      javaSub += '\\\\';
      i++;
    } else if (ch === '$' || ch === '\\') javaSub += `\\${ch}`;
    else javaSub += ch;
  }
  try {
    return c.re.matcher(input).replaceAll(javaSub);
  } catch {
    return undefined;
  }
}
