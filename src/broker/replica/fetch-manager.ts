import { ErrorCode } from '../../protocol/errors.ts';
import type { FetchRequest, FetchRequestFetchTopic, FetchResponse, FetchResponsePartitionData } from '../../protocol/generated/fetch.ts';
import { ZERO_UUID } from '../../protocol/primitives/uuid.ts';
import {
  FINAL_EPOCH, INITIAL_EPOCH, INVALID_SESSION_ID, nextEpoch, type CachedPartition, type FetchSession, type FetchSessionCache,
} from './fetch-session-cache.ts';

/** Topic ids replace names from Fetch v13 on; a session opened at one kind of fetch serves only that kind. */
const FIRST_TOPIC_ID_VERSION = 13;

/**
 * What one Fetch reads and how its answer is shaped, by its session (Kafka's FetchContext):
 * - sessionless (epoch -1, or no room for a session): the partitions asked, all answered, session id 0;
 * - full (epoch 0): the same, and the answer opens a session of those partitions when one fits;
 * - incremental (epoch > 0): the session's partitions, updated by the request, with only those that
 *   have something new answered (records, high watermark, log start offset, an error, a divergence);
 * - a session error (unknown id, wrong epoch, the other kind of topic naming): nothing read.
 */
export interface FetchContext {
  /** NONE, or the session error to answer at once. */
  readonly errorCode: number;
  /** The partitions to read, in the order to read them, with their fetch offsets and limits. */
  readonly topics: FetchRequestFetchTopic[];
  /**
   * The answer to send, from a read of `topics` (one answer per partition, in their order): it
   * records what the session told the client, so call it once, with the answer that goes out.
   */
  respond(read: FetchResponse): FetchResponse;
}

/** Kafka's FetchManager: turns each Fetch into its context against the broker's session cache. */
export class FetchManager {
  readonly #cache: FetchSessionCache;
  readonly #now: () => number;

  constructor(cache: FetchSessionCache, now: () => number) {
    this.#cache = cache;
    this.#now = now;
  }

  get cache(): FetchSessionCache { return this.#cache; }

  /** `fromFollower`: a replica's fetch, whose session is privileged in eviction. */
  newContext(request: FetchRequest, apiVersion: number, fromFollower: boolean): FetchContext {
    const sessionId = request.sessionId ?? INVALID_SESSION_ID;
    const epoch = request.sessionEpoch ?? FINAL_EPOCH;
    const usesTopicIds = apiVersion >= FIRST_TOPIC_ID_VERSION;
    if (epoch === INITIAL_EPOCH || epoch === FINAL_EPOCH) {
      // A full fetch naming a session closes it.
      if (sessionId !== INVALID_SESSION_ID) this.#cache.remove(sessionId);
      if (epoch === FINAL_EPOCH) return sessionless(request.topics);
      return this.#full(request.topics, fromFollower, usesTopicIds);
    }
    const session = this.#cache.get(sessionId);
    if (session === undefined) return failed(ErrorCode.FETCH_SESSION_ID_NOT_FOUND);
    if (session.epoch !== epoch) return failed(ErrorCode.INVALID_FETCH_SESSION_EPOCH);
    if (session.usesTopicIds !== usesTopicIds) return failed(ErrorCode.FETCH_SESSION_TOPIC_ID_ERROR);
    updateSession(session, request, usesTopicIds);
    if (session.partitions.size === 0) {
      // Nothing left to fetch: the session ends, and the client hears session id 0.
      this.#cache.remove(session.id);
      return sessionless(request.topics);
    }
    this.#cache.touch(session, this.#now());
    session.epoch = nextEpoch(session.epoch);
    return incremental(session);
  }

  #full(topics: FetchRequestFetchTopic[], privileged: boolean, usesTopicIds: boolean): FetchContext {
    const size = topics.reduce((sum, topic) => sum + topic.partitions.length, 0);
    return {
      errorCode: ErrorCode.NONE,
      topics,
      respond: (read) => {
        read.sessionId = this.#cache.maybeCreateSession(this.#now(), privileged, size, usesTopicIds, () => {
          const partitions = new Map<string, CachedPartition>();
          forEachAnswer(topics, read, (topic, request, answer) => {
            const key = partitionKey(topic, request.partition, usesTopicIds);
            partitions.set(key, {
              key, topic: topic.topic, topicId: topic.topicId, request,
              highWatermark: answer.errorCode === ErrorCode.NONE ? answer.highWatermark : -1n, logStartOffset: answer.logStartOffset ?? -1n,
            });
          });
          return partitions;
        });
        return read;
      },
    };
  }
}

function sessionless(topics: FetchRequestFetchTopic[]): FetchContext {
  return { errorCode: ErrorCode.NONE, topics, respond: answerSessionless };
}

