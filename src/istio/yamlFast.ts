// The fast path of the YAML reader: js-yaml (about 7 times faster than the `yaml` package here) with its
// node listener recording where each node starts and ends, so ranges are kept without `yaml`'s CST.
// The reader falls back to `yaml` for any document js-yaml refuses (so messages stay the same), for
// anchors (the alias-bomb guard lives there) and for non-breaking spaces.
import { load, CORE_SCHEMA, type State } from 'js-yaml';
import type { YamlPath } from './model';

interface PosNode {
  start: number;
  end: number;
  /** Mapping keys (then `kids` are their values) or, without keys, sequence items. */
  keys?: string[];
  kids?: PosNode[];
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
  // Flat stacks, few allocations: a 10k-document file has about 400k nodes and GC was most of the cost.
  const starts: number[] = [];
  const kidNodes: PosNode[][] = [[]];
  const kidResults: unknown[][] = [[]];
  const value = load(text, {
    schema: CORE_SCHEMA,
    listener(event: 'open' | 'close', state: State) {
      if (event === 'open') {
        starts.push(state.position);
        kidNodes.push([]);
        kidResults.push([]);
        return;
      }
      const start = starts.pop()!;
      const nodes = kidNodes.pop()!;
      const results = kidResults.pop()!;
      const result = state.result as unknown;
      const node: PosNode = { start, end: state.position };
      if (Array.isArray(result)) node.kids = nodes;
      else if (result !== null && typeof result === 'object') {
        // Children close in order: key, value, key, value...
        const keys: string[] = [];
        const kids: PosNode[] = [];
        nodes.forEach((child, i) => {
          if (i % 2 === 0) keys.push(String(results[i]));
          else kids.push(child);
        });
        keys.length = kids.length; // a key whose value never closed has no node
        node.keys = keys;
        node.kids = kids;
      }
      kidNodes.at(-1)?.push(node);
      kidResults.at(-1)?.push(typeof result === 'object' ? null : result);
    },
  });
  const top = kidNodes[0]?.at(-1);
  return {
    value,
    offsetsAt(path) {
      let node: PosNode | undefined = top;
      let found: PosNode | undefined = top;
      for (const key of path) {
        if (!node?.kids) break;
        if (node.keys) {
          const i: number = node.keys.lastIndexOf(String(key));
          node = i < 0 ? undefined : node.kids[i];
        } else node = typeof key === 'number' ? node.kids[key] : undefined;
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
