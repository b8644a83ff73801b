import { ErrorCode, errorName } from '../../../protocol/errors.ts';
import type { WriteTxnMarkersRequest, WriteTxnMarkersResponse } from '../../../protocol/generated/write-txn-markers.ts';
import type { Logger } from '../../logger.ts';
import type { Time, Timer } from '../../time.ts';
import type { TopicPartition, TransactionMetadata } from './transaction-metadata.ts';

/** A transaction whose PrepareCommit/PrepareAbort is durable and whose markers are to be written (Kafka's PendingCompleteTxn). */
export interface PendingCompleteTxn {
  readonly transactionalId: string;
  /** The __transaction_state partition of the transactional id. */
  readonly txnPartition: number;
  /** The leader epoch of that partition when the markers were asked for: stale coordinators' markers are refused. */
  readonly coordinatorEpoch: number;
  readonly commit: boolean;
  /** The PrepareCommit or PrepareAbort metadata: its producer id, epoch and partitions go in the markers. */
  readonly prepared: TransactionMetadata;
}

/** Where a partition's leader is: a broker id, 'unavailable' (none now: try again later), or undefined when the partition no longer exists. */
export type MarkerDestination = number | 'unavailable' | undefined;

export interface TransactionMarkerChannelOptions {
  readonly leaderOf: (topic: string, partition: number) => MarkerDestination;
  /** Sends one WriteTxnMarkers to a broker (this one included, over the network); rejects when it could not be answered. */
  readonly send: (brokerId: number, request: WriteTxnMarkersRequest) => Promise<WriteTxnMarkersResponse>;
  /** Every marker of the transaction is written: the coordinator writes CompleteCommit / CompleteAbort. */
  readonly onMarkersWritten: (txn: PendingCompleteTxn) => void;
  readonly time: Time;
  readonly logger: Logger;
  /** The pause before markers that failed, or found no leader, are sent again. */
  readonly retryBackoffMs?: number;
}

interface Entry {
  readonly txn: PendingCompleteTxn;
  /** The partitions still without their marker, by `topic\0partition`. */
  readonly remaining: Map<string, TopicPartition>;
}

interface QueuedMarker {
  readonly entry: Entry;
  readonly partitions: readonly TopicPartition[];
}

const DEFAULT_RETRY_BACKOFF_MS = 100;

/** Errors after which the marker is sent again, perhaps to a new leader (Kafka's completion handler's list). */
const RETRIABLE: ReadonlySet<number> = new Set([
  ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, ErrorCode.NOT_LEADER_OR_FOLLOWER, ErrorCode.NOT_ENOUGH_REPLICAS,
  ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND, ErrorCode.REQUEST_TIMED_OUT, ErrorCode.KAFKA_STORAGE_ERROR,
]);
/** The producer or this coordinator has moved on: the transaction's markers are no longer this coordinator's to send. */
const ABANDON: ReadonlySet<number> = new Set([ErrorCode.INVALID_PRODUCER_EPOCH, ErrorCode.TRANSACTION_COORDINATOR_FENCED]);
/** The partition could never have held the transaction's data: nothing to mark there. */
const SKIP_PARTITION: ReadonlySet<number> = new Set([ErrorCode.UNSUPPORTED_FOR_MESSAGE_FORMAT, ErrorCode.UNSUPPORTED_VERSION]);

function key(tp: TopicPartition): string {
  return `${tp.topic}\u0000${tp.partition}`;
}

/**
 * Writes the COMMIT or ABORT markers of completing transactions to their partitions' leaders
 * (Kafka's TransactionMarkerChannelManager and TransactionMarkerRequestCompletionHandler). Markers
 * are queued per destination broker and go out as one WriteTxnMarkers per broker at a time, with
 * everything queued for it meanwhile. What must stay true:
 * - a marker is sent until its partition's leader has written it; a failure, a leader that moved
 *   or is not available yet, sends it again after a backoff, to the leader found then;
 * - a partition whose topic was deleted is dropped (there is nothing left to mark);
 * - the transaction completes (onMarkersWritten) once every partition has its marker, once;
 * - markers of a transaction this coordinator no longer owns (its partition unloaded) are dropped.
 */
