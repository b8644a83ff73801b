import type { Admin, TopicMetadata } from '../client/index.ts';
import { KafkaClientError } from '../client/index.ts';
import { ErrorCode } from '../protocol/errors.ts';
import { printJson } from './cli-format.ts';
import { EXIT_OK, UsageError } from './cli-io.ts';
import type { CliIo } from './cli-io.ts';
import {
  BOOTSTRAP_OPTIONS, flag, intOption, listOption, parseKeyValues, parseOptions, stringOption, withAdmin,
} from './cli-options.ts';

export const topicsUsage = `Usage: samsa topics --bootstrap-server <host:port> <action> [options]   (kafka-topics)

Actions (exactly one):
  --create                     create --topic (with --partitions, --replication-factor, --config k=v)
  --list                       list topic names (internal ones too, unless --exclude-internal)
  --describe                   describe all topics, or those --topic matches
  --alter                      grow a topic to --partitions
  --delete                     delete the topics --topic matches
Options:
  --topic <name|regex>         the topic (a regular expression for list/describe/alter/delete)
  --partitions <n>             partition count (create: default the broker's num.partitions)
  --replication-factor <n>     replicas per partition (create: default the broker's)
  --replica-assignment <a>     explicit replicas: "1:2,2:3" (partition 0 on 1,2; partition 1 on 2,3)
  --config <k=v>               topic config at create (repeatable)
  --if-exists / --if-not-exists  do nothing rather than fail
  --exclude-internal           leave out internal topics (list, describe)
  --under-replicated-partitions, --unavailable-partitions, --under-min-isr-partitions, --at-min-isr-partitions
                               describe only such partitions (one of them; no topic lines)
  --topics-with-overrides      describe only topics with config overrides (topic lines only)
  --topic-id <id>              describe the topic with this id (instead of --topic)
  --json                       machine-readable output (list, describe)
  --command-config <file>      admin client properties (client.id, request.timeout.ms, ...)
`;

const OPTIONS = {
  ...BOOTSTRAP_OPTIONS,
  create: { type: 'boolean' }, list: { type: 'boolean' }, describe: { type: 'boolean' }, alter: { type: 'boolean' }, delete: { type: 'boolean' },
  topic: { type: 'string' }, partitions: { type: 'string' }, 'replication-factor': { type: 'string' },
  'replica-assignment': { type: 'string' }, config: { type: 'string', multiple: true },
  'if-exists': { type: 'boolean' }, 'if-not-exists': { type: 'boolean' }, 'exclude-internal': { type: 'boolean' },
  'under-replicated-partitions': { type: 'boolean' }, 'unavailable-partitions': { type: 'boolean' },
  'under-min-isr-partitions': { type: 'boolean' }, 'at-min-isr-partitions': { type: 'boolean' },
  'topics-with-overrides': { type: 'boolean' }, 'topic-id': { type: 'string' },
} as const;

/** kafka-topics' replication reports: each shows only the partitions it names, and they exclude one another. */
const REPORTS = ['under-replicated-partitions', 'unavailable-partitions', 'under-min-isr-partitions', 'at-min-isr-partitions'] as const;

export async function runTopicsCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values } = parseOptions(args, OPTIONS);
  if (flag(values, 'help')) {
    io.stdout(topicsUsage);
    return EXIT_OK;
  }
  const actions = (['create', 'list', 'describe', 'alter', 'delete'] as const).filter((a) => flag(values, a));
  if (actions.length !== 1) throw new UsageError('give exactly one of --create, --list, --describe, --alter, --delete');
  const action = actions[0]!;
  const reports = REPORTS.filter((r) => flag(values, r));
  const describeOnly = [...reports, ...(['topics-with-overrides', 'topic-id'] as const).filter((o) => values[o] !== undefined)];
  if (action !== 'describe' && describeOnly.length > 0) throw new UsageError(`--${describeOnly[0]} is only for --describe`);
  if (reports.length + (flag(values, 'topics-with-overrides') ? 1 : 0) > 1) {
    throw new UsageError(`only one of --${[...REPORTS, 'topics-with-overrides'].join(', --')} may be given`);
  }
  if (values['topic-id'] !== undefined && values.topic !== undefined) throw new UsageError('give --topic or --topic-id, not both');
  return withAdmin(values, 'topics', io, async (admin) => {
    switch (action) {
      case 'create': return create(admin, values, io);
      case 'list': return list(admin, values, io);
      case 'describe': return describe(admin, values, io);
      case 'alter': return alter(admin, values, io);
      case 'delete': return remove(admin, values, io);
    }
  });
}

