import { readFileSync } from 'node:fs';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, processIo } from './cli-io.ts';
import type { CliIo } from './cli-io.ts';

interface Command {
  readonly summary: string;
  /** Loaded on demand so one command's imports never slow or break another. */
  readonly run: (args: readonly string[], io: CliIo) => Promise<number>;
}

const commands: Readonly<Record<string, Command>> = Object.freeze({
  broker: {
    summary: 'start a Kafka-compatible broker',
    run: async (args, io) => (await import('./broker.ts')).runBrokerCommand(args, io),
  },
});

function usage(): string {
  const lines = Object.entries(commands).map(([name, command]) => `  ${name.padEnd(12)}${command.summary}`);
  return `Usage: samsa <command> [options]\n\nCommands:\n${lines.join('\n')}\n\nRun 'samsa <command> --help' for a command's options.\n`;
}

function version(): string {
  const packageJson = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return packageJson.version;
}

/** Runs `samsa <command> ...`; resolves with the exit code. */
export async function main(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    (name === undefined ? io.stderr : io.stdout)(usage());
    return name === undefined ? EXIT_USAGE : EXIT_OK;
  }
  if (name === '--version' || name === '-V') {
    io.stdout(`samsa ${version()}\n`);
    return EXIT_OK;
  }
  const command = Object.hasOwn(commands, name) ? commands[name] : undefined;
  if (command === undefined) {
    io.stderr(`samsa: unknown command '${name}'. Run 'samsa --help' for the list.\n`);
    return EXIT_USAGE;
  }
  try {
    return await command.run(args, io);
  } catch (error) {
    io.stderr(`samsa ${name}: ${error instanceof Error ? error.message : String(error)}\n`);
    return EXIT_FAILURE;
  }
}

if (import.meta.main) {
  // Exit explicitly: a closed broker must not linger on a stray timer or socket.
  process.exit(await main(process.argv.slice(2)));
}
