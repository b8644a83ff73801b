import type { ClientApi } from '../../client/apis.ts';
import { fetchRequest, fetchResponse } from '../../protocol/generated/fetch.ts';
import type { FetchRequest, FetchResponse } from '../../protocol/generated/fetch.ts';
import { ZERO_UUID } from '../../protocol/primitives/uuid.ts';
import type { SessionFetch, WantedPartition } from './fetch-session-handler.ts';
import type { FollowerPartitionAccess, PartitionFetchState } from './replica-fetch-state.ts';

/**
 * Fetch as a follower speaks it: v12 brings lastFetchedEpoch and the leader's divergingEpoch
 * answer (KIP-595), so truncation happens on the fetch path with no OffsetForLeaderEpoch round
 * trip; v13 names topics by id; v15 sends the replica id with the broker epoch (ReplicaState).
 */
export const ReplicaFetch: ClientApi<FetchRequest, FetchResponse> = { name: 'Fetch', request: fetchRequest, response: fetchResponse, minVersion: 12, maxVersion: 17 };
export const LAST_NAME_VERSION = 12;
const FIRST_REPLICA_STATE_VERSION = 15;

/** The replica.* configs a fetcher works by. */
export interface ReplicaFetcherSettings {
  /** replica.fetch.wait.max.ms: how long the leader may hold a fetch that has nothing new (the long poll). */
  readonly maxWaitMs: number;
  readonly minBytes: number;
  /** replica.fetch.response.max.bytes */
  readonly maxBytes: number;
  /** replica.fetch.max.bytes */
  readonly partitionMaxBytes: number;
  readonly backoffMs: number;
  /** replica.socket.timeout.ms: connect, and answer beyond the long poll. */
  readonly socketTimeoutMs: number;
}

/** What one fetch wanted of a partition (named or in its session): its answer applies only if the partition is still there, unchanged. */
export interface SentPartition {
  readonly state: PartitionFetchState;
  readonly fetchOffset: number;
}

/**
 * What one Fetch wants of the given partitions, each from its fetch offset in its last epoch, all
 * from the same leader; the fetch session (FetchSessionHandler) decides which of them the request
 * names. `byId` is false when a topic id is unknown, which keeps the request at v12.
 */
export function replicaFetchPartitions(
  fetchable: readonly PartitionFetchState[],
  partitions: (topic: string, partition: number) => FollowerPartitionAccess | undefined,
  settings: ReplicaFetcherSettings,
): { wanted: WantedPartition[]; sent: Map<string, SentPartition>; byId: boolean } {
  const wanted: WantedPartition[] = [];
  const sent = new Map<string, SentPartition>();
  let byId = true;
  for (const state of fetchable) {
    const log = partitions(state.topic, state.partition);
    if (log === undefined) continue; // no longer a follower here: the replica manager removes it
    if (state.topicId === ZERO_UUID) byId = false;
    wanted.push({
      key: state.key, topic: state.topic, topicId: state.topicId,
      data: {
        partition: state.partition,
        currentLeaderEpoch: state.currentLeaderEpoch,
        fetchOffset: BigInt(state.fetchOffset),
        lastFetchedEpoch: state.lastFetchedEpoch,
        logStartOffset: BigInt(log.logStartOffset),
        partitionMaxBytes: settings.partitionMaxBytes,
      },
    });
    sent.set(state.key, { state, fetchOffset: state.fetchOffset });
  }
  return { wanted, sent, byId };
}

/** The Fetch a session built, read uncommitted: a follower copies everything up to the leader's log end. */
export function replicaFetchRequest(fetch: SessionFetch, settings: ReplicaFetcherSettings): FetchRequest {
  return {
    maxWaitMs: settings.maxWaitMs, minBytes: settings.minBytes, maxBytes: settings.maxBytes, isolationLevel: 0,
    sessionId: fetch.sessionId, sessionEpoch: fetch.sessionEpoch, topics: fetch.topics, forgottenTopicsData: fetch.forgottenTopicsData, rackId: '',
  };
}

/** The follower names itself: ReplicaState with its broker epoch from v15 (KIP-903), the replica id before. */
export function withReplica(request: FetchRequest, version: number, brokerId: number, brokerEpoch: bigint): FetchRequest {
  return version >= FIRST_REPLICA_STATE_VERSION
    ? { ...request, replicaState: { replicaId: brokerId, replicaEpoch: brokerEpoch } }
    : { ...request, replicaId: brokerId };
}