type Values = ReturnType<typeof parseOptions>['values'];

function requireTopic(values: Values, action: string): string {
  const topic = stringOption(values, 'topic');
  if (topic === undefined || topic === '') throw new UsageError(`--${action} needs --topic`);
  return topic;
}

/** Kafka's tools treat --topic as a regular expression matched against the whole name. */
function topicMatcher(pattern: string | undefined): (name: string) => boolean {
  if (pattern === undefined) return () => true;
  let regex: RegExp;
  try {
    regex = new RegExp(`^(?:${pattern})$`);
  } catch {
    return (name) => name === pattern;
  }
  return (name) => name === pattern || regex.test(name);
}

async function matchingTopics(admin: Admin, values: Values, { required }: { required: boolean }): Promise<string[]> {
  const pattern = stringOption(values, 'topic');
  const all = await admin.listTopics({ includeInternal: !flag(values, 'exclude-internal') });
  const matches = all.filter(topicMatcher(pattern));
  if (required && pattern !== undefined && matches.length === 0 && !flag(values, 'if-exists')) {
    throw new KafkaClientError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `topic '${pattern}'`, 'does not exist');
  }
  return matches;
}

async function create(admin: Admin, values: Values, io: CliIo): Promise<number> {
  const topic = requireTopic(values, 'create');
  const assignmentText = stringOption(values, 'replica-assignment');
  const replicaAssignment = assignmentText === undefined ? undefined : assignmentText.split(',').map((replicas, partition) => {
    const ids = replicas.split(':').map(Number);
    if (ids.some((id) => !Number.isInteger(id) || id < 0)) throw new UsageError(`bad --replica-assignment '${assignmentText}'`);
    return { partition, replicas: ids };
  });
  if (replicaAssignment !== undefined && (values.partitions !== undefined || values['replication-factor'] !== undefined)) {
    throw new UsageError('--replica-assignment cannot be combined with --partitions or --replication-factor');
  }
  try {
    await admin.createTopics([{
      topic,
      numPartitions: intOption(values, 'partitions', { min: 1 }) ?? -1,
      replicationFactor: intOption(values, 'replication-factor', { min: 1 }) ?? -1,
      ...(replicaAssignment === undefined ? {} : { replicaAssignment }),
      configs: Object.fromEntries(parseKeyValues(listOption(values, 'config'), '--config')),
    }]);
  } catch (error) {
    if (flag(values, 'if-not-exists') && error instanceof KafkaClientError && error.code === ErrorCode.TOPIC_ALREADY_EXISTS) return EXIT_OK;
    throw error;
  }
  io.stdout(`Created topic ${topic}.\n`);
  return EXIT_OK;
}

async function list(admin: Admin, values: Values, io: CliIo): Promise<number> {
  const topics = await matchingTopics(admin, values, { required: false });
  if (flag(values, 'json')) printJson(io, topics);
  else if (topics.length > 0) io.stdout(topics.join('\n') + '\n');
  return EXIT_OK;
}

/** Whether a partition belongs in a replication report, as kafka-topics decides it. */
function inReport(report: typeof REPORTS[number], p: TopicMetadata['partitions'][number], minIsr: number, liveBrokers: ReadonlySet<number>): boolean {
  switch (report) {
    case 'under-replicated-partitions': return p.isr.length < p.replicas.length;
    case 'unavailable-partitions': return p.leaderId < 0 || !liveBrokers.has(p.leaderId);
    case 'under-min-isr-partitions': return p.leaderId < 0 || p.isr.length < minIsr;
    case 'at-min-isr-partitions': return p.isr.length === minIsr;
  }
}

