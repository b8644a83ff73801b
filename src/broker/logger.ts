import { pino } from 'pino';
import type { DestinationStream, Level, Logger as PinoLogger } from 'pino';

/** The structured logger every broker component takes (passed in, never imported as a global). */
export type Logger = PinoLogger;

export type LogLevel = Level | 'silent';

export interface LoggerOptions {
  /** Defaults to 'info'. 'silent' is what tests usually want. */
  readonly level?: LogLevel;
  /** Component or process name, shown on every line. */
  readonly name?: string;
  /** Where lines go; defaults to stdout (as Kafka's console appender does). */
  readonly destination?: DestinationStream;
}

/** One JSON line per event; components derive children with `logger.child({ component })`. */
export function createLogger(options: LoggerOptions = {}): Logger {
  const pinoOptions = {
    level: options.level ?? 'info',
    base: options.name === undefined ? { pid: process.pid } : { name: options.name, pid: process.pid },
  };
  return options.destination === undefined ? pino(pinoOptions) : pino(pinoOptions, options.destination);
}

/** A logger that drops everything: for tests that do not look at logs. */
export function createSilentLogger(): Logger {
  return pino({ level: 'silent' });
}

/** One line a capturing logger kept: pino's JSON, parsed. */
export interface CapturedLogLine {
  readonly level: number;
  readonly msg: string;
  readonly [field: string]: unknown;
}

/** A logger that keeps its lines (debug and up), for tests that check what an operator would read. */
export function createCapturingLogger(): { logger: Logger; lines: CapturedLogLine[] } {
  const lines: CapturedLogLine[] = [];
  const logger = createLogger({ level: 'debug', destination: { write: (line: string) => { lines.push(JSON.parse(line) as CapturedLogLine); } } });
  return { logger, lines };
}
