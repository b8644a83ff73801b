import { UsageError } from './cli-io.ts';
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

/**
 * A java.text.SimpleDateFormat pattern (the perf tools' --date-format) in local time: the letters
 * y M d H h m s S a E and 'quoted text'. Other pattern letters are refused, not printed wrongly.
 */
export function javaDateFormatter(pattern: string): (ms: number) => string {
  const parts: Array<string | ((d: Date) => string)> = [];
  const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
  const pad = (n: number, width: number) => String(n).padStart(width, '0');
  for (let i = 0; i < pattern.length;) {
    const c = pattern[i]!;
    if (c === "'") {
      // 'text' is literal, and '' is a quote (inside quoted text too).
      if (pattern[i + 1] === "'") {
        parts.push("'");
        i += 2;
        continue;
      }
      let literal = '';
      for (i++; ; i++) {
        if (i >= pattern.length) throw new UsageError(`unterminated quote in date format '${pattern}'`);
        if (pattern[i] !== "'") literal += pattern[i];
        else if (pattern[i + 1] === "'") literal += pattern[i++];
        else break;
      }
      parts.push(literal);
      i++;
      continue;
    }
    if (!/[A-Za-z]/.test(c)) {
      parts.push(c);
      i++;
      continue;
    }
    let n = 1;
    while (pattern[i + n] === c) n++;
    i += n;
    switch (c) {
      case 'y': parts.push((d) => (n === 2 ? pad(d.getFullYear() % 100, 2) : pad(d.getFullYear(), n))); break;
      case 'M': parts.push((d) => pad(d.getMonth() + 1, n)); break;
      case 'd': parts.push((d) => pad(d.getDate(), n)); break;
      case 'H': parts.push((d) => pad(d.getHours(), n)); break;
      case 'h': parts.push((d) => pad(d.getHours() % 12 || 12, n)); break;
      case 'm': parts.push((d) => pad(d.getMinutes(), n)); break;
      case 's': parts.push((d) => pad(d.getSeconds(), n)); break;
      case 'S': parts.push((d) => pad(d.getMilliseconds(), n)); break;
      case 'a': parts.push((d) => (d.getHours() < 12 ? 'AM' : 'PM')); break;
      case 'E': parts.push((d) => days[d.getDay()]!); break;
      default: throw new UsageError(`date format '${pattern}': pattern letter '${c}' is not supported (y M d H h m s S a E)`);
    }
  }
  return (ms) => {
    const date = new Date(ms);
    return parts.map((p) => (typeof p === 'string' ? p : p(date))).join('');
  };
}

/**
 * Kafka's ToolsUtils.printMetrics block (--print-metrics): a blank line, a header, then
 * `group:name:{tags} : value` sorted by name, doubles with three decimals.
 */
export function metricsBlock(metrics: ReadonlyArray<{ group: string; name: string; tags: Readonly<Record<string, string>>; value: number }>): string {
  const rows = metrics.map((m) => [`${m.group}:${m.name}:{${Object.entries(m.tags).map(([k, v]) => `${k}=${v}`).join(', ')}}`, m.value] as const)
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const width = Math.max(0, ...rows.map(([name]) => name.length));
  return `\n${'Metric Name'.padEnd(width)}   Value\n` + rows.map(([name, value]) => `${name.padEnd(width)} : ${fixed(value, 3)}\n`).join('');
}

const log4jTime = javaDateFormatter('yyyy-MM-dd HH:mm:ss,SSS');

/** A log line in the layout of Kafka's tools' log4j config: `[time] LEVEL message (logger)`. */
export function log4jLine(level: 'INFO' | 'WARN', message: string, logger: string, nowMs = Date.now()): string {
  return `[${log4jTime(nowMs)}] ${level} ${message} (${logger})\n`;
}
