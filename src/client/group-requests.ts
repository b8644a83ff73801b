import { ErrorCode } from '../protocol/errors.ts';
import { Apis } from './apis.ts';
import type { Cluster } from './cluster.ts';
import { KafkaClientError } from './errors.ts';

export interface TopicPartitionOffset { readonly topic: string; readonly partition: number; readonly offset: number; readonly metadata?: string | null; readonly leaderEpoch?: number }

/** The group's coordinator broker (FindCoordinator, key type 0), retried while it is loading. */
export async function findCoordinator(cluster: Cluster, groupId: string, attempts = 10): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    const response = await cluster.send(undefined, 'group', Apis.FindCoordinator, { key: groupId, keyType: 0 });
    const code = response.errorCode ?? ErrorCode.NONE;
    if (code === ErrorCode.NONE) {
      // The coordinator may be a broker the metadata does not list yet.
      if (!cluster.metadata.brokers.has(response.nodeId!)) await cluster.refreshMetadata();
      return response.nodeId!;
    }
    const error = new KafkaClientError(code, `FindCoordinator for group ${groupId}`, response.errorMessage ?? null);
    if (!error.retriable || attempt >= attempts) throw error;
    await new Promise((resolve) => setTimeout(resolve, cluster.retryBackoff.backoff(attempt - 1)));
  }
}

function groupByTopic<T extends { topic: string }>(items: readonly T[]): Map<string, T[]> {
  const byTopic = new Map<string, T[]>();
  for (const item of items) {
    let list = byTopic.get(item.topic);
    if (list === undefined) byTopic.set(item.topic, list = []);
    list.push(item);
  }
  return byTopic;
}

/**
 * OffsetFetch: committed offsets of a group (all of them when `partitions` is null); -1 = none.
 * With `requireStable`, offsets a transaction committed but whose marker is not written yet answer
 * UNSTABLE_OFFSET_COMMIT: asked again, backing off, until default.api.timeout.ms (as Java's
 * consumer does), so a consumer that starts right after a commit sees the committed offsets.
 */
export async function fetchCommittedOffsets(cluster: Cluster, coordinator: number, groupId: string,
  partitions: ReadonlyArray<{ topic: string; partition: number }> | null, requireStable = false): Promise<TopicPartitionOffset[]> {
  const deadlineMs = Date.now() + cluster.defaultApiTimeoutMs;
  for (let attempt = 0; ; attempt++) {
    try {
      return await fetchCommittedOnce(cluster, coordinator, groupId, partitions, requireStable);
    } catch (error) {
      const backoffMs = cluster.retryBackoff.backoff(attempt);
      if (!(error instanceof KafkaClientError) || error.code !== ErrorCode.UNSTABLE_OFFSET_COMMIT || Date.now() + backoffMs >= deadlineMs) throw error;
      await new Promise((resolve) => setTimeout(resolve, backoffMs));
    }
  }
}

async function fetchCommittedOnce(cluster: Cluster, coordinator: number, groupId: string,
  partitions: ReadonlyArray<{ topic: string; partition: number }> | null, requireStable: boolean): Promise<TopicPartitionOffset[]> {
  const topics = partitions === null ? null
    : [...groupByTopic(partitions)].map(([name, list]) => ({ name, partitionIndexes: list.map((p) => p.partition) }));
  const connection = await cluster.connection(coordinator, 'group');
  const version = connection.versionFor(Apis.OffsetFetch);
  const response = await connection.send(Apis.OffsetFetch, version >= 7 ? { groupId, topics, requireStable } : { groupId, topics });
  const operation = `OffsetFetch for group ${groupId}`;
  if ((response.errorCode ?? 0) !== ErrorCode.NONE) throw new KafkaClientError(response.errorCode!, operation);
  const result: TopicPartitionOffset[] = [];
  for (const t of response.topics ?? []) {
    for (const p of t.partitions) {
      if (p.errorCode !== ErrorCode.NONE) throw new KafkaClientError(p.errorCode, `${operation}, ${t.name}-${p.partitionIndex}`);
      result.push({ topic: t.name, partition: p.partitionIndex, offset: Number(p.committedOffset), metadata: p.metadata, leaderEpoch: p.committedLeaderEpoch ?? -1 });
    }
  }
  return result;
}

/**
 * What a consumer tells a transactional producer of its group (Java's ConsumerGroupMetadata), so
 * TxnOffsetCommit is fenced as the consumer's own commit would be: by generation and member id.
 */
export interface ConsumerGroupMetadata {
  readonly groupId: string;
  readonly generationId: number;
  readonly memberId: string;
  readonly groupInstanceId: string | null;
}

export interface CommitMember { readonly generationId: number; readonly memberId: string; readonly groupInstanceId?: string | null }

/** OffsetCommit; throws the first partition error. A null member commits as an admin (generation -1). */
export async function commitOffsets(cluster: Cluster, coordinator: number, groupId: string, offsets: readonly TopicPartitionOffset[], member: CommitMember | null): Promise<void> {
  const topics = [...groupByTopic(offsets)].map(([name, list]) => ({
    name,
    partitions: list.map((o) => ({ partitionIndex: o.partition, committedOffset: BigInt(o.offset), committedLeaderEpoch: o.leaderEpoch ?? -1, committedMetadata: o.metadata ?? null })),
  }));
  const connection = await cluster.connection(coordinator, 'group');
  const version = connection.versionFor(Apis.OffsetCommit);
  const response = await connection.send(Apis.OffsetCommit, {
    groupId, generationIdOrMemberEpoch: member?.generationId ?? -1, memberId: member?.memberId ?? '',
    ...(version >= 7 ? { groupInstanceId: member?.groupInstanceId ?? null } : {}),
    ...(version >= 2 && version <= 4 ? { retentionTimeMs: -1n } : {}),
    topics,
  });
  for (const t of response.topics) {
    for (const p of t.partitions) {
      if (p.errorCode !== ErrorCode.NONE) throw new KafkaClientError(p.errorCode, `OffsetCommit for group ${groupId}, ${t.name}-${p.partitionIndex}`);
    }
  }
}
