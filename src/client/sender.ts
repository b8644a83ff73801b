import { ErrorCode } from '../protocol/errors.ts';
import type { ProduceRequestTopicProduceData, ProduceResponse } from '../protocol/generated/produce.ts';
import { CompressionType } from '../protocol/records/batch-header.ts';
import type { ProducerBatch, RecordAccumulator } from './accumulator.ts';
import { Apis } from './apis.ts';
import type { ExponentialBackoff } from './backoff.ts';
import type { Cluster } from './cluster.ts';
import { isMetadataError, KafkaClientError } from './errors.ts';
import { TransactionAbortedError, type TransactionManager } from './transaction-manager.ts';
import type { TransactionRequests } from './transaction-requests.ts';

/** An idempotent or transactional producer's state, and the requests that change it. */
export interface Idempotence {
  readonly manager: TransactionManager;
  readonly requests: TransactionRequests;
}

export interface SenderOptions {
  /** 0, 1 or -1 (all). */
  readonly acks: number;
  /** How long the broker may wait for replication (the Produce request's timeoutMs). */
  readonly requestTimeoutMs: number;
  readonly retries: number;
  /** retry.backoff.ms growing to retry.backoff.max.ms, per batch attempt and per metadata refresh. */
  readonly retryBackoff: ExponentialBackoff;
  readonly deliveryTimeoutMs: number;
  /** max.in.flight.requests.per.connection */
  readonly maxInFlight: number;
  readonly maxRequestSize: number;
  readonly compression: CompressionType;
}

/**
 * Moves ready batches from the accumulator to partition leaders, one Produce request per broker
 * at a time up to maxInFlight per connection. Order per partition is kept: while retries can
 * happen, a plain producer has at most one batch of a partition in flight (a retry could otherwise
 * overtake); an idempotent one up to maxInFlight, each with its sequence, and the transaction
 * manager lets a retry go only when it is the partition's lowest sequence not done, so the broker
 * (which takes a producer's batches only in sequence) writes them in order.
 */
export class Sender {
  readonly #cluster: Cluster;
  readonly #accumulator: RecordAccumulator;
  readonly #options: SenderOptions;
  readonly #onBatchSent: (batch: ProducerBatch) => void;
  readonly #inFlightByNode = new Map<number, number>();
  readonly #inFlightByPartition = new Map<string, number>();
  #idempotence: Idempotence | null;
  #timer: NodeJS.Timeout | null = null;
  #timerAtMs = Infinity;
  #scheduled = false;
  #inFlightBatches = 0;
  #idleWaiters: Array<() => void> = [];
  #refreshing = false;
  /** Refreshes in a row that found a partition still without a leader: the next waits longer. */
  #refreshAttempts = 0;

  constructor(cluster: Cluster, accumulator: RecordAccumulator, options: SenderOptions, onBatchSent: (batch: ProducerBatch) => void,
    idempotence: Idempotence | null = null) {
    this.#cluster = cluster;
    this.#accumulator = accumulator;
    this.#options = options;
    this.#onBatchSent = onBatchSent;
    this.#idempotence = idempotence;
  }

  /** Idempotence was only the default and the broker cannot serve it: the producer sends as a plain one. */
  disableIdempotence(): void {
    this.#idempotence = null;
  }

