// Quick-fix edits computed from the file's text and the ranges the YAML model gives. Inserted values are
// written in flow style (`{number: 80}`, `- {name: http, port: 80}`), which fits both block and flow
// surroundings, so an edit never has to guess the file's indentation beyond the column it can see.
import type { Position, Range } from '../model';
import type { TextEdit } from './types';

function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === '\n') starts.push(i + 1);
  return starts;
}

export function offsetAt(text: string, pos: Position): number {
  const starts = lineStarts(text);
  const lineStart = starts[Math.min(pos.line, starts.length - 1)] ?? 0;
  return Math.min(lineStart + pos.character, text.length);
}

/** Applies edits (ranges refer to the original text), as an editor's WorkspaceEdit would. */
export function applyTextEdits(text: string, edits: readonly Pick<TextEdit, 'range' | 'newText'>[]): string {
  const withOffsets = edits
    .map((e) => ({ start: offsetAt(text, e.range.start), end: offsetAt(text, e.range.end), newText: e.newText }))
    .sort((a, b) => b.start - a.start || b.end - a.end);
  let out = text;
  for (const e of withOffsets) out = out.slice(0, e.start) + e.newText + out.slice(e.end);
  return out;
}

const point = (p: Position): Range => ({ start: p, end: p });

/** A scalar written so YAML reads it back as the same string (quoted when plain style would not). */
export function yamlScalar(s: string): string {
  return /^[A-Za-z0-9][A-Za-z0-9._/-]*$/.test(s) ? s : JSON.stringify(s);
}

const charAt = (text: string, pos: Position): string => text[offsetAt(text, pos)] ?? '';

/**
 * Appends `item` (one line of YAML, flow style for maps) to the sequence at `seqRange`, after `lastItem`
 * (the range of its last element, if any).
 */
export function appendToSequence(
  text: string,
  file: string,
  seqRange: Range,
  lastItem: Range | undefined,
  item: string,
): TextEdit | undefined {
  const first = charAt(text, seqRange.start);
  if (first === '[') {
    if (lastItem) return { file, range: point(lastItem.end), newText: `, ${item}` };
    const close = text.indexOf(']', offsetAt(text, seqRange.start));
    if (close < 0) return undefined;
    const before = text.slice(0, close).split('\n');
    return {
      file,
      range: point({ line: before.length - 1, character: before.at(-1)?.length ?? 0 }),
      newText: item,
    };
  }
  if (first !== '-' || !lastItem) return undefined;
  const indent = ' '.repeat(seqRange.start.character);
  // A block collection item's range runs up to the start of the next line.
  if (lastItem.end.character === 0 && lastItem.end.line > lastItem.start.line) {
    return { file, range: point(lastItem.end), newText: `${indent}- ${item}\n` };
  }
  return { file, range: point(lastItem.end), newText: `\n${indent}- ${item}` };
}

/** Adds `key: value` to the mapping at `mapRange`, right after the value at `afterValue` (a scalar of that mapping). */
export function addMapEntryAfter(
  text: string,
  file: string,
  mapRange: Range,
  afterValue: Range,
  key: string,
  value: string,
): TextEdit {
  if (charAt(text, mapRange.start) === '{')
    return { file, range: point(afterValue.end), newText: `, ${key}: ${value}` };
  const indent = ' '.repeat(mapRange.start.character);
  return { file, range: point(afterValue.end), newText: `\n${indent}${key}: ${value}` };
}

export const replaceRange = (file: string, range: Range, newText: string): TextEdit => ({ file, range, newText });

/** Levenshtein distance, for telling a typo from a different name. */
export function editDistance(a: string, b: string): number {
  // Two rows of the distance table; row[j] is the distance between a's prefix so far and b's first j characters.
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (const [i, ca] of [...a].entries()) {
    const cur = [i + 1];
    for (const [j, cb] of [...b].entries())
      cur.push(Math.min((prev[j + 1] ?? 0) + 1, (cur[j] ?? 0) + 1, (prev[j] ?? 0) + (ca === cb ? 0 : 1)));
    prev = cur;
  }
  return prev.at(-1) ?? 0;
}
