import { ErrorCode } from '../../protocol/errors.ts';
import type { FetchRequestFetchPartition, FetchRequestFetchTopic, FetchRequestForgottenTopic, FetchResponse } from '../../protocol/generated/fetch.ts';
import { INITIAL_EPOCH, INVALID_SESSION_ID, nextEpoch } from './fetch-session-cache.ts';
import { topicPartitionKey } from './replica-fetch-state.ts';

/** A partition a fetch wants, keyed as the fetcher keys it (topicPartitionKey), as the request carries it. */
export interface WantedPartition {
  readonly key: string;
  readonly topic: string;
  readonly topicId: string;
  readonly data: FetchRequestFetchPartition;
}

/** What the next Fetch sends: its session fields, the partitions it names and those it drops. */
export interface SessionFetch {
  readonly sessionId: number;
  readonly sessionEpoch: number;
  readonly topics: FetchRequestFetchTopic[];
  readonly forgottenTopicsData: FetchRequestForgottenTopic[];
  /** Whether this fetch names every partition (it opens a session), or only the changes. */
  readonly full: boolean;
}

/**
 * The client's side of an incremental fetch session (KIP-227), as Kafka's FetchSessionHandler: the
 * first fetch is full (epoch 0) and the leader may answer it with a session id; each later fetch
 * carries the next epoch and names only partitions added or whose parameters changed (fetch offset,
 * log start offset, epochs, byte limit), and forgets those no longer wanted. The leader answers only
 * partitions with something new. A session error, an answer that names a partition outside the
 * session, or a failed request makes the next fetch full again.
 */
export class FetchSessionHandler {
  #sessionId = INVALID_SESSION_ID;
  #epoch = INITIAL_EPOCH;
  /** What the leader's session holds, as last sent (the partitions of the last fetch built). */
  #session = new Map<string, WantedPartition>();
  #usesTopicIds: boolean | undefined;
  /** Whether the fetch last built was full: its answer may open a session. */
  #lastFull = true;

  get sessionId(): number { return this.#sessionId; }
  get epoch(): number { return this.#epoch; }

  /**
   * The next fetch for `wanted` (all the partitions to fetch now, each once). `usesTopicIds`:
   * the request names topics by id (v13+); a session opened the other way is replaced by a full fetch.
   */
  build(wanted: readonly WantedPartition[], usesTopicIds: boolean): SessionFetch {
    const next = new Map(wanted.map((partition) => [partition.key, partition]));
    if (this.#usesTopicIds !== usesTopicIds && this.#epoch !== INITIAL_EPOCH) this.#closeExisting();
    const previous = this.#session;
    this.#session = next;
    this.#usesTopicIds = usesTopicIds;
    this.#lastFull = this.#epoch === INITIAL_EPOCH;
    if (this.#lastFull) {
      return { sessionId: this.#sessionId, sessionEpoch: INITIAL_EPOCH, topics: groupByTopic(wanted), forgottenTopicsData: [], full: true };
    }
    const changed: WantedPartition[] = [];
    for (const partition of wanted) {
      const before = previous.get(partition.key);
      // A topic recreated (a new id) cannot be changed in place: the old one is forgotten, the new one added.
      if (before === undefined || before.topicId !== partition.topicId || !sameParameters(before.data, partition.data)) changed.push(partition);
    }
    const forgotten = new Map<string, FetchRequestForgottenTopic>();
    for (const before of previous.values()) {
      const now = next.get(before.key);
      if (now !== undefined && now.topicId === before.topicId) continue;
      // A recreated topic in a by-name session is just updated: forgetting it by name would drop the new one too.
      if (now !== undefined && !usesTopicIds) continue;
      const topicKey = usesTopicIds ? before.topicId : before.topic;
      let topic = forgotten.get(topicKey);
      if (topic === undefined) forgotten.set(topicKey, (topic = usesTopicIds ? { topicId: before.topicId, partitions: [] } : { topic: before.topic, partitions: [] }));
      topic.partitions.push(before.data.partition);
    }
    return { sessionId: this.#sessionId, sessionEpoch: this.#epoch, topics: groupByTopic(changed), forgottenTopicsData: [...forgotten.values()], full: false };
  }

  /**
   * Takes the leader's answer to the fetch last built; false when the answer is not to be used
   * (a session error or an inconsistent answer: the next fetch is full).
   */
  handleResponse(response: FetchResponse, topicOf: (topic: { topic?: string; topicId?: string }) => string | undefined): boolean {
    const full = this.#lastFull;
    const errorCode = response.errorCode ?? ErrorCode.NONE;
    if (errorCode !== ErrorCode.NONE) {
      if (errorCode === ErrorCode.FETCH_SESSION_ID_NOT_FOUND) this.#reset();
      else this.#closeExisting();
      return false;
    }
    if (!this.#answersOnlySessionPartitions(response, topicOf)) {
      if (full) this.#reset();
      else this.#closeExisting();
      return false;
    }
    const sessionId = response.sessionId ?? INVALID_SESSION_ID;
    if (sessionId === INVALID_SESSION_ID) {
      // Sessionless (no room at the leader) or the session was closed: ask for one again next time.
      this.#reset();
    } else if (full) {
      this.#sessionId = sessionId;
      this.#epoch = nextEpoch(INITIAL_EPOCH);
    } else {
      this.#epoch = nextEpoch(this.#epoch);
    }
    return true;
  }

  /** The request failed (the connection broke, or no answer): the next fetch is full, closing the session. */
  handleError(): void { this.#closeExisting(); }

  /** Kafka's nextCloseExisting: a full fetch naming the session closes it and may open a new one. */
  #closeExisting(): void { this.#epoch = INITIAL_EPOCH; }

  #reset(): void {
    this.#sessionId = INVALID_SESSION_ID;
    this.#epoch = INITIAL_EPOCH;
  }

  #answersOnlySessionPartitions(response: FetchResponse, topicOf: (topic: { topic?: string; topicId?: string }) => string | undefined): boolean {
    for (const topic of response.responses) {
      const name = topicOf(topic);
      if (name === undefined) return false;
      for (const partition of topic.partitions) {
        if (!this.#session.has(topicPartitionKey(name, partition.partitionIndex))) return false;
      }
    }
    return true;
  }
}

function sameParameters(a: FetchRequestFetchPartition, b: FetchRequestFetchPartition): boolean {
  return a.fetchOffset === b.fetchOffset && a.logStartOffset === b.logStartOffset && a.currentLeaderEpoch === b.currentLeaderEpoch
    && a.lastFetchedEpoch === b.lastFetchedEpoch && a.partitionMaxBytes === b.partitionMaxBytes;
}

function groupByTopic(partitions: readonly WantedPartition[]): FetchRequestFetchTopic[] {
  const topics = new Map<string, FetchRequestFetchTopic>();
  for (const { topic, topicId, data } of partitions) {
    let entry = topics.get(topic);
    if (entry === undefined) topics.set(topic, (entry = { topic, topicId, partitions: [] }));
    entry.partitions.push(data);
  }
  return [...topics.values()];
}
