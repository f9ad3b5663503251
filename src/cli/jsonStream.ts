// `-o json` of a long list, written in pieces: one JSON.stringify of 50k predicted routes passes V8's
// longest string ("Invalid string length"). The bytes are exactly JSON.stringify(items, null, indent).

/** Writes `items` as JSON.stringify(items, null, indent) would, in chunks of about `chunkChars`. */
export function writeJsonArray(
  write: (text: string) => void,
  items: readonly unknown[],
  indent = 2,
  chunkChars = 1 << 20,
): void {
  if (!items.length) {
    write('[]\n');
    return;
  }
  const pad = ' '.repeat(indent);
  let buf = '[\n';
  items.forEach((item, i) => {
    const text = JSON.stringify(item === undefined ? null : item, null, indent) ?? 'null';
    buf += pad + text.replace(/\n/g, `\n${pad}`) + (i < items.length - 1 ? ',\n' : '\n');
    if (buf.length >= chunkChars) {
      write(buf);
      buf = '';
    }
  });
  write(`${buf}]\n`);
}
