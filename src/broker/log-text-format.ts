import { styleText } from 'node:util';
import type { DestinationStream } from 'pino';

/**
 * Log lines for people, in the layout of Kafka's log4j pattern `[%d] %p %m (%c)%n`:
 *
 *   [2026-12-07 03:32:19,123] INFO broker started (samsa) nodeId=1 clusterId=abc listeners=["PLAINTEXT://127.0.0.1:9092"]
 *
 * then the record's own fields as key=value, in the order pino wrote them (bindings such as nodeId
 * first), and an error's stack on the lines after, as log4j prints a throwable. pino-pretty cannot
 * give this shape (it always puts a colon after the level and prints fields on lines of their
 * own), so the line is built here from the JSON line pino writes; parsing it again costs little
 * beside a terminal's own speed, and the JSON path for machines stays untouched.
 */

export interface TextFormatOptions {
  /** ANSI colours on the level and the field names: only on a terminal that shows them. */
  readonly colors: boolean;
}

type Style = Parameters<typeof styleText>[0];

const LEVELS: ReadonlyArray<readonly [number, string, Style]> = [
  [60, 'FATAL', ['red', 'bold']],
  [50, 'ERROR', 'red'],
  [40, 'WARN', 'yellow'],
  [30, 'INFO', 'green'],
  [20, 'DEBUG', 'blue'],
  [10, 'TRACE', 'gray'],
];

/** Fields the line shows in its own places, or not at all (pid: Kafka's lines do not show it either). */
const PLACED = new Set(['time', 'level', 'msg', 'name', 'component', 'pid', 'hostname', 'err']);
/** What pino's error serializer writes besides an error's own properties (code, errno, ...). */
const ERROR_PLACED = new Set(['type', 'message', 'stack']);

/** One pino record (parsed JSON) as one text line, plus its error's stack on following lines. */
export function formatLogRecord(record: Readonly<Record<string, unknown>>, options: TextFormatOptions): string {
  const paint = (style: Style, text: string) => (options.colors ? styleText(style, text, { validateStream: false }) : text);
  const time = typeof record['time'] === 'number' ? log4jTime(record['time']) : '';
  const [, label, style] = levelOf(record['level']);
  const where = record['component'] ?? record['name'];
  const msg = textOf(record['msg']);
  let line = `${paint('dim', `[${time}]`)} ${paint(style, label)}${msg === '' ? '' : ` ${msg}`}`;
  if (where !== undefined) line += ` ${paint('dim', `(${textOf(where)})`)}`;
  const fields: string[] = [];
  for (const [key, value] of Object.entries(record)) {
    if (!PLACED.has(key)) fields.push(`${paint('cyan', key)}=${fieldValue(value)}`);
  }
  const err = record['err'];
  let trace = '';
  if (isObject(err)) {
    for (const [key, value] of Object.entries(err)) {
      if (!ERROR_PLACED.has(key)) fields.push(`${paint('cyan', `err.${key}`)}=${fieldValue(value)}`);
    }
    // The stack begins with "Type: message"; an error without one still shows what it was.
    const stack = typeof err['stack'] === 'string' ? err['stack'] : `${textOf(err['type'] ?? 'Error')}: ${textOf(err['message'])}`;
    trace = `\n${stack}`;
  } else if (err !== undefined) {
    fields.push(`${paint('cyan', 'err')}=${fieldValue(err)}`);
  }
  if (fields.length > 0) line += ` ${fields.join(' ')}`;
  return `${line}${trace}\n`;
}

/** A pino destination that writes each record as text to `out` (synchronously, so none is lost on exit). */
export function textLogDestination(out: DestinationStream, options: TextFormatOptions): DestinationStream {
  return {
    write(jsonLine: string) {
      let record: unknown;
      try {
        record = JSON.parse(jsonLine);
      } catch {
        out.write(jsonLine);
        return;
      }
      out.write(isObject(record) ? formatLogRecord(record, options) : jsonLine);
    },
  };
}

function levelOf(level: unknown): readonly [number, string, Style] {
  const value = typeof level === 'number' ? level : 30;
  return LEVELS.find(([min]) => value >= min) ?? LEVELS[LEVELS.length - 1]!;
}

/** log4j's default `%d`: local time as yyyy-MM-dd HH:mm:ss,SSS. */
function log4jTime(ms: number): string {
  const d = new Date(ms);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())},${String(d.getMilliseconds()).padStart(3, '0')}`;
}

/** Bare when a reader (or `grep key=value`) can take it as it is; quoted JSON when it has spaces, quotes or = in it. */
function fieldValue(value: unknown): string {
  if (typeof value === 'string') return value !== '' && !/[\s"=\\]/.test(value) ? value : JSON.stringify(value);
  if (typeof value === 'object' && value !== null) return JSON.stringify(value);
  return String(value);
}

function textOf(value: unknown): string {
  return typeof value === 'string' ? value : value === undefined ? '' : JSON.stringify(value);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
