import { fetchRequest, fetchResponse } from '../../protocol/generated/fetch.ts';
import type {
  FetchRequest,
  FetchResponse,
  FetchResponseFetchableTopicResponse,
  FetchResponsePartitionData,
} from '../../protocol/generated/fetch.ts';
import { ErrorCode, KafkaError } from '../../protocol/errors.ts';
import { ZERO_UUID } from '../../protocol/primitives/uuid.ts';
import { defineHandler, type RequestContext } from './handler.ts';
import { abortedTransactionsOf, divergingEpoch, failedPartition, sentElsewhere } from './fetch-partition-answers.ts';
import type { FetchIsolation, Partition, ReadResult } from '../replica/partition.ts';
import type { ClientMetadata } from '../replica/replica-selector.ts';
import { authorizationFailed, TopicAuthorization } from '../security/request-authorization.ts';
import { withFetchQuota } from '../security/quotas/fetch-quota.ts';
import type { BrokerTopicMetrics, TopicCounts } from '../../metrics/broker-topic-metrics.ts';

/** Topic ids replace names from Fetch v13 on. */
const FIRST_TOPIC_ID_VERSION = 13;

/**
 * The most bytes a Fetch's first pass reads on the event loop, even from the page cache: copying
 * 4 MiB out of it takes 1-2 ms (2-2.5 GB/s in the storage bench), while a many-partition fetch of
 * 50 MiB (fetch.max.bytes) would hold the loop for 20 ms. A consumer that keeps up fetches far
 * less per request; the partitions after the budget is spent are read in the pool.
 */
const LOOP_READ_BUDGET_BYTES = 4 * 1024 * 1024;

/**
 * Fetch: serve the stored batches, the producer's own bytes, from each requested offset. When
 * fewer than minBytes are ready the request waits in the fetch purgatory until an append makes
 * enough data ready or maxWaitMs passes; it is woken by appends, never by polling.
 *
 * The first read of a partition goes to libuv's thread pool (a consumer catching up reads data the
 * page cache may have dropped, and the event loop must not wait for the disk), unless this broker
 * appended the data lately (a consumer that keeps up reads the tail, which the page cache holds):
 * that read is made on the loop, as a trip to the pool and back would add to every round trip of a
 * consumer that waits for each response. The reads of a waiting fetch, woken by appends, read what
 * the first one brought in and what was just written, on the loop.
 *
 * Fetch sessions (KIP-227, the broker's FetchManager): a full fetch may open one, and an
 * incremental fetch reads every partition of its session but is answered only those with something
 * new; it waits on all of them, so an append to any wakes it. Authorization is Kafka's: a follower
 * needs CLUSTER_ACTION, a consumer READ on each topic (else TOPIC_AUTHORIZATION_FAILED), decided once.
 */
