import type { Admin, PartitionProducerState, ProducerState, TopicPartition, TransactionDescription } from '../client/index.ts';
import { KafkaClientError } from '../client/index.ts';
import { ErrorCode } from '../protocol/errors.ts';
import { EXIT_FAILURE, EXIT_OK, UsageError } from './cli-io.ts';
import type { CliIo } from './cli-io.ts';
import { flag, intOption, parseOptions, requireOption, stringOption, withAdmin, type OptionSpecs, type ParsedOptions } from './cli-options.ts';

export const transactionsUsage = `Usage: samsa transactions --bootstrap-server <host:port> [--command-config <file>] <command> [options]   (kafka-transactions)

Analyzes the transactional state of producers in the cluster; finds and recovers from hanging transactions.
Commands:
  list                   list transactions
      [--duration-filter <ms>]           only those running longer than this (all when < 0)
  describe               describe the state of an active transactional-id
      --transactional-id <id>
  describe-producers     describe the states of active producers for a topic partition
      --topic <name> --partition <n> [--broker-id <id>]   (a replica other than the leader)
  abort                  abort a hanging transaction (requires administrative privileges)
      --topic <name> --partition <n> --start-offset <offset>
      --topic <name> --partition <n> --producer-id <id> --producer-epoch <epoch> --coordinator-epoch <epoch>
  find-hanging           find hanging transactions
      --broker-id <id> | --topic <name> [--partition <n>]
      [--max-transaction-timeout <minutes>]   limits the search (default 15)
`;

const COMMAND_OPTIONS: Readonly<Record<string, readonly string[]>> = {
  list: ['duration-filter'],
  describe: ['transactional-id'],
  'describe-producers': ['broker-id', 'topic', 'partition'],
  abort: ['topic', 'partition', 'start-offset', 'producer-id', 'producer-epoch', 'coordinator-epoch'],
  'find-hanging': ['broker-id', 'max-transaction-timeout', 'topic', 'partition'],
};

const OPTIONS: OptionSpecs = {
  'bootstrap-server': { type: 'string' }, 'command-config': { type: 'string' },
  ...Object.fromEntries([...new Set(Object.values(COMMAND_OPTIONS).flat())].map((name) => [name, { type: 'string' as const }])),
};

/** Describing producers of more partitions than this takes several requests (as Kafka's tool). */
const MAX_BATCH_SIZE = 500;

type Values = ParsedOptions['values'];

/** A failure Kafka's tool reports with printErrorAndExit: one line on stderr, exit 1. */
class CommandFailure extends Error {}

function failure(message: string, cause?: unknown): CommandFailure {
  return new CommandFailure(cause === undefined ? message : `${message}: ${cause instanceof Error ? cause.message : String(cause)}.`);
}

/** Kafka's ToolsUtils.prettyPrintTable: every cell padded to its column's width and followed by a tab. */
export function prettyPrintTable(headers: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]): string => cells.map((cell, i) => `${cell.padEnd(widths[i]!)}\t`).join('');
  return [headers, ...rows].map((cells) => `${line(cells)}\n`).join('');
}

const tpName = (tp: TopicPartition): string => `${tp.topic}-${tp.partition}`;

export async function runTransactionsCommand(args: readonly string[], io: CliIo, nowMs: () => number = Date.now): Promise<number> {
  const { values, positionals } = parseOptions(args, OPTIONS, { allowPositionals: true });
  if (flag(values, 'help')) {
    io.stdout(transactionsUsage);
    return EXIT_OK;
  }
  const commands = Object.keys(COMMAND_OPTIONS);
  if (positionals.length !== 1 || !commands.includes(positionals[0]!)) {
    throw new UsageError(positionals.length === 0 ? `missing command: one of ${commands.join(', ')}` : `unknown command '${positionals.join(' ')}': one of ${commands.join(', ')}`);
  }
  const command = positionals[0]!;
  const foreign = Object.keys(values).filter((o) => values[o] !== undefined && !['bootstrap-server', 'command-config', ...COMMAND_OPTIONS[command]!].includes(o));
  if (foreign.length > 0) throw new UsageError(`${command} does not take --${foreign.join(', --')}`);
  const run = RUNNERS[command]!(values);
  return withAdmin(values, 'transactions', io, async (admin) => {
    try {
      io.stdout(await run(admin, nowMs));
      return EXIT_OK;
    } catch (error) {
      if (!(error instanceof CommandFailure)) throw error;
      io.stderr(`${error.message}\n`);
      return EXIT_FAILURE;
    }
  });
}