/** Most fetches (KafkaJS, librdkafka, our client) are sessionless: their answer goes out as read, with session id 0. */
function answerSessionless(read: FetchResponse): FetchResponse {
  read.sessionId = INVALID_SESSION_ID;
  return read;
}

function failed(errorCode: number): FetchContext {
  return {
    errorCode,
    topics: [],
    respond: (read) => ({ ...read, errorCode, sessionId: INVALID_SESSION_ID, responses: [] }),
  };
}

/** Partitions named by the request are added or take its new parameters; forgotten ones leave. */
function updateSession(session: FetchSession, request: FetchRequest, usesTopicIds: boolean): void {
  for (const topic of request.topics) {
    for (const partition of topic.partitions) {
      const key = partitionKey(topic, partition.partition, usesTopicIds);
      const cached = session.partitions.get(key);
      if (cached !== undefined) cached.request = partition;
      else session.partitions.set(key, { key, topic: topic.topic, topicId: topic.topicId, request: partition, highWatermark: -1n, logStartOffset: -1n });
    }
  }
  for (const forgotten of request.forgottenTopicsData ?? []) {
    for (const index of forgotten.partitions) session.partitions.delete(partitionKey(forgotten, index, usesTopicIds));
  }
}

function incremental(session: FetchSession): FetchContext {
  const expectedEpoch = session.epoch;
  // The session's partitions in fetch order, a topic's neighbours grouped as a request groups them.
  const cached = [...session.partitions.values()];
  const topics: FetchRequestFetchTopic[] = [];
  let last: FetchRequestFetchTopic | undefined;
  let lastKey: string | undefined;
  for (const partition of cached) {
    const topicKey = session.usesTopicIds ? partition.topicId : partition.topic;
    if (last === undefined || topicKey !== lastKey) {
      last = { topic: partition.topic, topicId: partition.topicId, partitions: [] };
      lastKey = topicKey;
      topics.push(last);
    }
    last.partitions.push(partition.request);
  }
  return {
    errorCode: ErrorCode.NONE,
    topics,
    respond: (read) => {
      // A second fetch of the same epoch (a duplicate) moved the session on meanwhile: this answer is stale.
      if (session.epoch !== expectedEpoch) return { ...read, errorCode: ErrorCode.INVALID_FETCH_SESSION_EPOCH, sessionId: INVALID_SESSION_ID, responses: [] };
      let index = 0;
      const responses = read.responses.map((topic) => ({
        ...topic,
        partitions: topic.partitions.filter((answer) => {
          const partition = cached[index++]!;
          if (!mustRespond(partition, answer)) return false;
          // Answered partitions go last, so the others come first within the next fetch's maxBytes.
          session.partitions.delete(partition.key);
          session.partitions.set(partition.key, partition);
          return true;
        }),
      })).filter((topic) => topic.partitions.length > 0);
      return { ...read, sessionId: session.id, responses };
    },
  };
}

/** Kafka's CachedPartition.maybeUpdateResponseData: whether the client must hear of the partition, recording what it hears. */
function mustRespond(partition: CachedPartition, answer: FetchResponsePartitionData): boolean {
  let respond = (answer.records?.length ?? 0) > 0 || answer.divergingEpoch !== undefined && answer.divergingEpoch.epoch >= 0
    || answer.preferredReadReplica !== undefined && answer.preferredReadReplica >= 0;
  if (partition.highWatermark !== answer.highWatermark) {
    respond = true;
    partition.highWatermark = answer.highWatermark;
  }
  const logStartOffset = answer.logStartOffset ?? -1n;
  if (partition.logStartOffset !== logStartOffset) {
    respond = true;
    partition.logStartOffset = logStartOffset;
  }
  if (answer.errorCode !== ErrorCode.NONE) {
    // Heard again once the error is gone.
    partition.highWatermark = -1n;
    respond = true;
  }
  return respond;
}

function forEachAnswer(
  topics: FetchRequestFetchTopic[],
  read: FetchResponse,
  each: (topic: FetchRequestFetchTopic, request: FetchRequestFetchTopic['partitions'][number], answer: FetchResponsePartitionData) => void,
): void {
  for (const [t, topic] of topics.entries()) {
    const answers = read.responses[t]?.partitions ?? [];
    for (const [p, request] of topic.partitions.entries()) {
      const answer = answers[p];
      if (answer !== undefined) each(topic, request, answer);
    }
  }
}

function partitionKey(topic: { topic?: string; topicId?: string }, partition: number, usesTopicIds: boolean): string {
  return `${usesTopicIds ? topic.topicId ?? ZERO_UUID : topic.topic ?? ''}:${partition}`;
}
