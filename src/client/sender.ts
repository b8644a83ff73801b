import { ErrorCode } from '../protocol/errors.ts';
import type { ProduceRequestTopicProduceData, ProduceResponse } from '../protocol/generated/produce.ts';
import { CompressionType } from '../protocol/records/batch-header.ts';
import type { ProducerBatch, RecordAccumulator } from './accumulator.ts';
import { Apis } from './apis.ts';
import type { ExponentialBackoff } from './backoff.ts';
import type { Cluster } from './cluster.ts';
import { isMetadataError, KafkaClientError } from './errors.ts';

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
 * happen, a partition has at most one batch in flight (a retry could otherwise overtake).
 */
export class Sender {
  readonly #cluster: Cluster;
  readonly #accumulator: RecordAccumulator;
  readonly #options: SenderOptions;
  readonly #onBatchSent: (batch: ProducerBatch) => void;
  readonly #inFlightByNode = new Map<number, number>();
  readonly #inFlightByPartition = new Map<string, number>();
  readonly #perPartitionLimit: number;
  #timer: NodeJS.Timeout | null = null;
  #timerAtMs = Infinity;
  #scheduled = false;
  #inFlightBatches = 0;
  #idleWaiters: Array<() => void> = [];
  #refreshing = false;
  /** Refreshes in a row that found a partition still without a leader: the next waits longer. */
  #refreshAttempts = 0;

  constructor(cluster: Cluster, accumulator: RecordAccumulator, options: SenderOptions, onBatchSent: (batch: ProducerBatch) => void) {
    this.#cluster = cluster;
    this.#accumulator = accumulator;
    this.#options = options;
    this.#onBatchSent = onBatchSent;
    this.#perPartitionLimit = options.retries > 0 ? 1 : options.maxInFlight;
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
    for (const batch of this.#accumulator.expire(now, this.#options.deliveryTimeoutMs)) this.#fail(batch, this.#deliveryTimedOut(batch));
    let missingLeader = false;
    const muted = (topic: string, partition: number): boolean => {
      if ((this.#inFlightByPartition.get(`${topic}\0${partition}`) ?? 0) >= this.#perPartitionLimit) return true;
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

  #refreshMetadata(): void {
    if (this.#refreshing) return;
    this.#refreshing = true;
    const backoffMs = this.#options.retryBackoff.backoff(this.#refreshAttempts++);
    this.#cluster.refreshMetadata().catch(() => {}).finally(() => {
      setTimeout(() => { this.#refreshing = false; this.wake(); }, backoffMs).unref();
    });
  }

  /** Muted batches wait for a response or a metadata refresh, which wake the loop; others for their time. */
  #armTimer(muted: (topic: string, partition: number) => boolean): void {
    const next = this.#accumulator.nextReadyMs(muted);
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
      const key = `${batch.topic}\0${batch.partition}`;
      this.#inFlightByPartition.set(key, (this.#inFlightByPartition.get(key) ?? 0) + 1);
      this.#onBatchSent(batch);
    }
    this.#inFlightByNode.set(nodeId, (this.#inFlightByNode.get(nodeId) ?? 0) + 1);
    this.#inFlightBatches += batches.length;
    const acks = this.#options.acks;
    const request = this.#cluster.send(nodeId, 'produce', Apis.Produce,
      { transactionalId: null, acks, timeoutMs: this.#options.requestTimeoutMs, topicData: [...topics.values()] },
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
      this.#retryOrFail(batch, new KafkaClientError(code, `Produce to ${batch.topic}-${batch.partition} on broker ${nodeId}`, result?.errorMessage ?? null));
    }
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

  /** KIP-580: a batch's retries back off exponentially, from retry.backoff.ms to retry.backoff.max.ms. */
  #retryOrFail(batch: ProducerBatch, error: KafkaClientError): void {
    if (!error.retriable || batch.attempts >= this.#options.retries) {
      this.#fail(batch, error);
      return;
    }
    const retryAtMs = Date.now() + this.#options.retryBackoff.backoff(batch.attempts);
    // Out of time, not of retries: the application hears of the timeout (and why the last try failed).
    if (retryAtMs - batch.createdMs >= this.#options.deliveryTimeoutMs) {
      this.#fail(batch, this.#deliveryTimedOut(batch, error));
      return;
    }
    batch.attempts++;
    batch.retryAtMs = retryAtMs;
    this.#accumulator.reenqueue(batch);
  }

  #deliveryTimedOut(batch: ProducerBatch, lastError?: KafkaClientError): KafkaClientError {
    const last = lastError === undefined ? '' : `; last attempt: ${lastError.errorName}`;
    return new KafkaClientError(ErrorCode.REQUEST_TIMED_OUT, `Produce to ${batch.topic}-${batch.partition}`,
      `not delivered within delivery.timeout.ms (${this.#options.deliveryTimeoutMs} ms)${last}`, { cause: lastError, retriable: false });
  }

  #fail(batch: ProducerBatch, error: Error): void {
    this.#accumulator.deallocate(batch);
    batch.fail(error);
  }

  close(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }
}