  get #perPartitionLimit(): number {
    return this.#idempotence !== null || this.#options.retries === 0 ? this.#options.maxInFlight : 1;
  }

  /** Runs the send loop soon (a batch filled up, a flush started, a response came back). */
  wake(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    queueMicrotask(() => {
      this.#scheduled = false;
      this.#run();
    });
  }

  /** Resolves when nothing is queued or in flight. */
  async idle(): Promise<void> {
    while (!this.#accumulator.isEmpty || this.#inFlightBatches > 0) {
      await new Promise<void>((resolve) => this.#idleWaiters.push(resolve));
    }
  }

  #notifyIdle(): void {
    for (const waiter of this.#idleWaiters.splice(0)) waiter();
  }

  /** `notifyIdle` false: the caller has deliveries to settle first, then tells idle() itself. */
  #run(notifyIdle = true): void {
    const now = Date.now();
    const tm = this.#idempotence?.manager ?? null;
    for (const batch of this.#accumulator.expire(now, this.#options.deliveryTimeoutMs)) this.#failOutOfTime(batch, this.#deliveryTimedOut(batch));
    if (tm !== null) this.#prepareIdempotence(tm);
    let missingLeader = false;
    const perPartitionLimit = this.#perPartitionLimit;
    const muted = (topic: string, partition: number, first: ProducerBatch): boolean => {
      if ((this.#inFlightByPartition.get(`${topic}\0${partition}`) ?? 0) >= perPartitionLimit) return true;
      if (tm !== null && tm.shouldStopDrain(first)) return true;
      const leader = this.#cluster.cachedLeader(topic, partition);
      if (leader === undefined) {
        missingLeader = true;
        return true;
      }
      return (this.#inFlightByNode.get(leader) ?? 0) >= this.#options.maxInFlight;
    };
    // A drain takes one batch per partition; drain again while that filled a request, so that up to
    // max.in.flight requests leave at once where the per-partition limit allows more than one.
    for (let ready = this.#accumulator.drain(now, muted); ready.length > 0; ready = this.#accumulator.drain(now, muted)) {
      const byNode = new Map<number, ProducerBatch[]>();
      for (const batch of ready) {
        // Stamped before the next drain looks at the partition: its sequences come in drain order.
        tm?.assignSequence(batch);
        const leader = this.#cluster.cachedLeader(batch.topic, batch.partition)!;
        let list = byNode.get(leader);
        if (list === undefined) byNode.set(leader, list = []);
        list.push(batch);
      }
      for (const [nodeId, batches] of byNode) this.#sendTo(nodeId, batches);
    }
    if (missingLeader) this.#refreshMetadata();
    else if (!this.#refreshing) this.#refreshAttempts = 0;
    this.#armTimer(muted);
    if (notifyIdle && this.#accumulator.isEmpty && this.#inFlightBatches === 0) this.#notifyIdle();
  }

  /**
   * Java's Sender.runOnce before it drains: settle expired sequences; after a fatal error fail
   * everything queued; bump an idempotent producer's epoch or fetch its producer id; while a
   * transaction is to be aborted drop the batches not sent yet; have new partitions join the
   * transaction.
   */
  #prepareIdempotence(tm: TransactionManager): void {
    const { requests } = this.#idempotence!;
    tm.maybeResolveSequences();
    if (tm.hasFatalError) {
      const error = tm.currentError();
      for (const batch of this.#accumulator.remove(() => true)) this.#fail(batch, error, false, false);
      return;
    }
    if (tm.bumpIdempotentEpochAndResetIdIfNeeded()) requests.maybeInitIdempotent();
    if (tm.hasAbortableError || tm.isAborting) {
      const error = tm.lastError ?? new TransactionAbortedError();
      for (const batch of this.#accumulator.remove((b) => !b.hasSequence)) this.#fail(batch, error, false, false);
    }
    if (tm.hasNewPartitions) requests.maybeAddPartitions();
  }

  #refreshMetadata(): void {
    if (this.#refreshing) return;
    this.#refreshing = true;
    const backoffMs = this.#options.retryBackoff.backoff(this.#refreshAttempts++);
    this.#cluster.refreshMetadata().catch(() => {}).finally(() => {
      setTimeout(() => { this.#refreshing = false; this.wake(); }, backoffMs).unref();
    });
  }

  /** Muted batches wait for a response or a metadata refresh, which wake the loop; others for their time. */
  #armTimer(muted: (topic: string, partition: number, first: ProducerBatch) => boolean): void {
    const next = this.#accumulator.nextReadyMs(muted, this.#options.deliveryTimeoutMs);
    if (next === Infinity) return;
    if (this.#timer !== null && this.#timerAtMs <= next) return;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timerAtMs = next;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.#timerAtMs = Infinity;
      this.#run();
    }, Math.max(1, next - Date.now()));
  }

  #sendTo(nodeId: number, batches: ProducerBatch[]): void {
    // Split so that one request stays under max.request.size.
    let group: ProducerBatch[] = [];
    let size = 0;
    for (const batch of batches) {
      const encoded = batch.encode(this.#options.compression);
      if (group.length > 0 && size + encoded.length > this.#options.maxRequestSize) {
        this.#sendRequest(nodeId, group);
        group = [];
        size = 0;
      }
      group.push(batch);
      size += encoded.length;
    }
    if (group.length > 0) this.#sendRequest(nodeId, group);
  }

  #sendRequest(nodeId: number, batches: ProducerBatch[]): void {
    const topics = new Map<string, ProduceRequestTopicProduceData>();
    for (const batch of batches) {
      let topic = topics.get(batch.topic);
      if (topic === undefined) topics.set(batch.topic, topic = { name: batch.topic, partitionData: [] });
      topic.partitionData.push({ index: batch.partition, records: batch.encoded });
      batch.sent = true;
      const key = `${batch.topic}\0${batch.partition}`;
      this.#inFlightByPartition.set(key, (this.#inFlightByPartition.get(key) ?? 0) + 1);
      this.#onBatchSent(batch);
    }
    this.#inFlightByNode.set(nodeId, (this.#inFlightByNode.get(nodeId) ?? 0) + 1);
    this.#inFlightBatches += batches.length;
    const acks = this.#options.acks;
    const request = this.#cluster.send(nodeId, 'produce', Apis.Produce,
      { transactionalId: this.#idempotence?.manager.transactionalId ?? null, acks, timeoutMs: this.#options.requestTimeoutMs, topicData: [...topics.values()] },
      { expectResponse: acks !== 0 });
    request.then(
      (response) => this.#onResponse(nodeId, batches, response ?? null),
      (error: unknown) => this.#onFailure(nodeId, batches, error),
    );
  }

  #release(nodeId: number, batches: ProducerBatch[]): void {
    this.#inFlightByNode.set(nodeId, (this.#inFlightByNode.get(nodeId) ?? 1) - 1);
    this.#inFlightBatches -= batches.length;
    for (const batch of batches) {
      const key = `${batch.topic}\0${batch.partition}`;
      const count = (this.#inFlightByPartition.get(key) ?? 1) - 1;
      if (count === 0) this.#inFlightByPartition.delete(key);
      else this.#inFlightByPartition.set(key, count);
    }
  }

  #onResponse(nodeId: number, batches: ProducerBatch[], response: ProduceResponse | null): void {
    this.#release(nodeId, batches);
    let staleMetadata = false;
    const delivered: ProducerBatch[] = [];
    const results: Array<{ baseOffset: bigint; logAppendTimeMs?: bigint } | null> = [];
    const tm = this.#idempotence?.manager ?? null;
    for (const batch of batches) {
      if (response === null) {
        delivered.push(batch);
        results.push(null);
        continue;
      }
      const result = response.responses.find((t) => t.name === batch.topic)?.partitionResponses.find((p) => p.index === batch.partition);
      const code = result === undefined ? ErrorCode.UNKNOWN_SERVER_ERROR : result.errorCode;
      if (code === ErrorCode.NONE) {
        delivered.push(batch);
        results.push(result!);
        continue;
      }
      if (isMetadataError(code)) staleMetadata = true;
      const error = new KafkaClientError(code, `Produce to ${batch.topic}-${batch.partition} on broker ${nodeId}`, result?.errorMessage ?? null);
      // The broker has the batch already, but no longer its offset: a success without one, as in Java.
      if (!this.#retryOrFail(batch, error, Number(result?.logStartOffset ?? -1n)) && code === ErrorCode.DUPLICATE_SEQUENCE_NUMBER && tm !== null) {
        delivered.push(batch);
        results.push({ baseOffset: -1n });
      }
    }
    // The transaction manager hears first: the partition's next sequence may go now.
    if (tm !== null) for (let i = 0; i < delivered.length; i++) tm.handleCompletedBatch(delivered[i]!, Number(results[i]?.baseOffset ?? -1n));
    // The next batches go out before the application hears of these: what it does on hearing
    // (often appending more) would otherwise hold the connection idle.
    if (staleMetadata) this.#refreshMetadata();
    this.#run(false);
    for (let i = 0; i < delivered.length; i++) {
      const batch = delivered[i]!;
      const result = results[i];
      // Bytes first: sends waiting for them queued before anything the application does on hearing.
      // With acks=0 there was no answer: the request may still be queued for the socket.
      this.#accumulator.deallocate(batch, response !== null);
      if (result === null || result === undefined) batch.complete(-1, -1);
      else batch.complete(Number(result.baseOffset), Number(result.logAppendTimeMs ?? -1n));
    }
    if (this.#accumulator.isEmpty && this.#inFlightBatches === 0) this.#notifyIdle();
  }

  #onFailure(nodeId: number, batches: ProducerBatch[], error: unknown): void {
    this.#release(nodeId, batches);
    const failure = error instanceof KafkaClientError ? error
      : new KafkaClientError(ErrorCode.UNKNOWN_SERVER_ERROR, `Produce to broker ${nodeId}`, String(error), { cause: error, retriable: false });
    for (const batch of batches) this.#retryOrFail(batch, failure);
    if (failure.retriable) this.#refreshMetadata();
    this.wake();
  }

  /**
   * KIP-580: a batch's retries back off exponentially, from retry.backoff.ms to retry.backoff.max.ms.
   * With idempotence the transaction manager decides what a sequence error means (Java's canRetry).
   * True when the batch goes again; a DUPLICATE_SEQUENCE_NUMBER that is not retried is left to
   * the caller, which counts it as delivered.
   */
  #retryOrFail(batch: ProducerBatch, error: KafkaClientError, logStartOffset = -1): boolean {
    const tm = this.#idempotence?.manager ?? null;
    // Sequences are decided before the time is checked: a gap asks for an epoch bump either way.
    const retriable = tm === null ? error.retriable : tm.canRetry(error.code, batch, logStartOffset);
    if (!retriable || batch.attempts >= this.#options.retries) {
      if (error.code !== ErrorCode.DUPLICATE_SEQUENCE_NUMBER || tm === null) this.#fail(batch, error, batch.attempts < this.#options.retries);
      return false;
    }
    const retryAtMs = Date.now() + this.#options.retryBackoff.backoff(batch.attempts);
    // Out of time, not of retries: the application hears of the timeout (and why the last try failed).
    if (retryAtMs - batch.createdMs >= this.#options.deliveryTimeoutMs) {
      this.#failOutOfTime(batch, this.#deliveryTimedOut(batch, error));
      return false;
    }
    batch.attempts++;
    batch.retryAtMs = retryAtMs;
    this.#accumulator.reenqueue(batch);
    return true;
  }

  /**
   * A batch past delivery.timeout.ms. Once sent, the broker may have written it, so its sequences
   * are neither given to the batches behind it nor is the epoch bumped for it (which would give
   * new sequences to batches in flight that the broker may hold too: each a duplicate); its
   * partition takes no new sequence until the batches in flight settle whether the broker has it
   * (Java's markSequenceUnresolved). Java bumps the epoch when the time runs out on an error
   * answer (a request timeout, a lost connection), which is how its idempotent producer can write
   * a batch twice; ours treats every sent batch as the in-flight expiry does.
   */
  #failOutOfTime(batch: ProducerBatch, error: KafkaClientError): void {
    this.#fail(batch, error, false);
    if (batch.sent && batch.hasSequence) this.#idempotence?.manager.markSequenceUnresolved(batch);
  }

  #deliveryTimedOut(batch: ProducerBatch, lastError?: KafkaClientError): KafkaClientError {
    const last = lastError === undefined ? '' : `; last attempt: ${lastError.errorName}`;
    return new KafkaClientError(ErrorCode.REQUEST_TIMED_OUT, `Produce to ${batch.topic}-${batch.partition}`,
      `not delivered within delivery.timeout.ms (${this.#options.deliveryTimeoutMs} ms)${last}`, { cause: lastError, retriable: false });
  }

  /**
   * `adjustSequenceNumbers`: the broker surely did not write the batch, so the sequences after it
   * move down (or the epoch is bumped); `toManager` false for batches dropped unsent by an abort or
   * a fatal error, which say nothing new of the producer's state.
   */
  #fail(batch: ProducerBatch, error: Error, adjustSequenceNumbers: boolean, toManager = true): void {
    this.#accumulator.deallocate(batch);
    if (toManager) this.#idempotence?.manager.handleFailedBatch(batch, error, adjustSequenceNumbers);
    batch.fail(error);
  }

  close(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }
}
