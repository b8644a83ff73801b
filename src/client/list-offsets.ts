import { ErrorCode } from '../protocol/errors.ts';
import { Apis } from './apis.ts';
import type { Cluster } from './cluster.ts';
import { isMetadataError, KafkaClientError, nodeGoneOrMoved } from './errors.ts';
import { retriesUntilDeadline } from './retry-call.ts';

/** ListOffsets' special timestamps. */
export const LATEST_TIMESTAMP = -1;
export const EARLIEST_TIMESTAMP = -2;
export const MAX_TIMESTAMP = -3;

export interface OffsetQuery { readonly topic: string; readonly partition: number; readonly timestamp: number }
export interface OffsetAnswer { readonly topic: string; readonly partition: number; readonly offset: number; readonly timestamp: number; readonly leaderEpoch: number }

export type IsolationLevel = 'read_uncommitted' | 'read_committed';
export function isolationLevelCode(level: IsolationLevel | undefined): number {
  return level === 'read_committed' ? 1 : 0;
}

/**
 * ListOffsets for many partitions: one request per leader. As Java's admin client does until
 * default.api.timeout.ms, a partition whose leader is gone (the connection fails) or has moved
 * (NOT_LEADER_OR_FOLLOWER, an epoch error) is asked again after a metadata refresh, backing off;
 * a topic the cluster does not know fails after `attempts` tries rather than at the deadline.
 * offset -1 means no record at or after the timestamp.
 */
export async function listOffsets(cluster: Cluster, queries: readonly OffsetQuery[], isolationLevel: IsolationLevel = 'read_uncommitted',
  { attempts = 5, deadlineMs = Date.now() + cluster.defaultApiTimeoutMs }: { attempts?: number; deadlineMs?: number } = {}): Promise<OffsetAnswer[]> {
  // A request names each partition once: several timestamps for one partition take several rounds,
  // its n-th query going to round n (counted, not searched for: a console asks for 10,000s).
  const rounds: OffsetQuery[][] = [];
  const seen = new Map<string, number>();
  for (const q of queries) {
    const key = `${q.topic}\0${q.partition}`;
    const index = seen.get(key) ?? 0;
    seen.set(key, index + 1);
    (rounds[index] ??= []).push(q);
  }
  if (rounds.length > 1) {
    const results = await Promise.all(rounds.map((r) => listOffsets(cluster, r, isolationLevel, { attempts, deadlineMs })));
    const byQuery = new Map<OffsetQuery, OffsetAnswer>();
    rounds.forEach((r, i) => r.forEach((q, j) => byQuery.set(q, results[i]![j]!)));
    return queries.map((q) => byQuery.get(q)!);
  }
  const answers = new Map<string, OffsetAnswer>();
  let pending = [...queries];
  for (let attempt = 1; pending.length > 0; attempt++) {
    const byLeader = new Map<number, OffsetQuery[]>();
    const retry: OffsetQuery[] = [];
    let lastError: KafkaClientError | null = null;
    const retryOrThrow = (error: unknown, failed: readonly OffsetQuery[]): void => {
      if (!(error instanceof KafkaClientError) || !error.retriable) throw error;
      const untilDeadline = retriesUntilDeadline(cluster, error) && Date.now() + cluster.retryBackoff.backoff(attempt - 1) < deadlineMs;
      if (!untilDeadline && attempt >= attempts) throw error;
      lastError = error;
      retry.push(...failed);
    };
    for (const q of pending) {
      try {
        const leader = await cluster.leaderFor(q.topic, q.partition);
        let list = byLeader.get(leader);
        if (list === undefined) byLeader.set(leader, list = []);
        list.push(q);
      } catch (error) {
        retryOrThrow(error, [q]);
      }
    }
    await Promise.all([...byLeader].map(async ([leader, list]) => {
      const topics = new Map<string, { name: string; partitions: Array<{ partitionIndex: number; timestamp: bigint; currentLeaderEpoch: number }> }>();
      for (const q of list) {
        let t = topics.get(q.topic);
        if (t === undefined) topics.set(q.topic, t = { name: q.topic, partitions: [] });
        t.partitions.push({ partitionIndex: q.partition, timestamp: BigInt(q.timestamp), currentLeaderEpoch: -1 });
      }
      const asked = new Map(list.map((q) => [`${q.topic}\0${q.partition}`, q]));
      let response;
      try {
        response = await cluster.send(leader, 'admin', Apis.ListOffsets, {
          replicaId: -1, isolationLevel: isolationLevelCode(isolationLevel), topics: [...topics.values()], timeoutMs: cluster.requestTimeoutMs,
        });
      } catch (error) {
        retryOrThrow(error, list);
        return;
      }
      for (const t of response.topics) {
        for (const p of t.partitions) {
          const q = asked.get(`${t.name}\0${p.partitionIndex}`);
          if (q === undefined) continue;
          if (p.errorCode === ErrorCode.NONE) {
            answers.set(`${t.name}\0${p.partitionIndex}`, {
              topic: t.name, partition: p.partitionIndex, offset: Number(p.offset ?? -1n), timestamp: Number(p.timestamp ?? -1n), leaderEpoch: p.leaderEpoch ?? -1,
            });
          } else {
            retryOrThrow(new KafkaClientError(p.errorCode, `ListOffsets for ${t.name}-${p.partitionIndex} on broker ${leader}`), [q]);
          }
        }
      }
    }));
    pending = retry;
    if (pending.length > 0) {
      const error = lastError as KafkaClientError | null;
      if (error !== null && (isMetadataError(error.code) || nodeGoneOrMoved(error))) await cluster.refreshMetadata().catch(() => {});
      await new Promise((resolve) => setTimeout(resolve, cluster.retryBackoff.backoff(attempt - 1)));
    }
  }
  return queries.map((q) => answers.get(`${q.topic}\0${q.partition}`)!);
}