export const fetchHandler = defineHandler({
  request: fetchRequest,
  response: fetchResponse,
  minVersion: 4,
  maxVersion: 17,
  async handle(received, context) {
    const sessionContext = context.broker.fetchManager.newContext(received, context.apiVersion, fetcherOf(received, context.apiVersion) !== undefined);
    const fetchContext = withFetchQuota(context, received, sessionContext);
    if (fetchContext.errorCode !== ErrorCode.NONE) {
      return { throttleTimeMs: 0, errorCode: fetchContext.errorCode, sessionId: 0, responses: [] };
    }
    // What this fetch reads: the partitions asked, or an incremental fetch's whole session.
    const request: FetchRequest = fetchContext.topics === received.topics ? received : { ...received, topics: fetchContext.topics };
    const names = topicNames(request, context);
    const follower = fetcherOf(request, context.apiVersion);
    if (follower !== undefined && context.requestTimes !== undefined) context.requestTimes.fromFollower = true;
    // Bytes out per topic (to consumers) or replication bytes out (to followers), as each answer goes.
    const topicMetrics = context.broker.metrics?.brokerTopics;
    const respond = (response: FetchResponse): FetchResponse => {
      const answer = fetchContext.respond(response);
      topicMetrics?.fetchAnswered(answer, follower !== undefined);
      return answer;
    };
    const readable = TopicAuthorization.forFetch(context, names.filter((name) => name !== undefined), follower !== undefined);
    const firstRead = readFirst(request, context, names, readable, follower);
    // Read on the loop alone: no append can have come since, so the wait needs no read before it starts.
    const readJustNow = !(firstRead instanceof Promise);
    const first = readJustNow ? firstRead : await firstRead;
    if (first.bytes >= request.minBytes || first.answerNow || request.maxWaitMs <= 0 || first.keys.length === 0) {
      return respond(first.response);
    }
    return new Promise<FetchResponse>((resolve) => {
      let satisfied: FetchRound | undefined;
      const delayedFetch = {
        tryComplete: () => {
          const round = readAll(request, context, names, readable, undefined);
          if (round.bytes < request.minBytes && !round.answerNow) return false;
          satisfied = round;
          return true;
        },
        // As Kafka's DelayedFetch, a wait that runs out reads again: the answer is the log as it is
        // now, not as it was at the last wake (records deleted or a topic gone meanwhile).
        onComplete: () => resolve(respond((satisfied ?? readAll(request, context, names, readable, undefined)).response)),
      };
      const purgatory = context.broker.replicaManager.fetchPurgatory;
      if (readJustNow) purgatory.watch(delayedFetch, first.keys, request.maxWaitMs);
      else purgatory.tryCompleteElseWatch(delayedFetch, first.keys, request.maxWaitMs);
    });
  },
});

interface FetchRound {
  readonly response: FetchResponse;
  readonly bytes: number;
  /** An error, a diverging epoch or a preferred read replica: the fetch is answered without waiting (Kafka's fetchMessages). */
  readonly answerNow: boolean;
  readonly keys: string[];
}

/** Each requested topic's name, in request order (see topicNames). */
type TopicNames = ReadonlyArray<string | undefined>;

/** One partition's read, as a pass asks its driver for it. */
interface PartitionRead {
  readonly partition: Partition;
  readonly fetchOffset: number;
  readonly maxBytes: number;
  readonly minOneBatch: boolean;
  /** Where the read stops: a follower's at the log end, read_committed at the last stable offset. */
  readonly isolation: FetchIsolation;
}

/** The follower a Fetch comes from (Kafka's replica id: ReplicaState from v15, ReplicaId before). */
interface Fetcher {
  readonly replicaId: number;
  readonly brokerEpoch: number;
}

/** Fetch v15 moved the replica id into ReplicaState, with the follower's broker epoch. */
const FIRST_REPLICA_STATE_VERSION = 15;

/** Fetch v11 added the consumer's rack (KIP-392): from then on a consumer may read from followers. */
const FIRST_RACK_ID_VERSION = 11;

/**
 * Who a consumer's fetch comes from, as Kafka's KafkaApis builds ClientMetadata: only from v11 and
 * never for a follower. Its presence is what lets the fetch read from a follower, and a leader
 * with replica.selector.class send it to another replica.
 */
function clientMetadataOf(request: FetchRequest, context: RequestContext, fromFollower: boolean): ClientMetadata | undefined {
  if (fromFollower || context.apiVersion < FIRST_RACK_ID_VERSION) return undefined;
  return { rackId: request.rackId ?? '', clientId: context.clientId, listenerName: context.listenerName };
}

function fetcherOf(request: FetchRequest, apiVersion: number): Fetcher | undefined {
  const replicaId = apiVersion >= FIRST_REPLICA_STATE_VERSION ? request.replicaState?.replicaId ?? -1 : request.replicaId ?? -1;
  if (replicaId < 0) return undefined;
  const brokerEpoch = apiVersion >= FIRST_REPLICA_STATE_VERSION ? Number(request.replicaState?.replicaEpoch ?? -1n) : -1;
  return { replicaId, brokerEpoch };
}

type FetchPass = Generator<PartitionRead, FetchRound, ReadResult>;