/** Each command checks its options first (before connecting), then runs against the Admin and returns its output. */
const RUNNERS: Readonly<Record<string, (values: Values) => (admin: Admin, nowMs: () => number) => Promise<string>>> = {
  list: (values) => {
    const durationFilterMs = intOption(values, 'duration-filter');
    return async (admin) => {
      let byBroker;
      try {
        byBroker = await admin.listTransactions(durationFilterMs === undefined ? {} : { durationFilterMs });
      } catch (error) {
        throw failure('Failed to list transactions', error);
      }
      const rows = [...byBroker].flatMap(([brokerId, listings]) => listings.map((l) => [l.transactionalId, String(brokerId), String(l.producerId), l.state]));
      return prettyPrintTable(['TransactionalId', 'Coordinator', 'ProducerId', 'TransactionState'], rows);
    };
  },

  describe: (values) => {
    const transactionalId = requireOption(values, 'transactional-id');
    return async (admin, nowMs) => {
      let description: TransactionDescription;
      try {
        [description] = await admin.describeTransactions([transactionalId]) as [TransactionDescription];
      } catch (error) {
        throw failure(`Failed to describe transaction state of transactional-id \`${transactionalId}\``, error);
      }
      const start = description.transactionStartTimeMs;
      return prettyPrintTable(
        ['CoordinatorId', 'TransactionalId', 'ProducerId', 'ProducerEpoch', 'TransactionState', 'TransactionTimeoutMs', 'CurrentTransactionStartTimeMs', 'TransactionDurationMs', 'TopicPartitions'],
        [[String(description.coordinatorId), transactionalId, String(description.producerId), String(description.producerEpoch), description.state,
          String(description.transactionTimeoutMs), start === null ? 'None' : String(start), start === null ? 'None' : String(nowMs() - start),
          description.topicPartitions.map(tpName).join(',')]],
      );
    };
  },

  'describe-producers': (values) => {
    const brokerId = intOption(values, 'broker-id');
    const tp = { topic: requireOption(values, 'topic'), partition: requirePartition(values) };
    return async (admin) => {
      let state: PartitionProducerState;
      try {
        [state] = await admin.describeProducers([tp], brokerId === undefined ? {} : { brokerId }) as [PartitionProducerState];
      } catch (error) {
        throw failure(`Failed to describe producers for partition ${tpName(tp)} on ${brokerId === undefined ? 'leader' : `broker ${brokerId}`}`, error);
      }
      return prettyPrintTable(
        ['ProducerId', 'ProducerEpoch', 'LatestCoordinatorEpoch', 'LastSequence', 'LastTimestamp', 'CurrentTransactionStartOffset'],
        state.activeProducers.map((p) => [String(p.producerId), String(p.producerEpoch), String(p.coordinatorEpoch ?? -1), String(p.lastSequence),
          String(p.lastTimestamp), p.currentTransactionStartOffset === null ? 'None' : String(p.currentTransactionStartOffset)]),
      );
    };
  },

  abort: (values) => {
    const tp = { topic: requireOption(values, 'topic'), partition: requirePartition(values) };
    const startOffset = intOption(values, 'start-offset');
    const producerId = intOption(values, 'producer-id');
    const producerEpoch = intOption(values, 'producer-epoch');
    const coordinatorEpoch = intOption(values, 'coordinator-epoch');
    return async (admin) => {
      if (startOffset === undefined && producerId === undefined) {
        throw failure('The transaction to abort must be identified either with --start-offset (for brokers on 3.0 or above) or with '
          + '--producer-id, --producer-epoch, and --coordinator-epoch (for older brokers)');
      }
      let spec;
      if (startOffset === undefined) {
        if (producerEpoch === undefined) throw failure('Missing required argument --producer-epoch');
        if (coordinatorEpoch === undefined) throw failure('Missing required argument --coordinator-epoch');
        // A transaction that hung before its first marker shows coordinator epoch -1; 0 is at most any real one.
        spec = { ...tp, producerId: producerId!, producerEpoch, coordinatorEpoch: Math.max(0, coordinatorEpoch) };
      } else {
        let state: PartitionProducerState;
        try {
          [state] = await admin.describeProducers([tp]) as [PartitionProducerState];
        } catch (error) {
          throw failure(`Failed to validate producer state for partition ${tpName(tp)}`, error);
        }
        const open = state.activeProducers.find((p) => p.currentTransactionStartOffset === startOffset);
        if (open === undefined) throw failure(`Could not find any open transactions starting at offset ${startOffset} on partition ${tpName(tp)}`);
        spec = { ...tp, producerId: open.producerId, producerEpoch: open.producerEpoch, coordinatorEpoch: open.coordinatorEpoch ?? 0 };
      }
      try {
        await admin.abortTransaction(spec);
      } catch (error) {
        const described = `AbortTransactionSpec(topicPartition=${tpName(tp)}, producerId=${spec.producerId}, producerEpoch=${spec.producerEpoch}, coordinatorEpoch=${spec.coordinatorEpoch})`;
        throw failure(`Failed to abort transaction ${described}`, error);
      }
      return '';
    };
  },

  'find-hanging': (values) => {
    const brokerId = intOption(values, 'broker-id');
    const topic = stringOption(values, 'topic');
    const partition = intOption(values, 'partition', { min: 0 });
    const maxTransactionTimeoutMs = (intOption(values, 'max-transaction-timeout') ?? 15) * 60_000;
    return async (admin, nowMs) => {
      if (topic === undefined && brokerId === undefined) {
        throw failure('The `find-hanging` command requires either --topic or --broker-id to limit the scope of the search');
      }
      if (partition !== undefined && topic === undefined) throw failure('The --partition argument requires --topic to be provided');
      const partitions = await partitionsToSearch(admin, topic, partition, brokerId);
      const hanging = await findHanging(admin, partitions, brokerId, maxTransactionTimeoutMs, nowMs);
      const now = nowMs();
      return prettyPrintTable(
        ['Topic', 'Partition', 'ProducerId', 'ProducerEpoch', 'CoordinatorEpoch', 'StartOffset', 'LastTimestamp', 'Duration(min)'],
        hanging.map(({ tp, producer: p }) => [tp.topic, String(tp.partition), String(p.producerId), String(p.producerEpoch), String(p.coordinatorEpoch ?? -1),
          String(p.currentTransactionStartOffset ?? -1), String(p.lastTimestamp), String(Math.floor((now - p.lastTimestamp) / 60_000))]),
      );
    };
  },
};

