import { readFile } from 'node:fs/promises';
import type { ElectionType, PartitionResult, TopicPartition } from '../client/index.ts';
import { ErrorCode } from '../protocol/errors.ts';
import { EXIT_FAILURE, EXIT_OK, UsageError } from './cli-io.ts';
import type { CliIo } from './cli-io.ts';
import { flag, intOption, parseOptions, requireOption, stringOption, withAdmin, type OptionSpecs, type ParsedOptions } from './cli-options.ts';
import { compareTopicPartitions, partitionName } from './reassignment-json.ts';

export const leaderElectionUsage = `Usage: samsa leader-election --bootstrap-server <host:port> --election-type <type> <partitions>   (kafka-leader-election)

Elects a new leader for partitions: PREFERRED moves leadership back to each partition's first
replica when it is in sync; UNCLEAN elects a leader out of sync for partitions that have none.
Partitions (exactly one of):
  --topic <name> --partition <n>       one partition
  --all-topic-partitions               every partition the election type applies to
  --path-to-json-file <file>           {"partitions":[{"topic":"t","partition":0},{"topic":"u","partition":2}]}
Options:
  --election-type <type>               PREFERRED or UNCLEAN (required)
  --command-config <file>              admin client properties (client.id, request.timeout.ms, ...)
`;

const OPTIONS = {
  'bootstrap-server': { type: 'string' }, 'command-config': { type: 'string' }, 'admin.config': { type: 'string' },
  'election-type': { type: 'string' }, topic: { type: 'string' }, partition: { type: 'string' },
  'all-topic-partitions': { type: 'boolean' }, 'path-to-json-file': { type: 'string' },
} as const satisfies OptionSpecs;

type Values = ParsedOptions['values'];

/** --election-type, either case (Kafka's ElectionType names are upper case, its docs lower). */
export function parseElectionType(text: string): ElectionType {
  const type = text.toLowerCase();
  if (type !== 'preferred' && type !== 'unclean') throw new UsageError(`--election-type is PREFERRED or UNCLEAN, not '${text}'`);
  return type;
}

/** The partitions the command line names: null means all (--all-topic-partitions), as ElectLeaders takes it. */
function partitionsOption(values: Values): { source: 'topic' | 'all' | 'file' } {
  const given = (['topic', 'all-topic-partitions', 'path-to-json-file'] as const).filter((o) => values[o] !== undefined);
  if (given.length !== 1) throw new UsageError('One and only one of the following options is required: topic, all-topic-partitions, path-to-json-file');
  if (values.topic !== undefined && values.partition === undefined) throw new UsageError('Missing required option(s): partition');
  if (values.topic === undefined && values.partition !== undefined) throw new UsageError('Option partition is only allowed if topic is used');
  return { source: given[0] === 'topic' ? 'topic' : given[0] === 'all-topic-partitions' ? 'all' : 'file' };
}

/** --path-to-json-file: {"partitions":[{"topic":"t","partition":0}]}, no partition twice. */
export function parseElectionJson(text: string): TopicPartition[] {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`the election JSON file is not valid JSON: ${(error as Error).message}`);
  }
  if (document === null || typeof document !== 'object' || Array.isArray(document)) throw new UsageError('Replica election data is empty');
  const partitions = (document as { partitions?: unknown }).partitions;
  if (partitions === undefined) throw new UsageError('Replica election data is missing "partitions" field');
  if (!Array.isArray(partitions)) throw new UsageError('the election JSON file\'s "partitions" must be an array');
  const parsed = partitions.map((entry: unknown, i) => {
    const { topic, partition } = (entry ?? {}) as Record<string, unknown>;
    if (typeof topic !== 'string' || topic === '' || !Number.isInteger(partition) || (partition as number) < 0) {
      throw new UsageError(`the election JSON file's partitions[${i}] needs "topic" (a string) and "partition" (an integer >= 0)`);
    }
    return { topic, partition: partition as number };
  });
  const seen = new Set<string>();
  const repeated = new Set<string>();
  for (const p of parsed) {
    if (seen.has(partitionName(p))) repeated.add(partitionName(p));
    seen.add(partitionName(p));
  }
  if (repeated.size > 0) throw new UsageError(`Replica election data contains duplicate partitions: ${[...repeated].join(',')}`);
  return parsed;
}

/**
 * Kafka's report: the partitions elected, those whose valid leader was already in place
 * (ELECTION_NOT_NEEDED), then a line per failure; `failed` counts the failures.
 */
export function electionReport(electionType: ElectionType, results: readonly PartitionResult[]): { text: string; failed: number } {
  const type = electionType.toUpperCase();
  const sorted = [...results].sort(compareTopicPartitions);
  const succeeded = sorted.filter((r) => r.error === null);
  const noop = sorted.filter((r) => r.error?.code === ErrorCode.ELECTION_NOT_NEEDED);
  const failed = sorted.filter((r) => r.error !== null && r.error.code !== ErrorCode.ELECTION_NOT_NEEDED);
  const lines: string[] = [];
  if (succeeded.length > 0) lines.push(`Successfully completed leader election (${type}) for partitions ${succeeded.map(partitionName).join(', ')}`);
  if (noop.length > 0) lines.push(`Valid replica already elected for partitions ${noop.map(partitionName).join(', ')}`);
  for (const r of failed) {
    // The error's reason, not its operation: the line names the partition already.
    lines.push(`Error completing leader election (${type}) for partition: ${partitionName(r)}: ${r.error!.reason}`);
  }
  return { text: lines.map((l) => `${l}\n`).join(''), failed: failed.length };
}

export async function runLeaderElectionCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values } = parseOptions(args, OPTIONS);
  if (flag(values, 'help')) {
    io.stdout(leaderElectionUsage);
    return EXIT_OK;
  }
  const missing = (['bootstrap-server', 'election-type'] as const).filter((o) => stringOption(values, o) === undefined);
  if (missing.length > 0) throw new UsageError(`Missing required option(s): ${missing.join(', ')}`);
  if (values['admin.config'] !== undefined && values['command-config'] !== undefined) throw new UsageError('--admin.config and --command-config cannot be used together');
  const electionType = parseElectionType(stringOption(values, 'election-type')!);
  const { source } = partitionsOption(values);
  let partitions: TopicPartition[] | null = null;
  if (source === 'topic') partitions = [{ topic: requireOption(values, 'topic'), partition: intOption(values, 'partition', { min: 0 })! }];
  if (source === 'file') {
    const file = requireOption(values, 'path-to-json-file');
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      throw new UsageError(`cannot read ${file}: ${(error as Error).message}`);
    }
    partitions = parseElectionJson(text);
  }
  // --admin.config is the older name Kafka still takes for --command-config.
  const adminValues = { ...values, 'command-config': values['command-config'] ?? values['admin.config'] };
  return withAdmin(adminValues, 'leader-election', io, async (admin) => {
    const { text, failed } = electionReport(electionType, await admin.electLeaders(electionType, partitions));
    io.stdout(text);
    if (failed === 0) return EXIT_OK;
    io.stderr(`samsa leader-election: ${failed} replica(s) could not be elected\n`);
    return EXIT_FAILURE;
  });
}