export class TransactionMarkerChannelManager {
  private readonly options: TransactionMarkerChannelOptions;
  private readonly pending = new Map<string, Entry>();
  private readonly queues = new Map<number, QueuedMarker[]>();
  private readonly inFlight = new Set<number>();
  private readonly retries = new Set<Timer>();
  private closed = false;

  constructor(options: TransactionMarkerChannelOptions) {
    this.options = options;
  }

  /** Starts writing the transaction's markers; a transaction of the same id still pending is replaced. */
  addTxnMarkersToSend(txn: PendingCompleteTxn): void {
    if (this.closed) return;
    const previous = this.pending.get(txn.transactionalId);
    if (previous !== undefined) this.options.logger.info({ transactionalId: txn.transactionalId }, 'replacing the pending markers of a transaction');
    const entry: Entry = { txn, remaining: new Map(txn.prepared.topicPartitions.map((tp) => [key(tp), tp])) };
    this.pending.set(txn.transactionalId, entry);
    this.enqueue(entry, txn.prepared.topicPartitions);
  }

  /** The partitions of a transaction whose markers are not written yet; undefined when none are being sent. */
  pendingPartitions(transactionalId: string): TopicPartition[] | undefined {
    const entry = this.pending.get(transactionalId);
    return entry === undefined ? undefined : [...entry.remaining.values()];
  }

  get numTxnsWithPendingMarkers(): number {
    return this.pending.size;
  }

  /** This broker no longer coordinates the partition: its transactions' markers are dropped (the next coordinator sends them). */
  removeMarkersForTxnTopicPartition(txnPartition: number): void {
    for (const [transactionalId, entry] of this.pending) {
      if (entry.txn.txnPartition === txnPartition) this.pending.delete(transactionalId);
    }
  }

  close(): void {
    this.closed = true;
    this.pending.clear();
    this.queues.clear();
    for (const timer of this.retries) this.options.time.clearTimeout(timer);
    this.retries.clear();
  }

  private isCurrent(entry: Entry): boolean {
    return !this.closed && this.pending.get(entry.txn.transactionalId) === entry;
  }

  /** Queues the partitions' markers by their leaders now; those without a leader are tried again later. */
  private enqueue(entry: Entry, partitions: readonly TopicPartition[]): void {
    if (!this.isCurrent(entry)) return;
    const byBroker = new Map<number, TopicPartition[]>();
    const unavailable: TopicPartition[] = [];
    for (const tp of partitions) {
      if (!entry.remaining.has(key(tp))) continue;
      const destination = this.options.leaderOf(tp.topic, tp.partition);
      if (destination === undefined) {
        this.options.logger.info({ transactionalId: entry.txn.transactionalId, topic: tp.topic, partition: tp.partition },
          'no such partition any more (its topic was deleted): its transaction marker is skipped');
        entry.remaining.delete(key(tp));
      } else if (destination === 'unavailable') {
        unavailable.push(tp);
      } else {
        const list = byBroker.get(destination) ?? [];
        list.push(tp);
        byBroker.set(destination, list);
      }
    }
    for (const [brokerId, list] of byBroker) {
      const queue = this.queues.get(brokerId) ?? [];
      queue.push({ entry, partitions: list });
      this.queues.set(brokerId, queue);
      this.sendTo(brokerId);
    }
    if (unavailable.length > 0) this.retryLater(entry, unavailable);
    this.maybeComplete(entry);
  }

  private retryLater(entry: Entry, partitions: readonly TopicPartition[]): void {
    if (!this.isCurrent(entry)) return;
    const timer = this.options.time.setTimeout(() => {
      this.retries.delete(timer);
      this.enqueue(entry, partitions);
    }, this.options.retryBackoffMs ?? DEFAULT_RETRY_BACKOFF_MS);
    timer.unref?.();
    this.retries.add(timer);
  }