function requirePartition(values: Values): number {
  requireOption(values, 'partition');
  return intOption(values, 'partition', { min: 0 })!;
}

/** The partitions named, or those of the topic (or of every topic) with a replica on `brokerId`. */
async function partitionsToSearch(admin: Admin, topic: string | undefined, partition: number | undefined, brokerId: number | undefined): Promise<TopicPartition[]> {
  if (topic !== undefined && partition !== undefined) return [{ topic, partition }];
  let topics: string[];
  try {
    topics = topic !== undefined ? [topic] : await admin.listTopics({ includeInternal: true });
  } catch (error) {
    throw failure('Failed to list topics', error);
  }
  const out: TopicPartition[] = [];
  for (let i = 0; i < topics.length; i += MAX_BATCH_SIZE) {
    const batch = topics.slice(i, i + MAX_BATCH_SIZE);
    let described;
    try {
      described = await admin.describeTopics(batch);
    } catch (error) {
      throw failure(`Failed to describe ${batch.length} topics`, error);
    }
    for (const t of described) {
      for (const p of t.partitions) if (brokerId === undefined || p.replicas.includes(brokerId)) out.push({ topic: t.name, partition: p.partition });
    }
  }
  return out;
}

/**
 * Kafka's find-hanging: open transactions older than the longest transaction timeout whose
 * producer id no coordinator lists, whose transactional id is gone, or whose coordinator does not
 * count the partition in the transaction: no marker will ever come for them.
 */
export async function findHanging(admin: Admin, partitions: readonly TopicPartition[], brokerId: number | undefined, maxTransactionTimeoutMs: number,
  nowMs: () => number): Promise<Array<{ tp: TopicPartition; producer: ProducerState }>> {
  const candidates: Array<{ tp: TopicPartition; producer: ProducerState }> = [];
  for (let i = 0; i < partitions.length; i += MAX_BATCH_SIZE) {
    const batch = partitions.slice(i, i + MAX_BATCH_SIZE);
    let states: PartitionProducerState[];
    try {
      states = await admin.describeProducers(batch, brokerId === undefined ? {} : { brokerId });
    } catch (error) {
      throw failure(`Failed to describe producers for ${batch.length} partitions on broker ${brokerId === undefined ? 'Optional.empty' : `Optional[${brokerId}]`}`, error);
    }
    const now = nowMs();
    for (const state of states) {
      for (const producer of state.activeProducers) {
        if (producer.currentTransactionStartOffset !== null && now - producer.lastTimestamp > maxTransactionTimeoutMs) candidates.push({ tp: state, producer });
      }
    }
  }
  if (candidates.length === 0) return [];
  const producerIds = [...new Set(candidates.map((c) => c.producer.producerId))];
  const transactionalIds = new Map<number, string>();
  try {
    for (const listings of (await admin.listTransactions({ producerIdFilters: producerIds })).values()) {
      for (const l of listings) if (producerIds.includes(l.producerId)) transactionalIds.set(l.producerId, l.transactionalId);
    }
  } catch (error) {
    throw failure(`Failed to list transactions for ${producerIds.length} producers`, error);
  }
  const descriptions = new Map<string, TransactionDescription | null>();
  for (const id of new Set(transactionalIds.values())) {
    try {
      descriptions.set(id, (await admin.describeTransactions([id]))[0]!);
    } catch (error) {
      if (!(error instanceof KafkaClientError) || error.code !== ErrorCode.TRANSACTIONAL_ID_NOT_FOUND) throw failure(`Failed to describe ${transactionalIds.size} transactions`, error);
      descriptions.set(id, null);
    }
  }
  return candidates.filter(({ tp, producer }) => {
    const id = transactionalIds.get(producer.producerId);
    const description = id === undefined ? null : descriptions.get(id) ?? null;
    return description === null || !description.topicPartitions.some((p) => p.topic === tp.topic && p.partition === tp.partition);
  });
}
