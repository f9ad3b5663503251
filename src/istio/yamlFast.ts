// The fast path of the YAML reader: js-yaml (about 7 times faster than the `yaml` package here) with its
// node listener recording where each node starts and ends, so ranges are kept without `yaml`'s CST.
// The reader falls back to `yaml` for any document js-yaml refuses (so messages stay the same), for
// anchors (the alias-bomb guard lives there) and for non-breaking spaces.
import { load, CORE_SCHEMA, type State } from 'js-yaml';
import type { YamlPath } from './model';

export interface FastParsed {
  value: unknown;
  /** [start, end) offsets of the node at `path`, or of the deepest parent that exists. */
  offsetsAt(path: YamlPath): [number, number];
}

/** Whether a document needs the `yaml` package's reader (anchors, non-breaking spaces). */
export function needsFullParser(text: string): boolean {
  return text.includes('\u00a0') || /(^|[\s[{,])&[^\s]/.test(text);
}

/** Parses one document; throws what js-yaml throws. */
export function fastParse(text: string): FastParsed {
  // Flat arrays of numbers, one slot per node in the order nodes open (pre-order), and nothing else allocated
  // per node: a 10k-document file has about 400k nodes and garbage collection was most of the cost. A node's
  // children are the nodes from i + 1 up to after[i], each one's own subtree skipped through after[].
  const start: number[] = [];
  const end: number[] = [];
  const after: number[] = [];
  /** A scalar's value (mapping keys are read from it), or COLLECTION. */
  const scalar: unknown[] = [];
  /** 1 for a mapping, 2 for a sequence, 0 for a scalar. */
  const shape: number[] = [];
  const open: number[] = [];
  const value = load(text, {
    schema: CORE_SCHEMA,
    listener(event: 'open' | 'close', state: State) {
      if (event === 'open') {
        open.push(start.length);
        start.push(state.position);
        end.push(0);
        after.push(0);
        scalar.push(undefined);
        shape.push(0);
        return;
      }
      const i = open.pop()!;
      end[i] = state.position;
      after[i] = start.length;
      const result = state.result as unknown;
      if (Array.isArray(result)) shape[i] = 2;
      else if (result !== null && typeof result === 'object') shape[i] = 1;
      else scalar[i] = result;
    },
  });
  // the document's node is the last one at the top level
  let top = start.length ? 0 : -1;
  while (top >= 0 && (after[top] ?? 0) < start.length) top = after[top] ?? start.length;
  return {
    value,
    offsetsAt(path) {
      if (top < 0) return [0, text.length];
      let node = top;
      for (const key of path) {
        const last = after[node] ?? node + 1;
        let found = -1;
        if (shape[node] === 1) {
          // children: key, value, key, value...; the last pair for a repeated key, as the value holds it
          for (let k = node + 1; k < last; ) {
            const v = after[k] ?? last;
            if (v >= last) break; // a key whose value never closed has no node
            if (String(scalar[k]) === String(key)) found = v;
            k = after[v] ?? last;
          }
        } else if (shape[node] === 2 && typeof key === 'number') {
          let k = node + 1;
          for (let n = 0; k < last && n < key; n++) k = after[k] ?? last;
          if (k < last) found = k;
        }
        if (found < 0) break;
        node = found;
      }
      return trimmed(text, start[node] ?? 0, end[node] ?? text.length);
    },
  };
}

/** js-yaml's positions include the whitespace and comments around a node; the range is its text. */
function trimmed(text: string, start: number, end: number): [number, number] {
  let s = start;
  for (;;) {
    while (s < end && /\s/.test(text.charAt(s))) s++;
    if (text[s] === '#') {
      while (s < end && text[s] !== '\n') s++;
      continue;
    }
    break;
  }
  // A block node ends where the next one starts; drop trailing blank lines and comment-only lines.
  let e = end;
  for (;;) {
    while (e > s && /\s/.test(text.charAt(e - 1))) e--;
    const lineStart = text.lastIndexOf('\n', e - 1) + 1;
    if (lineStart > s && /^\s*#/.test(text.slice(lineStart, e))) {
      e = lineStart;
      continue;
    }
    break;
  }
  return [s, Math.max(s, e)];
}