const READ_COMMITTED = 1;

/** A pass with its reads made on the event loop: a waiting fetch's, of data in the page cache. */
function readAll(request: FetchRequest, context: RequestContext, names: TopicNames, readable: TopicAuthorization, fetcher: Fetcher | undefined): FetchRound {
  const pass = fetchPass(request, context, names, readable, fetcher);
  let step = pass.next();
  while (!step.done) {
    const { partition, fetchOffset, maxBytes, minOneBatch, isolation } = step.value;
    let read: ReadResult;
    try {
      read = partition.read(fetchOffset, maxBytes, minOneBatch, isolation);
    } catch (error) {
      step = pass.throw(error); // the pass answers it for that partition
      continue;
    }
    step = pass.next(read);
  }
  return step.value;
}

/**
 * The first pass: reads of lately appended data made on the event loop, up to LOOP_READ_BUDGET_BYTES,
 * and the others in libuv's thread pool, one partition after another (each read's size depends on
 * the last). A request whose partitions are all at their tails makes no trip to the pool, and then
 * gets its round back at once, not as a promise: nothing can be appended between these reads and
 * what the caller does next in the same run, so a fetch that waits is watched with no second pass.
 */
function readFirst(request: FetchRequest, context: RequestContext, names: TopicNames, readable: TopicAuthorization, fetcher: Fetcher | undefined): FetchRound | Promise<FetchRound> {
  const pass = fetchPass(request, context, names, readable, fetcher, context.broker.metrics?.brokerTopics);
  let readOnLoop = 0;
  let step = pass.next();
  while (!step.done) {
    const { partition, fetchOffset, maxBytes, minOneBatch, isolation } = step.value;
    let read: ReadResult | Promise<ReadResult>;
    try {
      read = readOnLoop < LOOP_READ_BUDGET_BYTES
        ? partition.readSyncIfRecent(fetchOffset, maxBytes, minOneBatch, isolation)
        : partition.readAsync(fetchOffset, maxBytes, minOneBatch, isolation);
    } catch (error) {
      step = pass.throw(error); // the pass answers it for that partition
      continue;
    }
    if (read instanceof Promise) return finishFirstOffLoop(pass, read, readOnLoop);
    readOnLoop += read.records.length;
    step = pass.next(read);
  }
  return step.value;
}

/** The rest of a first pass once a read went to the pool: that read awaited, the others as readFirst makes them. */
async function finishFirstOffLoop(pass: FetchPass, inPool: Promise<ReadResult>, readOnLoop: number): Promise<FetchRound> {
  let step: IteratorResult<PartitionRead, FetchRound>;
  try {
    step = pass.next(await inPool);
  } catch (error) {
    step = pass.throw(error);
  }
  while (!step.done) {
    const { partition, fetchOffset, maxBytes, minOneBatch, isolation } = step.value;
    let read: ReadResult;
    try {
      const pending = readOnLoop < LOOP_READ_BUDGET_BYTES
        ? partition.readSyncIfRecent(fetchOffset, maxBytes, minOneBatch, isolation)
        : partition.readAsync(fetchOffset, maxBytes, minOneBatch, isolation);
      // Awaited only when the read went to the pool: a read on the loop adds no trip through the microtask queue.
      if (pending instanceof Promise) {
        read = await pending;
      } else {
        read = pending;
        readOnLoop += read.records.length;
      }
    } catch (error) {
      step = pass.throw(error);
      continue;
    }
    step = pass.next(read);
  }
  return step.value;
}

/**
 * Each requested topic's name, resolved once when the request arrives (from v13 by topic id), as
 * Kafka's KafkaApis does: a topic deleted while the fetch waits is then UNKNOWN_TOPIC_OR_PARTITION
 * when the fetch reads again, not an unknown id.
 */
function topicNames(request: FetchRequest, context: RequestContext): Array<string | undefined> {
  if (context.apiVersion < FIRST_TOPIC_ID_VERSION) return request.topics.map((topic) => topic.topic);
  return request.topics.map((topic) => context.broker.metadata.topicById(topic.topicId ?? ZERO_UUID)?.name);
}

