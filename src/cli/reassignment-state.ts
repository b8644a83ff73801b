import { setTimeout as sleep } from 'node:timers/promises';
import { KafkaClientError, type Admin, type OngoingPartitionReassignment, type TopicMetadata, type TopicPartition } from '../client/index.ts';
import { ErrorCode } from '../protocol/errors.ts';
import type { CliIo } from './cli-io.ts';
import { compareTopicPartitions, partitionName, type PartitionTarget } from './reassignment-json.ts';
import { BROKER_LEVEL_THROTTLES, plural, TOPIC_LEVEL_THROTTLES, type PartitionReassignmentState } from './reassignment-plan.ts';

/**
 * What kafka-reassign-partitions asks the cluster: the replicas partitions have now, where the
 * reassignments of a file stand, and the throttles to clear once they are over.
 */

/** DescribeConfigs' source of a dynamic per-broker config (Kafka's DYNAMIC_BROKER_CONFIG). */
const DYNAMIC_BROKER_CONFIG = 2;

/** How often --wait asks the controller; a reassignment takes seconds at least. */
const POLL_INTERVAL_MS = 1_000;

/** Topic descriptions by name; a topic that does not exist is absent, any other failure throws. */
async function describeExisting(admin: Admin, topics: readonly string[]): Promise<Map<string, TopicMetadata>> {
  const known = new Set(await admin.listTopics({ includeInternal: true }));
  const existing = [...new Set(topics)].filter((t) => known.has(t));
  const described = existing.length === 0 ? [] : await admin.describeTopics(existing);
  return new Map(described.map((t) => [t.name, t]));
}

/**
 * The current replicas of whole topics (no partition given) or of single partitions, sorted; a
 * missing topic or partition fails with Kafka's message.
 */
export async function currentAssignment(admin: Admin, wanted: ReadonlyArray<{ topic: string; partition?: number }>): Promise<PartitionTarget[]> {
  const topics = await describeExisting(admin, wanted.map((w) => w.topic));
  const missingTopic = wanted.find((w) => !topics.has(w.topic));
  if (missingTopic !== undefined) throw new Error(`Topic ${missingTopic.topic} not found.`);
  const found: PartitionTarget[] = [];
  const missing: string[] = [];
  for (const w of wanted) {
    const partitions = topics.get(w.topic)!.partitions;
    const chosen = w.partition === undefined ? partitions : partitions.filter((p) => p.partition === w.partition);
    if (chosen.length === 0) missing.push(partitionName({ topic: w.topic, partition: w.partition ?? 0 }));
    for (const p of chosen) found.push({ topic: w.topic, partition: p.partition, replicas: [...p.replicas] });
  }
  if (missing.length > 0) throw new Error(`Unable to find partition: ${missing.join(', ')}`);
  return found.sort(compareTopicPartitions);
}

/**
 * Where each target stands: still reassigning (the controller lists it), else done with whatever
 * replicas the metadata shows (none for a topic that is gone). `anyOngoing` counts every
 * reassignment in the cluster, not only the file's, because Kafka's tool clears throttles only
 * once nothing at all is moving: a throttle set for another reassignment may cover these brokers.
 */
export async function reassignmentStates(admin: Admin, targets: readonly PartitionTarget[]): Promise<{ states: PartitionReassignmentState[]; anyOngoing: boolean }> {
  const ongoing = await admin.listPartitionReassignments();
  const ongoingByPartition = new Map(ongoing.map((r) => [partitionName(r), r]));
  const settled = targets.filter((t) => !ongoingByPartition.has(partitionName(t)));
  const topics = await describeExisting(admin, settled.map((t) => t.topic));
  const states = targets.map((t): PartitionReassignmentState => {
    const moving = ongoingByPartition.get(partitionName(t));
    if (moving !== undefined) return { topic: t.topic, partition: t.partition, currentReplicas: moving.replicas, targetReplicas: t.replicas, done: false };
    const current = topics.get(t.topic)?.partitions.find((p) => p.partition === t.partition)?.replicas ?? [];
    return { topic: t.topic, partition: t.partition, currentReplicas: current, targetReplicas: t.replicas, done: true };
  });
  return { states, anyOngoing: ongoing.length > 0 };
}

/**
 * Polls until the controller reassigns none of `targets`, telling `onProgress` what is still
 * moving; then until the metadata shows the targets' replicas (brokers hear of a completed
 * reassignment a moment after the controller), for at most a few polls, since a cancelled or
 * replaced reassignment never gets there.
 */
export async function waitForReassignments(admin: Admin, targets: readonly PartitionTarget[], onProgress: (ongoing: OngoingPartitionReassignment[]) => void): Promise<void> {
  const wanted: TopicPartition[] = targets.map((t) => ({ topic: t.topic, partition: t.partition }));
  for (;;) {
    const ongoing = await admin.listPartitionReassignments(wanted);
    onProgress(ongoing);
    if (ongoing.length === 0) break;
    await sleep(POLL_INTERVAL_MS);
  }
  for (let attempt = 0; attempt < 5; attempt++) {
    const { states } = await reassignmentStates(admin, targets);
    if (states.every((s) => s.currentReplicas.join(',') === s.targetReplicas.join(','))) return;
    await sleep(POLL_INTERVAL_MS);
  }
}

/**
 * Clears the reassignment throttles on every broker of the cluster and on the file's topics, as
 * Kafka's tool does (it cannot know which brokers an earlier run throttled). A broker is asked to
 * delete only the throttle rates it has set: the end state of Kafka's unconditional delete,
 * without asking a broker whose configs are static (samsa's) for a change it must refuse.
 */
export async function clearAllThrottles(admin: Admin, targets: readonly PartitionTarget[], io: CliIo): Promise<void> {
  const brokers = (await admin.describeCluster()).brokers.map((b) => b.nodeId).sort((a, b) => a - b);
  io.stdout(`Clearing broker-level throttles on broker${plural(brokers.length)} ${brokers.join(',')}\n`);
  const described = await admin.describeConfigs(brokers.map((id) => ({ type: 'broker' as const, name: String(id), keys: BROKER_LEVEL_THROTTLES })));
  const alterations = described
    .map(({ resource, configs }) => ({
      type: 'broker' as const, name: resource.name,
      ops: configs.filter((c) => c.source === DYNAMIC_BROKER_CONFIG).map((c) => ({ name: c.name, op: 'delete' as const })),
    }))
    .filter((a) => a.ops.length > 0);
  if (alterations.length > 0) await admin.incrementalAlterConfigs(alterations);
  const topics = [...new Set(targets.map((t) => t.topic))].sort();
  io.stdout(`Clearing topic-level throttles on topic${plural(topics.length)} ${topics.join(',')}\n`);
  for (const topic of topics) {
    try {
      await admin.incrementalAlterConfigs([{ type: 'topic', name: topic, ops: TOPIC_LEVEL_THROTTLES.map((name) => ({ name, op: 'delete' as const })) }]);
    } catch (error) {
      // A topic deleted since the reassignment has no throttle left to clear.
      if (!(error instanceof KafkaClientError && error.code === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)) throw error;
    }
  }
}
