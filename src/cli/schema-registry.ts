import { parseListener, startSchemaRegistryServer } from '../registry/schema-registry-server.ts';
import { EXIT_OK, UsageError } from './cli-io.ts';
import type { CliIo } from './cli-io.ts';
import { adminOptions, warnUnknownProperties } from './client-properties.ts';
import { bootstrapServers, clientProperties, flag, intOption, parseOptions, stringOption } from './cli-options.ts';
import { announcedShutdown, waitForSignal } from './wait-for-signal.ts';

export const schemaRegistryUsage = `Usage: samsa schema-registry --bootstrap-server <host:port> [options]

Runs a schema registry with Confluent's REST API (subjects, versions, schemas by id, compatibility
configs, modes, references) for AVRO, JSON and PROTOBUF schemas. Everything it knows is kept in the
compacted topic _schemas (created if missing) and read back from it at start, so a restart loses
nothing and every id stays the same. Several instances share one registry: they elect a leader
through Kafka's group protocol (group schema-registry, as Confluent's registry does); the leader
writes, the others forward write requests to it and answer reads themselves.

Options:
  --bootstrap-server <host:port[,...]>   the cluster (required)
  --listeners <url>            where to serve (default http://127.0.0.1:8081; port 0 picks a free one)
  --command-config <file>      client properties: security.protocol, ssl.*, sasl.*, client.id, ...
  --topic <name>               kafkastore.topic (default _schemas)
  --replication-factor <n>     kafkastore.topic.replication.factor (default 3, at most the broker count)
  --host-name <host>           host.name: the host other instances forward writes to (default: the
                               --listeners host)
  --leader-eligibility <bool>  leader.eligibility (default true): false never leads, only forwards writes
  --group-id <id>              schema.registry.group.id (default schema-registry)
  --session-timeout-ms <ms>    the election group's session timeout (default 10000)
`;

const OPTIONS = {
  'bootstrap-server': { type: 'string' }, 'command-config': { type: 'string' }, listeners: { type: 'string' },
  topic: { type: 'string' }, 'replication-factor': { type: 'string' }, 'host-name': { type: 'string' },
  'leader-eligibility': { type: 'string' }, 'group-id': { type: 'string' }, 'session-timeout-ms': { type: 'string' },
} as const;

/** `samsa schema-registry`: runs until SIGINT or SIGTERM (or `waitForShutdown` resolves, for tests). */
export async function runSchemaRegistryCommand(args: readonly string[], io: CliIo, waitForShutdown: () => Promise<string> = waitForSignal): Promise<number> {
  const { values } = parseOptions(args, OPTIONS);
  if (flag(values, 'help')) {
    io.stdout(schemaRegistryUsage);
    return EXIT_OK;
  }
  const servers = bootstrapServers(values);
  const listener = stringOption(values, 'listeners') ?? 'http://127.0.0.1:8081';
  if (listener.includes(',')) throw new UsageError('--listeners takes one URL: one HTTP listener is served');
  try {
    parseListener(listener);
  } catch (error) {
    throw new UsageError(`--listeners: ${(error as Error).message}`);
  }
  const replicationFactor = intOption(values, 'replication-factor', { min: 1 });
  const sessionTimeoutMs = intOption(values, 'session-timeout-ms', { min: 1 });
  const eligibility = stringOption(values, 'leader-eligibility')?.toLowerCase();
  if (eligibility !== undefined && eligibility !== 'true' && eligibility !== 'false') throw new UsageError('--leader-eligibility takes true or false');
  const hostName = stringOption(values, 'host-name');
  const groupId = stringOption(values, 'group-id');
  const props = await clientProperties(stringOption(values, 'command-config'), [], '--command-config');
  const { options, unknown } = adminOptions({ bootstrapServers: servers, clientId: 'samsa-schema-registry' }, props);
  warnUnknownProperties(io, 'schema-registry', unknown);
  const topic = stringOption(values, 'topic');
  const shutdown = announcedShutdown('schema-registry', io, waitForShutdown);
  const server = await startSchemaRegistryServer({
    client: { ...options, bootstrapServers: servers }, listener,
    ...(topic === undefined ? {} : { topic }),
    ...(replicationFactor === undefined ? {} : { replicationFactor }),
    ...(sessionTimeoutMs === undefined ? {} : { sessionTimeoutMs }),
    ...(eligibility === undefined ? {} : { leaderEligibility: eligibility === 'true' }),
    ...(hostName === undefined ? {} : { hostName }),
    ...(groupId === undefined ? {} : { groupId }),
    log: (message) => io.stderr(`samsa schema-registry: ${message}\n`),
    logError: (message, error) => io.stderr(`samsa schema-registry: ${message}: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`),
  });
  io.stdout(`Samsa schema registry at ${server.url}/ for ${servers.join(',')}\n`);
  await shutdown;
  await server.close();
  return EXIT_OK;
}
