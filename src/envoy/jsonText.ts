// JSON.parse with an error that says where: line and column (1-based) computed from V8's "at position N".

export class JsonSyntaxError extends Error {
  constructor(
    readonly detail: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(`invalid JSON at line ${line}, column ${column}: ${detail}`);
    this.name = 'JsonSyntaxError';
  }
}

export function lineColumnAt(text: string, position: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  const end = Math.min(position, text.length);
  for (let i = 0; i < end; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: end - lineStart + 1 };
}

export function parseJsonText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    const lc = /line (\d+) column (\d+)/.exec(message);
    const pos = /at position (\d+)/.exec(message);
    // Drop V8's own location and the echoed source excerpt; we say where ourselves.
    const detail = message
      .replace(/ in JSON at position \d+.*$/s, '')
      .replace(/ at position \d+$/, '')
      .replace(/, "[^]*" is not valid JSON$/, '')
      .replace(/ \(line \d+ column \d+\)$/, '');
    if (lc) throw new JsonSyntaxError(detail, Number(lc[1]), Number(lc[2]));
    // V8 omits the position for some errors ("Unexpected token ',', ... is not valid JSON"): find it ourselves.
    const position = pos ? Number(pos[1]) : firstErrorOffset(text);
    const { line, column } = lineColumnAt(text, position);
    throw new JsonSyntaxError(detail, line, column);
  }
}

/** Offset of the first syntax error in `text` (a small recursive-descent JSON scanner, used only on failure). */
export function firstErrorOffset(text: string): number {
  let i = 0;
  const fail = (): never => {
    throw new ScanStop(i);
  };
  const ws = () => {
    while (i < text.length && ' \t\n\r'.includes(text.charAt(i))) i++;
  };
  const lit = (word: string) => {
    for (let k = 0; k < word.length; k++, i++) if (text[i] !== word[k]) fail();
  };
  const str = () => {
    i++; // opening quote
    for (;;) {
      if (i >= text.length) fail();
      const c = text.charCodeAt(i);
      if (c === 34) {
        i++;
        return;
      }
      if (c < 32) fail();
      if (c === 92) {
        i++;
        const e = text[i];
        if (e === 'u') {
          for (let k = 1; k <= 4; k++)
            if (!/[0-9a-fA-F]/.test(text[i + k] ?? '')) {
              i += k;
              fail();
            }
          i += 5;
        } else if (e !== undefined && '"\\/bfnrt'.includes(e)) i++;
        else fail();
      } else i++;
    }
  };
  const num = () => {
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
    if (!m || m[0] === '' || m[0] === '-') fail();
    i += m![0].length;
  };
  const value = (): void => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      ws();
      if (text[i] === '}') {
        i++;
        return;
      }
      for (;;) {
        ws();
        if (text[i] !== '"') fail();
        str();
        ws();
        if (text[i] !== ':') fail();
        i++;
        value();
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') {
          i++;
          return;
        }
        fail();
      }
    } else if (c === '[') {
      i++;
      ws();
      if (text[i] === ']') {
        i++;
        return;
      }
      for (;;) {
        value();
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ']') {
          i++;
          return;
        }
        fail();
      }
    } else if (c === '"') str();
    else if (c === 't') lit('true');
    else if (c === 'f') lit('false');
    else if (c === 'n') lit('null');
    else if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) num();
    else fail();
  };
  try {
    value();
    ws();
    if (i < text.length) return i;
    return text.length;
  } catch (stop) {
    if (stop instanceof ScanStop) return stop.offset;
    throw stop;
  }
}

/** Unwinds the scanner from any depth to the offset where the text stopped being JSON. */
class ScanStop extends Error {
  constructor(readonly offset: number) {
    super(`JSON stops being valid at offset ${offset}`);
  }
}