async function describe(admin: Admin, values: Values, io: CliIo): Promise<number> {
  const names = await describedTopics(admin, values);
  const metadata = names.length === 0 ? [] : await admin.describeTopics(names);
  const configs = names.length === 0 ? [] : await admin.describeConfigs(names.map((name) => ({ type: 'topic' as const, name })));
  const report = REPORTS.find((r) => flag(values, r));
  const withOverrides = flag(values, 'topics-with-overrides');
  const liveBrokers = new Set(admin.cluster.metadata.brokers.keys());
  const described = metadata.map((m, i) => {
    const minIsr = Number(configs[i]!.configs.find((c) => c.name === 'min.insync.replicas')?.value ?? 1);
    return {
      metadata: m,
      // Like kafka-topics: only the configs that differ from the defaults.
      configs: Object.fromEntries(configs[i]!.configs.filter((c) => !c.isDefault).map((c) => [c.name, c.isSensitive ? null : c.value])),
      // A report lists its partitions only; --topics-with-overrides lists topic lines only.
      partitions: withOverrides ? [] : m.partitions.filter((p) => report === undefined || inReport(report, p, minIsr, liveBrokers)),
    };
  }).filter((d) => !withOverrides || Object.keys(d.configs).length > 0);
  if (flag(values, 'json')) {
    printJson(io, described.map(({ metadata: m, configs: c, partitions }) => ({
      topic: m.name, topicId: m.topicId, partitionCount: m.partitions.length, replicationFactor: m.partitions[0]?.replicas.length ?? 0,
      isInternal: m.isInternal, configs: c,
      partitions: partitions.map((p) => ({ partition: p.partition, leader: p.leaderId, leaderEpoch: p.leaderEpoch, replicas: p.replicas, isr: p.isr, elr: null, lastKnownElr: null })),
    })));
    return EXIT_OK;
  }
  const lines: string[] = [];
  for (const { metadata: m, configs: c, partitions } of described) {
    if (report === undefined) {
      const configText = Object.entries(c).map(([k, v]) => `${k}=${v ?? 'null'}`).join(',');
      lines.push(`Topic: ${m.name}\tTopicId: ${m.topicId}\tPartitionCount: ${m.partitions.length}\tReplicationFactor: ${m.partitions[0]?.replicas.length ?? 0}\tConfigs: ${configText}`);
    }
    for (const p of partitions) {
      // Kafka 3.7+ prints the eligible leader replicas (KIP-966); N/A when the broker's answer has
      // none, as Metadata (Samsa's brokers serve up to v12) and not DescribeTopicPartitions gives it.
      lines.push(`\tTopic: ${m.name}\tPartition: ${p.partition}\tLeader: ${p.leaderId < 0 ? 'none' : p.leaderId}\tReplicas: ${p.replicas.join(',')}\tIsr: ${p.isr.join(',')}` +
        '\tElr: N/A\tLastKnownElr: N/A');
    }
  }
  if (lines.length > 0) io.stdout(lines.join('\n') + '\n');
  return EXIT_OK;
}

/** The topics to describe: the one --topic-id names, else those --topic matches. */
async function describedTopics(admin: Admin, values: Values): Promise<string[]> {
  const topicId = stringOption(values, 'topic-id');
  if (topicId === undefined) return matchingTopics(admin, values, { required: true });
  const meta = await admin.cluster.fetchAllTopics();
  const found = [...meta.topics.values()].filter((t) => t.topicId === topicId && !(t.isInternal && flag(values, 'exclude-internal'))).map((t) => t.name);
  if (found.length === 0 && !flag(values, 'if-exists')) throw new KafkaClientError(ErrorCode.UNKNOWN_TOPIC_ID, `topic id '${topicId}'`, 'does not exist');
  return found;
}

async function alter(admin: Admin, values: Values, io: CliIo): Promise<number> {
  requireTopic(values, 'alter');
  const count = intOption(values, 'partitions', { min: 1 });
  if (count === undefined) throw new UsageError('--alter needs --partitions (topic configs are changed with samsa configs)');
  const names = await matchingTopics(admin, values, { required: true });
  if (names.length > 0) await admin.createPartitions(names.map((topic) => ({ topic, count })));
  void io;
  return EXIT_OK;
}

async function remove(admin: Admin, values: Values, io: CliIo): Promise<number> {
  requireTopic(values, 'delete');
  const names = await matchingTopics(admin, values, { required: true });
  const internal = names.filter((n) => n.startsWith('__'));
  if (internal.length > 0) throw new UsageError(`internal topics cannot be deleted: ${internal.join(', ')}`);
  if (names.length > 0) await admin.deleteTopics(names);
  void io;
  return EXIT_OK;
}
