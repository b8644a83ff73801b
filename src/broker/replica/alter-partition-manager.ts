import type { AlterPartitionRequest, AlterPartitionResponse } from '../../protocol/generated/alter-partition.ts';
import { ErrorCode } from '../../protocol/errors.ts';
import type { Logger } from '../logger.ts';
import type { Time, Timer } from '../time.ts';
import type { IsrChangeAnswer } from './leader-replicas.ts';

/** One partition's proposed ISR, as the leader sends it. */
export interface AlterPartitionItem {
  readonly topic: string;
  readonly topicId: string;
  readonly partition: number;
  readonly leaderEpoch: number;
  readonly partitionEpoch: number;
  readonly newIsr: readonly number[];
}

/**
 * Sends the request to whichever broker is the controller now (BrokerToControllerChannel), and
 * rejects only when it could not get an answer. The request is built in AlterPartition v3's shape
 * (topic ids, ISR members with broker epochs -1); alterPartitionRequestForVersion turns it into an
 * older version's.
 */
export type SendAlterPartition = (request: AlterPartitionRequest) => Promise<AlterPartitionResponse>;

interface Pending {
  readonly item: AlterPartitionItem;
  readonly resolve: (answer: IsrChangeAnswer) => void;
}

/** How long a failed send waits before the same changes are sent again (Kafka retries until answered). */
const RETRY_BACKOFF_MS = 100;

/**
 * The leader's side of AlterPartition (Kafka's AlterPartitionManager): ISR changes proposed by the
 * partitions this broker leads, batched into one request, one request in flight at a time. A
 * partition has at most one change here (the partition proposes only from a committed ISR); a
 * change whose request failed is sent again unchanged, since the controller may have applied it
 * (the controller answers a repeat of the state it holds as a success), until answered or
 * cancelled. Each submission resolves with the controller's answer for that partition.
 */
export class AlterPartitionManager {
  private readonly unsent = new Map<string, Pending>();
  private inflight = false;
  private retryTimer: Timer | undefined;
  private closed = false;
  private readonly options: {
    readonly brokerId: number;
    readonly brokerEpoch: () => bigint;
    readonly send: SendAlterPartition;
    readonly time: Time;
    readonly logger: Logger;
  };

  constructor(options: AlterPartitionManager['options']) {
    this.options = options;
  }

  /** Proposes `item` (one per partition: a second one while the first is unanswered is a bug). */
  submit(item: AlterPartitionItem): Promise<IsrChangeAnswer> {
    const key = `${item.topic}-${item.partition}`;
    if (this.unsent.has(key)) return Promise.reject(new Error(`an ISR change of ${key} is already pending`));
    return new Promise((resolve) => {
      this.unsent.set(key, { item, resolve });
      // Changes proposed in the same turn of the event loop (a shrink check over many partitions) go together.
      if (!this.inflight) queueMicrotask(() => this.maybeSend());
    });
  }

  /** The partition's state was replaced (LeaderAndIsr, StopReplica): its unsent change is dropped. */
  cancel(topic: string, partition: number): void {
    this.unsent.delete(`${topic}-${partition}`);
  }

  close(): void {
    this.closed = true;
    if (this.retryTimer !== undefined) this.options.time.clearTimeout(this.retryTimer);
    this.unsent.clear();
  }

  private maybeSend(): void {
    if (this.inflight || this.closed || this.retryTimer !== undefined || this.unsent.size === 0) return;
    const batch = new Map(this.unsent);
    this.unsent.clear();
    this.inflight = true;
    this.options.send(buildRequest(this.options.brokerId, this.options.brokerEpoch(), [...batch.values()].map((p) => p.item))).then(
      (response) => this.handleResponse(batch, response),
      (error: unknown) => {
        this.options.logger.warn({ err: error, partitions: [...batch.keys()] }, 'AlterPartition failed; retrying');
        this.retry(batch);
      },
    ).finally(() => {
      this.inflight = false;
      this.maybeSend();
    });
  }

  private handleResponse(batch: Map<string, Pending>, response: AlterPartitionResponse): void {
    if (response.errorCode !== ErrorCode.NONE) {
      this.options.logger.warn({ errorCode: response.errorCode }, 'AlterPartition refused as a whole; retrying');
      this.retry(batch);
      return;
    }
    const unanswered = new Map(batch);
    for (const topic of response.topics) {
      for (const answered of topic.partitions) {
        const entry = [...unanswered].find(([, p]) => p.item.partition === answered.partitionIndex
          && (p.item.topic === topic.topicName || (topic.topicId !== undefined && p.item.topicId === topic.topicId)));
        if (entry === undefined) continue;
        unanswered.delete(entry[0]);
        entry[1].resolve({
          errorCode: answered.errorCode,
          leaderEpoch: answered.leaderEpoch,
          isr: answered.isr,
          partitionEpoch: answered.partitionEpoch,
        });
      }
    }
    if (unanswered.size > 0) this.retry(unanswered);
  }

  /** Puts failed changes back (unless the partition proposed anew meanwhile) and sends again after a backoff. */
  private retry(batch: Map<string, Pending>): void {
    if (this.closed) return;
    for (const [key, pending] of batch) if (!this.unsent.has(key)) this.unsent.set(key, pending);
    if (this.retryTimer !== undefined) return;
    this.retryTimer = this.options.time.setTimeout(() => {
      this.retryTimer = undefined;
      this.maybeSend();
    }, RETRY_BACKOFF_MS);
    this.retryTimer.unref?.();
  }
}

function buildRequest(brokerId: number, brokerEpoch: bigint, items: readonly AlterPartitionItem[]): AlterPartitionRequest {
  const topics = new Map<string, AlterPartitionRequest['topics'][number]>();
  for (const item of items) {
    let topic = topics.get(item.topic);
    if (topic === undefined) topics.set(item.topic, (topic = { topicId: item.topicId, partitions: [] }));
    topic.partitions.push({
      partitionIndex: item.partition,
      leaderEpoch: item.leaderEpoch,
      newIsrWithEpochs: item.newIsr.map((id) => ({ brokerId: id, brokerEpoch: -1n })),
      leaderRecoveryState: 0,
      partitionEpoch: item.partitionEpoch,
    });
  }
  return { brokerId, brokerEpoch, topics: [...topics.values()] };
}

/**
 * The v3-shaped request as `version` carries it: v0-1 name topics (by `names`, from topic id),
 * v0-2 send plain ISR broker ids.
 */
export function alterPartitionRequestForVersion(request: AlterPartitionRequest, version: number, topicName: (topicId: string) => string | undefined): AlterPartitionRequest {
  if (version >= 3) return request;
  return {
    ...request,
    topics: request.topics.map((topic) => ({
      ...(version <= 1 ? { topicName: topicName(topic.topicId ?? '') ?? '' } : { topicId: topic.topicId }),
      partitions: topic.partitions.map(({ newIsrWithEpochs, ...partition }) => ({
        ...partition,
        newIsr: (newIsrWithEpochs ?? []).map((member) => member.brokerId),
      })),
    })),
  };
}