  private maybeComplete(entry: Entry): void {
    if (entry.remaining.size > 0 || !this.isCurrent(entry)) return;
    this.pending.delete(entry.txn.transactionalId);
    this.options.onMarkersWritten(entry.txn);
  }

  /** One request in flight per broker: it carries every marker queued for that broker. */
  private sendTo(brokerId: number): void {
    if (this.closed || this.inFlight.has(brokerId)) return;
    const queued = (this.queues.get(brokerId) ?? []).filter((marker) => this.isCurrent(marker.entry));
    this.queues.delete(brokerId);
    if (queued.length === 0) return;
    this.inFlight.add(brokerId);
    const request: WriteTxnMarkersRequest = { markers: queued.map(markerOf) };
    this.options.send(brokerId, request).then(
      (response) => this.onResponse(brokerId, queued, response),
      (error: unknown) => {
        this.options.logger.debug({ err: error, brokerId }, 'WriteTxnMarkers failed; its markers are sent again');
        for (const marker of queued) this.retryLater(marker.entry, marker.partitions);
      },
    ).finally(() => {
      this.inFlight.delete(brokerId);
      if (this.queues.has(brokerId)) this.sendTo(brokerId);
    });
  }

  private onResponse(brokerId: number, sent: readonly QueuedMarker[], response: WriteTxnMarkersResponse): void {
    // Kafka's broker answers per producer id; collect every partition's error by producer id.
    const errors = new Map<bigint, Map<string, number>>();
    for (const result of response.markers) {
      const byPartition = errors.get(result.producerId) ?? new Map<string, number>();
      for (const topic of result.topics) {
        for (const p of topic.partitions) byPartition.set(key({ topic: topic.name, partition: p.partitionIndex }), p.errorCode);
      }
      errors.set(result.producerId, byPartition);
    }
    for (const marker of sent) {
      const { entry } = marker;
      if (!this.isCurrent(entry)) continue;
      const byPartition = errors.get(entry.txn.prepared.producerId);
      const retry: TopicPartition[] = [];
      let abandon = false;
      for (const tp of marker.partitions) {
        const code = byPartition?.get(key(tp)) ?? ErrorCode.UNKNOWN_SERVER_ERROR;
        if (code === ErrorCode.NONE || SKIP_PARTITION.has(code)) {
          entry.remaining.delete(key(tp));
        } else if (ABANDON.has(code)) {
          abandon = true;
        } else {
          if (!RETRIABLE.has(code)) {
            this.options.logger.error({ transactionalId: entry.txn.transactionalId, topic: tp.topic, partition: tp.partition, brokerId, error: errorName(code) },
              'unexpected error writing a transaction marker; it is sent again');
          }
          retry.push(tp);
        }
      }
      if (abandon) {
        this.options.logger.info({ transactionalId: entry.txn.transactionalId, brokerId },
          'a partition refused the transaction marker as from a stale producer or coordinator epoch; its markers are no longer sent from here');
        this.pending.delete(entry.txn.transactionalId);
        continue;
      }
      if (retry.length > 0) this.retryLater(entry, retry);
      this.maybeComplete(entry);
    }
  }
}

function markerOf(marker: QueuedMarker): WriteTxnMarkersRequest['markers'][number] {
  const { txn } = marker.entry;
  const byTopic = new Map<string, number[]>();
  for (const tp of marker.partitions) {
    const list = byTopic.get(tp.topic) ?? [];
    list.push(tp.partition);
    byTopic.set(tp.topic, list);
  }
  return {
    producerId: txn.prepared.producerId,
    producerEpoch: txn.prepared.producerEpoch,
    transactionResult: txn.commit,
    topics: [...byTopic].map(([name, partitionIndexes]) => ({ name, partitionIndexes })),
    coordinatorEpoch: txn.coordinatorEpoch,
  };
}