/**
 * One pass over the requested partitions, within the response's maxBytes. The first partition that
 * has data returns at least one whole batch even when it is larger than the limits (KIP-74), so a
 * consumer can always make progress. It yields each read and is given its result (or its error),
 * so the same pass runs on the event loop or off it.
 *
 * A follower's fetch (`fetcher`, given to the first pass only) reads up to the log end offset,
 * and once its read succeeded tells the leader the follower's log end offset (its fetch offset):
 * the high watermark and ISR may move, and the answer carries the high watermark as it is then.
 * A waiting fetch's later passes read only. Consumers read below the high watermark.
 *
 * KIP-392: a consumer's fetch from v11 may be served by a follower (below the high watermark it
 * learnt from its leader), and a leader with replica.selector.class may answer it with the
 * replica to read from instead (preferredReadReplica), with no records; as in Kafka's
 * ReplicaManager.readFromLocalLog, that answer goes out at once.
 */
function* fetchPass(
  request: FetchRequest, context: RequestContext, names: TopicNames, readable: TopicAuthorization, fetcher: Fetcher | undefined,
  /** Given to the first pass only: each partition read counts once per request (Kafka's Total/FailedFetchRequestsPerSec). */
  topicMetrics?: BrokerTopicMetrics,
): FetchPass {
  const { broker, apiVersion } = context;
  const follower = fetcher ?? fetcherOf(request, apiVersion);
  const fromFollower = follower !== undefined;
  const leaderQuota = follower === undefined ? undefined : broker.replicaManager.options.leaderQuota;
  const nowMs = broker.time.now();
  const client = clientMetadataOf(request, context, fromFollower);
  const leaders = new Set<number>();
  const byTopicId = apiVersion >= FIRST_TOPIC_ID_VERSION;
  let remaining = request.maxBytes ?? 0x7fffffff;
  let bytes = 0;
  let answerNow = false;
  const keys: string[] = [];
  const responses: FetchResponseFetchableTopicResponse[] = [];
  for (const [topicIndex, topic] of request.topics.entries()) {
    const name = names[topicIndex];
    const partitions: FetchResponsePartitionData[] = [];
    for (const requested of topic.partitions) {
      const index = requested.partition;
      let counted: TopicCounts | undefined;
      try {
        // Kafka's order: a follower without CLUSTER_ACTION is refused all; a consumer's unknown id is unknown, then READ.
        if (readable.refusesEverything) throw authorizationFailed(ErrorCode.TOPIC_AUTHORIZATION_FAILED);
        if (name === undefined) {
          throw new KafkaError(
            byTopicId ? ErrorCode.UNKNOWN_TOPIC_ID : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
            `Unknown topic ${byTopicId ? topic.topicId : topic.topic}`,
          );
        }
        readable.check(name);
        if (topicMetrics !== undefined) topicMetrics.fetchAttempted((counted = topicMetrics.topic(name)));
        const partition = broker.replicaManager.fetchPartition(name, index, client === undefined);
        // Fetch takes any negative epoch for "none given" (Kafka's FetchRequest.optionalEpoch).
        const currentLeaderEpoch = requested.currentLeaderEpoch ?? -1;
        checkLeaderEpoch(currentLeaderEpoch < 0 ? undefined : currentLeaderEpoch, partition);
        const fetchOffset = Number(requested.fetchOffset);
        const preferred = client === undefined ? undefined : broker.replicaManager.preferredReadReplica(partition, client, fetchOffset);
        if (preferred !== undefined) {
          answerNow = true;
          partitions.push(sentElsewhere(partition, index, preferred));
          continue;
        }
        const diverging = divergingEpoch(partition, requested);
        if (diverging !== undefined) {
          // Answered at once, as an error is (Kafka's fetch completes when any partition diverged).
          answerNow = true;
          partitions.push(diverging);
          continue;
        }
        keys.push(partition.key);
        // leader.replication.throttled.rate (Kafka's shouldLeaderThrottle): while it is exceeded, an
        // out-of-sync replica of a throttled partition is answered with no records; all bytes sent
        // for throttled partitions count towards the rate.
        const throttled = leaderQuota !== undefined && leaderQuota.isThrottled(partition.topic, index);
        const held = throttled && !partition.isr.includes(follower!.replicaId) && leaderQuota.isQuotaExceeded(nowMs);
        const maxBytes = held ? 0 : Math.min(requested.partitionMaxBytes, remaining);
        const isolation = fromFollower ? 'logEnd' : request.isolationLevel === READ_COMMITTED ? 'txnCommitted' : 'highWatermark';
        const read = yield { partition, fetchOffset, maxBytes, minOneBatch: !held && bytes === 0, isolation };
        if (throttled) leaderQuota.record(read.records.length, nowMs);
        let highWatermark = read.highWatermark;
        if (fetcher !== undefined) {
          broker.replicaManager.updateFollowerFetchState(partition, fetcher.replicaId, {
            fetchOffset, logStartOffset: Number(requested.logStartOffset ?? -1n), brokerEpoch: fetcher.brokerEpoch, leaderEpochGiven: currentLeaderEpoch >= 0,
          });
          highWatermark = partition.highWatermark;
        }
        bytes += read.records.length;
        remaining = Math.max(0, remaining - read.records.length);
        // The read's hold on pooled memory goes with the answer (a pass that waits leaves it to the collector).
        broker.readBuffers?.handToResponse(read.records);
        partitions.push({
          partitionIndex: index,
          errorCode: ErrorCode.NONE,
          highWatermark: BigInt(highWatermark),
          lastStableOffset: BigInt(fetcher === undefined ? read.lastStableOffset : highWatermark),
          logStartOffset: BigInt(read.logStartOffset),
          abortedTransactions: isolation === 'txnCommitted' ? abortedTransactionsOf(partition, fetchOffset, read) : null,
          preferredReadReplica: -1,
          records: read.records,
        });
      } catch (error) {
        answerNow = true;
        const failed = failedPartition(index, error, name, leaders, context);
        if (counted !== undefined) topicMetrics!.fetchFailed(counted, failed.errorCode);
        partitions.push(failed);
      }
    }
    responses.push({ topic: topic.topic ?? name ?? '', topicId: topic.topicId ?? ZERO_UUID, partitions });
  }
  const response: FetchResponse = { throttleTimeMs: 0, errorCode: ErrorCode.NONE, sessionId: 0, responses };
  if (leaders.size > 0 && apiVersion >= FIRST_NODE_ENDPOINTS_VERSION) response.nodeEndpoints = context.broker.replicaManager.nodeEndpoints(leaders, context.listenerName);
  return { response, bytes, answerNow, keys };
}

/** KIP-951: Fetch v16+ adds the endpoints of the leaders its partitions' errors name. */
const FIRST_NODE_ENDPOINTS_VERSION = 16;

/**
 * KIP-320, as Kafka's Partition.checkCurrentLeaderEpoch: a client that knows a newer epoch than ours
 * talks to a stale leader (UNKNOWN_LEADER_EPOCH, it retries after its metadata catches up); one
 * that knows an older epoch is fenced (FENCED_LEADER_EPOCH, it refreshes its metadata). No epoch
 * given (undefined) is not checked; which values mean "none" differs by API, so callers decide.
 */
export function checkLeaderEpoch(requested: number | undefined, partition: { readonly leaderEpoch: number; readonly key: string }): void {
  const current = partition.leaderEpoch;
  if (requested === undefined || requested === current) return;
  if (requested > current) {
    throw new KafkaError(ErrorCode.UNKNOWN_LEADER_EPOCH, `leader epoch ${requested} of ${partition.key} is newer than ${current}`);
  }
  throw new KafkaError(ErrorCode.FENCED_LEADER_EPOCH, `leader epoch ${requested} of ${partition.key} is older than ${current}`);
}
