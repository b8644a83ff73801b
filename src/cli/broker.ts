import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { ConfigError, parseBrokerConfig, parseOverrides, parseProperties } from '../broker/config.ts';
import type { BrokerConfigInput } from '../broker/config.ts';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, UsageError } from './cli-io.ts';
import type { CliIo } from './cli-io.ts';
import { reportEventLoopDelayOnSignal } from './event-loop-stats.ts';
import { announcedShutdown, waitForSignal } from './wait-for-signal.ts';

export const brokerUsage = `Usage: samsa broker [server.properties] [--config server.properties] [--override key=value ...]

Starts a broker. Without a config file it runs a single node on 127.0.0.1:9092 with data in ./data.
  -c, --config <file>       Kafka server.properties (may also be given as the only positional argument)
  -o, --override <k=v>      set a Kafka broker config, e.g. --override log.dirs=/tmp/samsa (repeatable)
  -h, --help                show this help
`;

export interface BrokerArgs {
  readonly help: boolean;
  readonly configFile: string | null;
  readonly overrides: readonly string[];
}

/** Parses `samsa broker` arguments, as kafka-server-start.sh takes them. */
export function parseBrokerArgs(args: readonly string[]): BrokerArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...args],
      allowPositionals: true,
      strict: true,
      options: {
        config: { type: 'string', short: 'c' },
        override: { type: 'string', short: 'o', multiple: true },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (positionals.length > 1) throw new UsageError(`expected at most one properties file, got: ${positionals.join(' ')}`);
  if (positionals.length === 1 && values.config !== undefined) {
    throw new UsageError('give the properties file either as an argument or with --config, not both');
  }
  return {
    help: values.help === true,
    configFile: values.config ?? positionals[0] ?? null,
    overrides: values.override ?? [],
  };
}

/** The broker as this command needs it; broker.ts provides the real one. */
export interface RunningBroker {
  readonly port: number;
  close(): Promise<void>;
}

export interface BrokerCommandDependencies {
  readonly startBroker: (config: BrokerConfigInput) => Promise<RunningBroker>;
  readonly readTextFile: (path: string) => Promise<string>;
  /** Resolves with the signal name when the process is asked to stop. */
  readonly waitForShutdown: () => Promise<string>;
}

/** Config input from a properties file and overrides: file first, overrides win. */
export async function loadBrokerConfigInput(
  args: BrokerArgs,
  readTextFile: (path: string) => Promise<string>,
): Promise<Record<string, string>> {
  const input = new Map<string, string>();
  if (args.configFile !== null) {
    let text: string;
    try {
      text = await readTextFile(args.configFile);
    } catch (error) {
      throw new UsageError(`cannot read config file ${args.configFile}: ${(error as Error).message}`);
    }
    for (const [key, value] of parseProperties(text)) input.set(key, value);
  }
  for (const [key, value] of parseOverrides(args.overrides)) input.set(key, value);
  return Object.fromEntries(input);
}

export async function runBrokerCommand(
  args: readonly string[],
  io: CliIo,
  dependencies: BrokerCommandDependencies = defaultDependencies(),
): Promise<number> {
  let input: Record<string, string>;
  try {
    const brokerArgs = parseBrokerArgs(args);
    if (brokerArgs.help) {
      io.stdout(brokerUsage);
      return EXIT_OK;
    }
    input = await loadBrokerConfigInput(brokerArgs, dependencies.readTextFile);
    // Validate here so a bad key is reported as one line naming it, before anything starts.
    parseBrokerConfig(input);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`samsa broker: ${error.message} (see 'samsa broker --help')\n`);
      return EXIT_USAGE;
    }
    if (error instanceof ConfigError) {
      io.stderr(`samsa broker: invalid config ${error.message}\n`);
      return EXIT_FAILURE;
    }
    throw error;
  }

  // A signal during the start is acted on once the broker has started; a second one exits at once.
  const shutdown = announcedShutdown('broker', io, dependencies.waitForShutdown);
  let broker: RunningBroker;
  try {
    broker = await dependencies.startBroker(input);
  } catch (error) {
    io.stderr(`samsa broker: failed to start: ${describe(error)}\n`);
    return EXIT_FAILURE;
  }
  await shutdown;
  try {
    await broker.close();
  } catch (error) {
    io.stderr(`samsa broker: error during shutdown: ${describe(error)}\n`);
    return EXIT_FAILURE;
  }
  return EXIT_OK;
}

function describe(error: unknown): string {
  if (error instanceof ConfigError) return `invalid config ${error.message}`;
  if (error instanceof Error) return error.message;
  return String(error);
}

function defaultDependencies(): BrokerCommandDependencies {
  return {
    startBroker: async (config) => {
      const { startBroker } = await import('../broker/broker.ts');
      const broker = await startBroker(config);
      const stopStats = reportEventLoopDelayOnSignal(process.env, (line) => process.stderr.write(line));
      return { port: broker.port, close: async () => { await broker.close(); stopStats(); } };
    },
    readTextFile: (path) => readFile(path, 'utf8'),
    waitForShutdown: waitForSignal,
  };
}
