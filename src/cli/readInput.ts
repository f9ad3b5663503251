// The CLI's one way to read an input file: bounded, never blocking, never echoing binary.
// A FIFO or a device given as a file would block (FIFO) or never end (/dev/zero), so only regular files
// are read; files are capped below V8's longest string; UTF-8 and UTF-16 (with a BOM, or recognised by
// its zero bytes) are decoded, anything else is refused as binary.
import { constants } from 'node:fs';
import { open, stat } from 'node:fs/promises';

/** Larger files are refused: V8's strings end near 512 MiB, and the engine needs room besides. */
export const MAX_INPUT_BYTES = 400 * 1024 * 1024;

/** An error whose message is one finished sentence for the user (file named, what to do). */
export class InputFileError extends Error {
  override name = 'InputFileError';
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

function kindOf(s: {
  isFIFO(): boolean;
  isCharacterDevice(): boolean;
  isBlockDevice(): boolean;
  isSocket(): boolean;
  isDirectory(): boolean;
}): string | undefined {
  if (s.isFIFO()) return 'a FIFO (named pipe)';
  if (s.isCharacterDevice() || s.isBlockDevice()) return 'a device';
  if (s.isSocket()) return 'a socket';
  if (s.isDirectory()) return 'a directory';
  return undefined;
}

/** Reads a regular file as text (UTF-8 or UTF-16), or throws InputFileError / a Node error with a code. */
export async function readTextFile(path: string, maxBytes = MAX_INPUT_BYTES): Promise<string> {
  const before = await stat(path); // stat never blocks on a FIFO; open would
  const kind = kindOf(before);
  if (kind === 'a directory') throw Object.assign(new Error(`${path} is a directory`), { code: 'EISDIR' });
  if (kind)
    throw new InputFileError(
      `${path} is ${kind}, not a file; save the YAML or JSON to a regular file and give that`,
      'ENOTREG',
    );
  if (before.size > maxBytes) throw new InputFileError(tooBig(path, before.size, maxBytes), 'EFBIG');
  // O_NONBLOCK: should the path become a FIFO between stat and open, open does not wait for a writer.
  const fh = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const s = await fh.stat();
    const k = kindOf(s);
    if (k)
      throw new InputFileError(
        `${path} is ${k}, not a file; save the YAML or JSON to a regular file and give that`,
        'ENOTREG',
      );
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const buf = Buffer.allocUnsafe(Math.min(1 << 20, maxBytes + 1 - total));
      const { bytesRead } = await fh.read(buf, 0, buf.length, null);
      if (bytesRead === 0) break;
      total += bytesRead;
      if (total > maxBytes) throw new InputFileError(tooBig(path, total, maxBytes), 'EFBIG');
      chunks.push(buf.subarray(0, bytesRead));
    }
    return decodeText(Buffer.concat(chunks, total), path);
  } finally {
    await fh.close();
  }
}

function tooBig(path: string, size: number, max: number): string {
  return `${path} is larger than ${Math.round(max / 1024 / 1024)} MiB (${size > max ? 'at least ' : ''}${Math.round(size / 1024 / 1024)} MiB); split it into smaller files`;
}

/** UTF-8 (BOM dropped) or UTF-16 LE/BE; binary data is refused without echoing it. */
export function decodeText(bytes: Uint8Array, path: string): string {
  if (bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) bytes = bytes.subarray(3);
  else if (bytes.length >= 2 && bytes[0] === 0xff && bytes[1] === 0xfe)
    return utf16(bytes.subarray(2), 'utf-16le', path);
  else if (bytes.length >= 2 && bytes[0] === 0xfe && bytes[1] === 0xff)
    return utf16(bytes.subarray(2), 'utf-16be', path);
  else if (bytes.length >= 4 && bytes[0] !== 0 && bytes[1] === 0 && bytes[2] !== 0 && bytes[3] === 0)
    return utf16(bytes, 'utf-16le', path);
  else if (bytes.length >= 4 && bytes[0] === 0 && bytes[1] !== 0 && bytes[2] === 0 && bytes[3] !== 0)
    return utf16(bytes, 'utf-16be', path);
  const nul = bytes.indexOf(0);
  if (nul >= 0) throw binary(path, nul);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw binary(path, firstInvalidUtf8(bytes));
  }
}

function utf16(bytes: Uint8Array, encoding: 'utf-16le' | 'utf-16be', path: string): string {
  let text: string;
  try {
    text = new TextDecoder(encoding, { fatal: true }).decode(bytes);
  } catch {
    throw new InputFileError(
      `${path} looks like ${encoding.toUpperCase()} but is not valid ${encoding.toUpperCase()}; save it as UTF-8`,
      'EBINARY',
    );
  }
  const nul = text.indexOf('\0');
  if (nul >= 0) throw binary(path, nul);
  return text;
}

function binary(path: string, offset: number): InputFileError {
  return new InputFileError(
    `${path} is not a text file (binary data at byte ${offset}); give a YAML or JSON file in UTF-8`,
    'EBINARY',
  );
}

function firstInvalidUtf8(bytes: Uint8Array): number {
  // Decode in growing slices would be slow; scan for the first byte sequence UTF-8 forbids.
  for (let i = 0; i < bytes.length; ) {
    const b = bytes[i] ?? 0;
    const n = b < 0x80 ? 1 : b >= 0xc2 && b < 0xe0 ? 2 : b >= 0xe0 && b < 0xf0 ? 3 : b >= 0xf0 && b < 0xf5 ? 4 : 0;
    if (n === 0) return i;
    for (let k = 1; k < n; k++) if (((bytes[i + k] ?? 0) & 0xc0) !== 0x80) return i;
    i += n;
  }
  return bytes.length;
}

// C0 and C1 control characters (Unicode's Cc) and U+FFFD (what a decoder put where bytes were not text).
const CONTROL_OR_REPLACEMENT = /\p{Cc}|\ufffd/gu;

/** One line, no control characters, bounded: what a message built from input may show. */
export function oneLine(message: string, max = 400): string {
  const flat = message.replace(/\r?\n[^]*$/, '').replace(CONTROL_OR_REPLACEMENT, '?');
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}

/** Reads standard input to its end, with the same cap and decoding as a file. */
export async function readStdinText(maxBytes = MAX_INPUT_BYTES): Promise<string> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of process.stdin) {
    const b = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    total += b.length;
    if (total > maxBytes) throw new InputFileError(tooBig('standard input', total, maxBytes), 'EFBIG');
    chunks.push(b);
  }
  return decodeText(Buffer.concat(chunks, total), 'standard input');
}
