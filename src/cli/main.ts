import { packageVersion } from '../client/package-version.ts';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, processIo, UsageError } from './cli-io.ts';
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
  topics: {
    summary: 'create, list, describe, alter and delete topics (kafka-topics)',
    run: async (args, io) => (await import('./topics.ts')).runTopicsCommand(args, io),
  },
  'console-producer': {
    summary: 'send lines from stdin as records (kafka-console-producer)',
    run: async (args, io) => (await import('./console-producer.ts')).runConsoleProducerCommand(args, io),
  },
  'console-consumer': {
    summary: 'print records of a topic (kafka-console-consumer)',
    run: async (args, io) => (await import('./console-consumer.ts')).runConsoleConsumerCommand(args, io),
  },
  console: {
    summary: 'serve the web console and its JSON API: topics, messages, groups, brokers, ACLs',
    run: async (args, io) => (await import('./console.ts')).runConsoleCommand(args, io),
  },
  'schema-registry': {
    summary: "run a schema registry with Confluent's REST API, stored in the _schemas topic",
    run: async (args, io) => (await import('./schema-registry.ts')).runSchemaRegistryCommand(args, io),
  },
  'consumer-groups': {
    summary: 'list, describe, reset offsets of and delete consumer groups (kafka-consumer-groups)',
    run: async (args, io) => (await import('./consumer-groups.ts')).runConsumerGroupsCommand(args, io),
  },
  configs: {
    summary: 'describe and alter topic and broker configs (kafka-configs)',
    run: async (args, io) => (await import('./configs.ts')).runConfigsCommand(args, io),
  },
  acls: {
    summary: 'add, remove and list ACLs (kafka-acls)',
    run: async (args, io) => (await import('./acls.ts')).runAclsCommand(args, io),
  },
  'get-offsets': {
    summary: 'print partition offsets by time (kafka-get-offsets)',
    run: async (args, io) => (await import('./get-offsets.ts')).runGetOffsetsCommand(args, io),
  },
  'delete-records': {
    summary: 'delete records up to an offset (kafka-delete-records)',
    run: async (args, io) => (await import('./delete-records.ts')).runDeleteRecordsCommand(args, io),
  },
  'reassign-partitions': {
    summary: 'move partition replicas between brokers: generate, execute, verify, cancel, list (kafka-reassign-partitions)',
    run: async (args, io) => (await import('./reassign-partitions.ts')).runReassignPartitionsCommand(args, io),
  },
  'leader-election': {
    summary: 'elect preferred or unclean leaders for partitions (kafka-leader-election)',
    run: async (args, io) => (await import('./leader-election.ts')).runLeaderElectionCommand(args, io),
  },
  transactions: {
    summary: 'list, describe, describe producers of, find hanging and abort transactions (kafka-transactions)',
    run: async (args, io) => (await import('./transactions.ts')).runTransactionsCommand(args, io),
  },
  'dump-log': {
    summary: 'print the batches and records of log segment files (kafka-dump-log)',
    run: async (args, io) => (await import('./dump-log.ts')).runDumpLogCommand(args, io),
  },
  'producer-perf-test': {
    summary: 'measure produce throughput and latency (kafka-producer-perf-test)',
    run: async (args, io) => (await import('./producer-perf-test.ts')).runProducerPerfTestCommand(args, io),
  },
  'consumer-perf-test': {
    summary: 'measure consume throughput (kafka-consumer-perf-test)',
    run: async (args, io) => (await import('./consumer-perf-test.ts')).runConsumerPerfTestCommand(args, io),
  },
  'dev-cluster': {
    summary: 'start ZooKeeper and a cluster of brokers on this machine, for trying a cluster (stop: dev-cluster stop)',
    run: async (args, io) => (await import('./dev-cluster.ts')).runDevClusterCommand(args, io),
  },
  verify: {
    summary: 'check a cluster for lost, duplicated and reordered records, with faults injected (Jepsen-style)',
    run: async (args, io) => (await import('./verify.ts')).runVerifyCommand(args, io),
  },
});

/** Kafka's script names work too: `samsa kafka-topics.sh ...` is `samsa topics ...`. */
function commandName(name: string): string {
  const bare = name.replace(/\.(sh|bat)$/, '').replace(/^kafka-/, '');
  return bare === 'server-start' ? 'broker' : bare;
}

function usage(): string {
  const lines = Object.entries(commands).map(([name, command]) => `  ${name.padEnd(20)}${command.summary}`);
  return `Usage: samsa <command> [options]\n\nCommands:\n${lines.join('\n')}\n\nRun 'samsa <command> --help' for a command's options.\n`;
}

/** Runs `samsa <command> ...`; resolves with the exit code. */
export async function main(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  const [given, ...args] = argv;
  const name = given === undefined ? undefined : commandName(given);
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    (name === undefined ? io.stderr : io.stdout)(usage());
    return name === undefined ? EXIT_USAGE : EXIT_OK;
  }
  if (name === '--version' || name === '-V') {
    io.stdout(`samsa ${packageVersion()}\n`);
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
    if (error instanceof UsageError) {
      io.stderr(`samsa ${name}: ${error.message} (see 'samsa ${name} --help')\n`);
      return EXIT_USAGE;
    }
    io.stderr(`samsa ${name}: ${error instanceof Error ? error.message : String(error)}\n`);
    return EXIT_FAILURE;
  }
}

if (import.meta.main) {
  // Exit explicitly: a closed broker must not linger on a stray timer or socket.
  process.exit(await main(process.argv.slice(2)));
}
