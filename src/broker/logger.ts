import { pino } from 'pino';
import type { DestinationStream, Level, Logger as PinoLogger } from 'pino';
import { textLogDestination } from './log-text-format.ts';

/** The structured logger every broker component takes (passed in, never imported as a global). */
export type Logger = PinoLogger;

export type LogLevel = Level | 'silent';

/** `text`: lines for people, as Kafka's log4j lines are; `json`: one JSON object a line, for log shippers. */
export const LOG_FORMATS = ['text', 'json'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

export interface LoggerOptions {
  /** Defaults to 'info'. 'silent' is what tests usually want. */
  readonly level?: LogLevel;
  /** Component or process name, shown on every line. */
  readonly name?: string;
  /** Where lines go; defaults to stdout (as Kafka's console appender does). */
  readonly destination?: DestinationStream;
  /** Defaults to 'json'; processes choose with chooseLogFormat. */
  readonly format?: LogFormat;
  /** ANSI colours in text lines; only where the destination is a terminal that shows them. */
  readonly colors?: boolean;
}

/** One line per event; components derive children with `logger.child({ component })`. */
export function createLogger(options: LoggerOptions = {}): Logger {
  const pinoOptions = {
    level: options.level ?? 'info',
    base: options.name === undefined ? { pid: process.pid } : { name: options.name, pid: process.pid },
  };
  if (options.format === 'text') {
    // Synchronous writes: a line logged just before process.exit still reaches the terminal.
    const out = options.destination ?? pino.destination({ dest: 1, sync: true });
    return pino(pinoOptions, textLogDestination(out, { colors: options.colors ?? false }));
  }
  return options.destination === undefined ? pino(pinoOptions) : pino(pinoOptions, options.destination);
}

/** The process's environment and stdout, as far as choosing a log format needs them. */
export interface LogSurroundings {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stdout: { readonly isTTY?: boolean; hasColors?(env?: object): boolean };
}

const processSurroundings = (): LogSurroundings => ({ env: process.env, stdout: process.stdout });

/**
 * The one place a process's log format is chosen: the broker's `log.format` when set, else
 * SAMSA_LOG_FORMAT (for commands that have no broker config), else text on a terminal and JSON
 * lines anywhere else (pipes, files, CI), so log shippers keep getting JSON. Colours only on a
 * terminal that shows them (hasColors honours NO_COLOR, FORCE_COLOR and TERM=dumb).
 */
export function chooseLogFormat(configured: LogFormat | null = null, { env, stdout }: LogSurroundings = processSurroundings()): { format: LogFormat; colors: boolean } {
  const fromEnv = parseLogFormat(env['SAMSA_LOG_FORMAT']);
  const terminal = stdout.isTTY === true;
  const format = configured ?? fromEnv ?? (terminal ? 'text' : 'json');
  return { format, colors: format === 'text' && terminal && (stdout.hasColors?.(env) ?? false) };
}

function parseLogFormat(text: string | undefined): LogFormat | undefined {
  return LOG_FORMATS.find((f) => f === text?.trim().toLowerCase());
}

/** SAMSA_LOG_LEVEL, or info. */
export function logLevelFromEnvironment(env: Readonly<Record<string, string | undefined>> = process.env): LogLevel {
  const level = env['SAMSA_LOG_LEVEL'];
  return level === 'silent' || level === 'debug' || level === 'warn' || level === 'error' ? level : 'info';
}

/**
 * The logger of a process (the broker, a command): level from SAMSA_LOG_LEVEL, format from
 * chooseLogFormat, lines to stdout (or `destination`). A SAMSA_LOG_FORMAT that is neither text nor json is said once.
 */
export function createProcessLogger(
  { name, configuredFormat = null, destination }: { name: string; configuredFormat?: LogFormat | null; destination?: DestinationStream },
  surroundings: LogSurroundings = processSurroundings(),
): Logger {
  const format = chooseLogFormat(configuredFormat, surroundings);
  const logger = createLogger({ name, level: logLevelFromEnvironment(surroundings.env), ...format, ...(destination === undefined ? {} : { destination }) });
  const asked = surroundings.env['SAMSA_LOG_FORMAT'];
  if (configuredFormat === null && asked !== undefined && asked.trim() !== '' && parseLogFormat(asked) === undefined) {
    logger.warn({ SAMSA_LOG_FORMAT: asked }, `SAMSA_LOG_FORMAT is not one of ${LOG_FORMATS.join(', ')}; ignored`);
  }
  return logger;
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
