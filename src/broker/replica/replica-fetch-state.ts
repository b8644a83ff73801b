/**
 * What a replica fetcher knows of each partition it copies, and the decisions it takes from a
 * leader's answer that need no I/O (Kafka's PartitionFetchState and
 * AbstractFetcherThread.getOffsetTruncationState).
 */

import type { FollowerPartitionAccess } from './partition-types.ts';

export type { FollowerPartitionAccess };

export const UNDEFINED_EPOCH = -1;
const LEADER_WAIT_FIRST_MS = 50;

/** One partition being copied from its leader: where the next fetch starts and in which epoch the log ends. */
export class PartitionFetchState {
  readonly topic: string;
  readonly partition: number;
  readonly key: string;
  readonly topicId: string;
  /** The epoch LeaderAndIsr gave; a fetch that the leader fences in it waits for the next LeaderAndIsr. */
  readonly currentLeaderEpoch: number;
  fetchOffset: number;
  /** The epoch of the last batch in the local log (Fetch v12's lastFetchedEpoch), -1 for none. */
  lastFetchedEpoch: number;
  /** A failed fetch or append delays the partition until then (replica.fetch.backoff.ms); 0 = not delayed. */
  delayedUntilMs = 0;
  /** The leader's high watermark in its last answer; -1 before one. */
  leaderHighWatermark = -1;

  constructor(log: FollowerPartitionAccess, currentLeaderEpoch: number) {
    this.topic = log.topic;
    this.partition = log.partition;
    this.key = topicPartitionKey(log.topic, log.partition);
    this.topicId = log.topicId;
    this.currentLeaderEpoch = currentLeaderEpoch;
    this.fetchOffset = log.logEndOffset;
    this.lastFetchedEpoch = log.latestEpoch() ?? UNDEFINED_EPOCH;
  }

  /** The last wait for a leader that did not know its leadership yet; 0 once it answered. */
  #leaderWaitMs = 0;

  /** The next wait for a leader that does not know its leadership yet: 50 ms, doubling up to `maxMs`. */
  nextLeaderWaitMs(maxMs: number): number {
    this.#leaderWaitMs = Math.min(maxMs, Math.max(LEADER_WAIT_FIRST_MS, this.#leaderWaitMs * 2));
    return this.#leaderWaitMs;
  }

  /** The next fetch starts at the log's end, in its latest epoch: after every append or truncation. */
  followLog(log: FollowerPartitionAccess): void {
    this.#leaderWaitMs = 0;
    this.fetchOffset = log.logEndOffset;
    this.lastFetchedEpoch = log.latestEpoch() ?? UNDEFINED_EPOCH;
  }

  isFetchable(nowMs: number): boolean {
    return this.delayedUntilMs <= nowMs;
  }

  /** Caught up with the leader's high watermark (Kafka's isReplicaInSync): a replication throttle never holds it back. */
  get isReplicaInSync(): boolean {
    return this.leaderHighWatermark >= 0 && this.fetchOffset >= this.leaderHighWatermark;
  }
}

export function topicPartitionKey(topic: string, partition: number): string {
  return `${topic}-${partition}`;
}

/**
 * Where a follower truncates when the leader answers that its log diverges (Fetch v12's
 * divergingEpoch: the largest epoch the leader has at or below the follower's last one, and where
 * it ends on the leader). As Kafka's getOffsetTruncationState:
 * - the follower has that epoch: truncate to the smaller of the two ends of it;
 * - the follower's largest epoch below it is another: truncate to that epoch's end; the next fetch
 *   names it and the leader answers again, until both agree on an epoch;
 * - the follower has no epoch at or below it: the leader's end of the epoch.
 * Never beyond the follower's own log end.
 */
export function divergenceTruncationOffset(log: FollowerPartitionAccess, diverging: { epoch: number; endOffset: number }): number {
  const logEndOffset = log.logEndOffset;
  const own = log.endOffsetForEpoch(diverging.epoch);
  if (own.epoch === UNDEFINED_EPOCH || own.endOffset < 0) return Math.min(diverging.endOffset, logEndOffset);
  if (own.epoch !== diverging.epoch) return Math.min(own.endOffset, logEndOffset);
  return Math.min(own.endOffset, diverging.endOffset, logEndOffset);
}

/**
 * Which fetcher of a source broker copies a partition, as Kafka's
 * AbstractFetcherManager.getFetcherId: abs(31 * topic.hashCode() + partition) % num.replica.fetchers,
 * with Java's String.hashCode, so partitions spread over the fetchers as they do in Kafka.
 */
export function fetcherIdFor(topic: string, partition: number, numFetchers: number): number {
  let hash = 0;
  for (let i = 0; i < topic.length; i++) hash = (Math.imul(31, hash) + topic.charCodeAt(i)) | 0;
  const n = (Math.imul(31, hash) + partition) | 0;
  return (n === -2147483648 ? 0 : Math.abs(n)) % numFetchers;
}
