import type { CliIo } from './cli-io.ts';

/**
 * A table as Kafka's tools print them: every column left-aligned and padded to its widest cell
 * (or at least `minWidths`), one space between columns, the last column unpadded.
 */
export function formatTable(headers: readonly string[], rows: ReadonlyArray<readonly string[]>, minWidths: readonly number[] = []): string {
  const widths = headers.map((h, i) => Math.max(h.length, minWidths[i] ?? 0, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells.map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i]!))).join(' ').trimEnd();
  return [line(headers), ...rows.map(line)].join('\n') + '\n';
}

export function printJson(io: CliIo, value: unknown): void {
  io.stdout(JSON.stringify(value, null, 2) + '\n');
}

/**
 * A single self-overwriting progress line on stderr, shown only on a terminal so that piped or
 * captured output carries nothing but the results.
 */
export class Progress {
  readonly #io: CliIo;
  readonly #enabled: boolean;
  #shown = false;
  #lastMs = 0;

  constructor(io: CliIo) {
    this.#io = io;
    this.#enabled = io.stderrIsTerminal === true;
  }

  update(text: string, { force = false } = {}): void {
    if (!this.#enabled) return;
    const now = Date.now();
    if (!force && now - this.#lastMs < 200) return;
    this.#lastMs = now;
    this.#io.stderr(`\r\x1b[2K${text}`);
    this.#shown = true;
  }

  done(): void {
    if (this.#shown) this.#io.stderr('\r\x1b[2K');
    this.#shown = false;
  }
}

/** Java's String.format("%.Nf"), which the perf tools' lines use. */
export function fixed(value: number, digits: number): string {
  return Number.isFinite(value) ? value.toFixed(digits) : value > 0 ? 'Infinity' : 'NaN';
}
