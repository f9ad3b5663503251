// The fast path of the YAML reader: js-yaml (about 7 times faster than the `yaml` package here) with its
// node listener recording where each node starts and ends, so ranges are kept without `yaml`'s CST.
// The reader falls back to `yaml` for any document js-yaml refuses (so messages stay the same), for
// anchors (the alias-bomb guard lives there) and for non-breaking spaces.
import { load, CORE_SCHEMA, type State } from 'js-yaml';
import type { YamlPath } from './model';

interface PosNode {
  start: number;
  end: number;
  /** Mapping values by key, or sequence items by index. */
  children?: Map<string, PosNode> | PosNode[];
}

interface Frame {
  start: number;
  closed: { node: PosNode; result: unknown }[];
}

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
  const stack: Frame[] = [{ start: 0, closed: [] }];
  const value = load(text, {
    schema: CORE_SCHEMA,
    listener(event: 'open' | 'close', state: State) {
      if (event === 'open') {
        stack.push({ start: state.position, closed: [] });
        return;
      }
      const frame = stack.pop()!;
      const result = state.result as unknown;
      const node: PosNode = { start: frame.start, end: state.position };
      if (Array.isArray(result)) node.children = frame.closed.map((c) => c.node);
      else if (result !== null && typeof result === 'object') {
        // Children close in order: key, value, key, value...
        const m = new Map<string, PosNode>();
        for (let i = 0; i + 1 < frame.closed.length; i += 2) m.set(String(frame.closed[i]!.result), frame.closed[i + 1]!.node);
        node.children = m;
      }
      stack[stack.length - 1]!.closed.push({ node, result });
    },
  });
  const top = stack[0]!.closed[stack[0]!.closed.length - 1]?.node;
  return {
    value,
    offsetsAt(path) {
      let node: PosNode | undefined = top;
      let found: PosNode | undefined = top;
      for (const key of path) {
        const c: PosNode["children"] = node?.children;
        if (!c) break;
        node = Array.isArray(c) ? (typeof key === 'number' ? c[key] : undefined) : c.get(String(key));
        if (!node) break;
        found = node;
      }
      if (!found) return [0, text.length];
      return trimmed(text, found.start, found.end);
    },
  };
}

/** js-yaml's positions include the whitespace and comments around a node; the range is its text. */
function trimmed(text: string, start: number, end: number): [number, number] {
  let s = start;
  for (;;) {
    while (s < end && /\s/.test(text[s]!)) s++;
    if (text[s] === '#') {
      while (s < end && text[s] !== '\n') s++;
      continue;
    }
    break;
  }
  // A block node ends where the next one starts; drop trailing blank lines and comment-only lines.
  let e = end;
  for (;;) {
    while (e > s && /\s/.test(text[e - 1]!)) e--;
    const lineStart = text.lastIndexOf('\n', e - 1) + 1;
    if (lineStart > s && /^\s*#/.test(text.slice(lineStart, e))) {
      e = lineStart;
      continue;
    }
    break;
  }
  return [s, Math.max(s, e)];
}
