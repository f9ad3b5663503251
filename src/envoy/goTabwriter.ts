// A faithful port of the parts of Go's text/tabwriter that istioctl uses, because istioctl's tables are
// only reproduced byte for byte if cell widths, padding and column blocks follow Go's exact rules:
//  - a cell is text terminated by '\t'; the text after the last tab of a line is not part of any column
//    and is never padded (so an empty trailing cell prints nothing, but an empty tab-terminated cell is padded);
//  - a column block is a run of consecutive lines that all have a cell in that column; each block gets its
//    own width (max cell width + padding, at least minwidth), computed recursively column by column;
//  - a line with a single cell (no tab) flushes everything before it, so it separates blocks.
// Widths count Unicode code points, as Go counts runes. Flags (AlignRight, DiscardEmptyColumns, ...) are not
// used by istioctl and are not implemented.
import { goIndex } from './goIndex';

export interface TabwriterOptions {
  minwidth: number;
  tabwidth: number;
  padding: number;
  padchar: string;
}

interface Cell {
  width: number;
  text: string;
}

export class GoTabwriter {
  private lines: Cell[][] = [[]];
  private cellText = '';
  private widths: number[] = [];
  private out: string[] = [];

  constructor(private readonly opts: TabwriterOptions) {
    if (opts.padchar === '\t') throw new Error('tab padding is not implemented');
  }

  /** Go's tabwriter.NewWriter(w, minwidth, tabwidth, padding, padchar, 0). */
  static istioctl(padding: number): GoTabwriter {
    return new GoTabwriter({ minwidth: 0, tabwidth: 8, padding, padchar: ' ' });
  }

  write(text: string): this {
    let start = 0;
    for (let i = 0; i < text.length; i++) {
      const ch = text.charCodeAt(i);
      // '\t' and '\v' end a cell, '\n' and '\f' end a cell and a line.
      if (ch === 9 || ch === 11 || ch === 10 || ch === 12) {
        this.cellText += text.slice(start, i);
        start = i + 1;
        const ncells = this.terminateCell();
        if (ch === 10 || ch === 12) {
          this.lines.push([]);
          if (ch === 12 || ncells === 1) this.flushInternal();
        }
      }
    }
    this.cellText += text.slice(start);
    return this;
  }

  /** Writes one row: cells joined by tabs, newline-terminated (what istioctl's Fprintf("%v\t%v\n") does). */
  row(cells: readonly (string | number)[]): this {
    return this.write(cells.join('\t') + '\n');
  }

  /** Formats everything buffered and returns the output produced since the last flush. */
  flush(): string {
    this.flushInternal();
    const s = this.out.join('');
    this.out = [];
    return s;
  }

  private terminateCell(): number {
    const line = goIndex(this.lines, this.lines.length - 1);
    line.push({ width: runeCount(this.cellText), text: this.cellText });
    this.cellText = '';
    return line.length;
  }

  private flushInternal(): void {
    // The partial cell at the end is written as is by writeLines (Go keeps it in b.cell).
    this.format(0, this.lines.length);
    // Go resets to a single empty line; the pending text stays pending.
    this.lines = [[]];
    this.widths = [];
  }

  private format(line0: number, line1: number): void {
    const column = this.widths.length;
    for (let thisLine = line0; thisLine < line1; thisLine++) {
      let line = goIndex(this.lines, thisLine);
      if (column >= line.length - 1) continue;
      // A cell exists in this column: print the lines before the block, then size the block.
      this.writeLines(line0, thisLine);
      line0 = thisLine;
      let width = this.opts.minwidth;
      for (; thisLine < line1; thisLine++) {
        line = goIndex(this.lines, thisLine);
        if (column >= line.length - 1) break;
        const w = goIndex(line, column).width + this.opts.padding;
        if (w > width) width = w;
      }
      this.widths.push(width);
      this.format(line0, thisLine);
      this.widths.pop();
      line0 = thisLine;
    }
    this.writeLines(line0, line1);
  }

  private writeLines(line0: number, line1: number): void {
    for (let i = line0; i < line1; i++) {
      const line = goIndex(this.lines, i);
      line.forEach((c, j) => {
        this.out.push(c.text);
        if (j < this.widths.length)
          this.out.push(this.opts.padchar.repeat(Math.max(0, goIndex(this.widths, j) - c.width)));
      });
      if (i + 1 === this.lines.length) {
        // Last buffered line: no newline, write the outstanding partial cell.
        this.out.push(this.cellText);
        this.cellText = '';
      } else {
        this.out.push('\n');
      }
    }
  }
}

function runeCount(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

/** Formats rows the way istioctl does: tabwriter.NewWriter(w, 0, 8, padding, ' ', 0), one Fprintf per row. */
export function goTable(rows: readonly (readonly (string | number)[])[], padding: number): string {
  const w = GoTabwriter.istioctl(padding);
  for (const r of rows) w.row(r);
  return w.flush();
}
