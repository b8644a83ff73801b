import type { TopicPartition } from '../client/index.ts';
import { UsageError } from './cli-io.ts';

/**
 * The JSON files kafka-reassign-partitions reads and writes (version 1, the only one Kafka has):
 * the topics to move ({"version":1,"topics":[{"topic":"t"}]}) and a reassignment
 * ({"version":1,"partitions":[{"topic":"t","partition":0,"replicas":[1,2],"log_dirs":["any","any"]}]}),
 * with the checks Kafka's tool makes and its messages, each naming the entry at fault.
 */

/** A partition's target replicas from a reassignment file, in the file's order. */
export interface PartitionTarget extends TopicPartition { readonly replicas: readonly number[] }

/** log_dirs' placeholder for "wherever the broker puts it": no move between a broker's directories. */
export const ANY_LOG_DIR = 'any';

/** Kafka's TopicPartition.toString(): "topic-partition". */
export const partitionName = (tp: TopicPartition): string => `${tp.topic}-${tp.partition}`;

/** Topic name first, then partition number, as Kafka's tool sorts everything it prints. */
export function compareTopicPartitions(a: TopicPartition, b: TopicPartition): number {
  return a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition;
}

function parseDocument(text: string, what: string): Record<string, unknown> {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`the ${what} is not valid JSON: ${(error as Error).message}`);
  }
  if (document === null || typeof document !== 'object' || Array.isArray(document)) throw new UsageError(`the ${what} must be a JSON object`);
  const version = (document as Record<string, unknown>).version;
  if (version !== undefined && version !== 1) throw new UsageError(`the ${what}: Not supported version field value ${JSON.stringify(version)}`);
  return document as Record<string, unknown>;
}

/** Entries of an optional array field: Kafka takes a missing one as empty. */
function arrayField(document: Record<string, unknown>, field: string, what: string): unknown[] {
  const value = document[field];
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new UsageError(`the ${what}'s "${field}" must be an array`);
  return value;
}

function duplicates<T>(items: readonly T[], key: (item: T) => string = String): string[] {
  const seen = new Set<string>();
  const repeated = new Set<string>();
  for (const item of items) {
    const k = key(item);
    if (seen.has(k)) repeated.add(k);
    seen.add(k);
  }
  return [...repeated];
}

/** --topics-to-move-json-file: the topic names, each at most once. */
export function parseTopicsToMoveJson(text: string): string[] {
  const what = 'topics-to-move JSON file';
  const topics = arrayField(parseDocument(text, what), 'topics', what).map((entry, i) => {
    const topic = (entry as { topic?: unknown } | null)?.topic;
    if (typeof topic !== 'string' || topic === '') throw new UsageError(`the ${what}'s topics[${i}] needs a "topic" name (a string)`);
    return topic;
  });
  const repeated = duplicates(topics);
  if (repeated.length > 0) throw new UsageError(`List of topics to reassign contains duplicate entries: ${repeated.join(',')}`);
  if (topics.length === 0) throw new UsageError(`the ${what} names no topics`);
  return topics;
}

/** --broker-list "1,2,3": broker ids, each at most once. */
export function parseBrokerList(text: string): number[] {
  const ids = text.split(',').map((part) => {
    const id = Number(part.trim());
    if (part.trim() === '' || !Number.isInteger(id) || id < 0) throw new UsageError(`--broker-list takes broker ids separated by commas, not '${text}'`);
    return id;
  });
  const repeated = duplicates(ids);
  if (repeated.length > 0) throw new UsageError(`Broker list contains duplicate entries: ${repeated.join(',')}`);
  return ids;
}

export interface ReassignmentFile {
  readonly partitions: PartitionTarget[];
  /** Replicas the file places in a named log directory (not "any"), keyed by partitionName and broker. */
  readonly logDirMoves: ReadonlyArray<TopicPartition & { readonly broker: number; readonly logDir: string }>;
}

const isBrokerId = (value: unknown): value is number => Number.isInteger(value) && (value as number) >= 0;

/**
 * --reassignment-json-file, read as Kafka reads it for --verify and --cancel: every entry checked
 * for shape; log_dirs, when given, one per replica.
 */
export function parseReassignmentJson(text: string): ReassignmentFile {
  const what = 'reassignment JSON file';
  const partitions: PartitionTarget[] = [];
  const logDirMoves: Array<TopicPartition & { broker: number; logDir: string }> = [];
  arrayField(parseDocument(text, what), 'partitions', what).forEach((entry, i) => {
    const { topic, partition, replicas, log_dirs: logDirs } = (entry ?? {}) as Record<string, unknown>;
    if (typeof topic !== 'string' || topic === '') throw new UsageError(`the ${what}'s partitions[${i}] needs a "topic" name (a string)`);
    if (!isBrokerId(partition)) throw new UsageError(`the ${what}'s partitions[${i}] needs a "partition" number (an integer >= 0)`);
    if (!Array.isArray(replicas) || !replicas.every(isBrokerId)) {
      throw new UsageError(`the ${what}'s partitions[${i}] needs "replicas", an array of broker ids`);
    }
    const tp = { topic, partition };
    if (logDirs !== undefined) {
      if (!Array.isArray(logDirs) || !logDirs.every((d) => typeof d === 'string')) {
        throw new UsageError(`the ${what}'s partitions[${i}] "log_dirs" must be an array of strings`);
      }
      if (logDirs.length !== replicas.length) {
        throw new UsageError(`Size of replicas list [${replicas.join(', ')}] is different from size of log dirs list [${logDirs.join(', ')}] for partition ${partitionName(tp)}`);
      }
      logDirs.forEach((logDir, r) => { if (logDir !== ANY_LOG_DIR) logDirMoves.push({ ...tp, broker: replicas[r] as number, logDir }); });
    }
    partitions.push({ ...tp, replicas: replicas as number[] });
  });
  return { partitions, logDirMoves };
}

/**
 * The stricter reading --execute makes (Kafka's parseExecuteAssignmentArgs): at least one
 * partition, none twice, every replica list non-empty and without repeats.
 */
export function parseExecuteReassignmentJson(text: string): ReassignmentFile {
  const file = parseReassignmentJson(text);
  if (file.partitions.length === 0) throw new UsageError('Partition reassignment list cannot be empty');
  if (file.partitions.some((p) => p.replicas.length === 0)) throw new UsageError('Partition replica list cannot be empty');
  const repeated = duplicates(file.partitions, partitionName);
  if (repeated.length > 0) throw new UsageError(`Partition reassignment contains duplicate topic partitions: ${repeated.join(',')}`);
  const repeatedReplicas = file.partitions
    .map((p) => ({ p, brokers: duplicates(p.replicas) }))
    .filter(({ brokers }) => brokers.length > 0)
    .map(({ p, brokers }) => `${partitionName(p)} contains multiple entries for ${brokers.join(',')}`);
  if (repeatedReplicas.length > 0) throw new UsageError(`Partition replica lists may not contain duplicate entries: ${repeatedReplicas.join('. ')}`);
  return file;
}

/**
 * A reassignment file as Kafka's tool writes one: compact JSON, partitions sorted, "log_dirs" all
 * "any" (what --generate proposes and --execute prints for rollback).
 */
export function formatAsReassignmentJson(assignment: readonly PartitionTarget[]): string {
  const partitions = [...assignment].sort(compareTopicPartitions).map((p) => ({
    topic: p.topic, partition: p.partition, replicas: [...p.replicas], log_dirs: p.replicas.map(() => ANY_LOG_DIR),
  }));
  return JSON.stringify({ version: 1, partitions });
}
