import { setTimeout as sleep } from 'node:timers/promises';
import { ErrorCode } from '../protocol/errors.ts';
import { RECORD_BATCH_OVERHEAD } from '../protocol/records/batch-header.ts';
import { type Delivery, estimateRecordSize, RecordAccumulator, type RecordMetadata } from './accumulator.ts';
import { Apis } from './apis.ts';
import { Cluster, type ClusterOptions, type TopicMetadata } from './cluster.ts';
import { KafkaClientError } from './errors.ts';
import type { ConsumerGroupMetadata, TopicPartitionOffset } from './group-requests.ts';
import { partitionForKey, StickyPartitionCache } from './partitioner.ts';
import { resolveIdempotence, type Acks } from './producer-config.ts';
import {
  AllDelivered, closedError, COMPRESSION, toBuffer, toHeaders, type CompressionName, type ProducerRecord, type SerializedRecord,
} from './producer-records.ts';
import { ProducerTransactions } from './producer-transactions.ts';
import { Sender, type Idempotence } from './sender.ts';
import { IllegalStateError, TransactionManager } from './transaction-manager.ts';
import { TransactionRequests } from './transaction-requests.ts';

export type { RecordMetadata } from './accumulator.ts';
export type { Acks } from './producer-config.ts';
export type { Bytes, CompressionName, ProducerRecord } from './producer-records.ts';
export type { ConsumerGroupMetadata } from './group-requests.ts';

export interface ProducerOptions extends ClusterOptions {
  /** acks: 0 (no answer), 1 (leader), -1 / 'all' (in-sync replicas). Default 'all'. */
  readonly acks?: Acks;
  /** compression.type */
  readonly compression?: CompressionName;
  /** batch.size (bytes, default 16384) and linger.ms (default 5). */
  readonly batchSize?: number;
  readonly lingerMs?: number;
  /** retries (default effectively unlimited, bounded by delivery.timeout.ms; 0 turns default idempotence off). */
  readonly retries?: number;
  /** delivery.timeout.ms (default 120000) */
  readonly deliveryTimeoutMs?: number;
  /** max.in.flight.requests.per.connection (default 5; more turns default idempotence off). */
  readonly maxInFlightRequestsPerConnection?: number;
  /** max.request.size (default 1 MiB): a record bigger than this fails at once. */
  readonly maxRequestSize?: number;
  /**
   * buffer.memory (default 32 MiB): bytes of records held until the broker has them. A send that
   * would go over waits (behind earlier ones) for delivered batches to free room; a record bigger
   * than this fails at once.
   */
  readonly bufferMemory?: number;
  /**
   * max.block.ms (default 60000): how long a send may wait for its topic's metadata and then for
   * room in buffer.memory, counted from the call, before it fails with REQUEST_TIMED_OUT.
   */
  readonly maxBlockMs?: number;
  /**
   * enable.idempotence (default true, as Java's since 3.0): every batch carries the producer's id,
   * epoch and a sequence, so a retry is never written twice nor out of order. Left unset, it is off
   * when acks is not all, retries is 0 or more than 5 requests may be in flight; set to true with
   * any of those, the constructor throws.
   */
  readonly enableIdempotence?: boolean;
  /** transactional.id: enables initTransactions() and the transactional calls; needs idempotence. */
  readonly transactionalId?: string;
  /** transaction.timeout.ms (default 60000): the coordinator aborts a transaction open longer. */
  readonly transactionTimeoutMs?: number;
}

/**
 * Kafka's producer: records are partitioned (explicit, murmur2 of the key, or sticky for null
 * keys), batched per partition by batch.size and linger.ms, compressed, and sent to each
 * partition's leader with retries until delivery.timeout.ms. send() resolves when the broker has
 * the record (per acks) with its offset.
 */
export class Producer {
  readonly cluster: Cluster;
  readonly #options: ProducerOptions;
  readonly #accumulator: RecordAccumulator;
  readonly #sender: Sender;
  readonly #maxRequestSize: number;
  readonly #maxBlockMs: number;
  readonly #sticky = new StickyPartitionCache();
  /** Idempotent and transactional producers: the state and requests (null for a plain producer). */
  #idempotence: Idempotence | null = null;
  readonly #transactions: ProducerTransactions | null = null;
  /** Partitions with a leader, per metadata object (a refresh brings new objects, so no staleness). */
  readonly #available = new WeakMap<TopicMetadata, number[]>();
  #ready: Promise<void> | null = null;
  /** connect() has succeeded: sends may skip awaiting it. */
  #connected = false;
  /** Sends on the awaiting path not yet appended; while any are, later sends queue behind them. */
  #pendingSlow = 0;
  /** unblocked() callers, told when #pendingSlow comes back to 0. */
  #unblockedWaiters: Array<() => void> = [];
  #closed = false;

  constructor(options: ProducerOptions) {
    this.#options = options;
    const { acks, idempotent, transactionalId, transactionTimeoutMs } = resolveIdempotence(options);
    // Java producers ask the broker to create a topic on first use (auto.create.topics.enable decides).
    this.cluster = new Cluster({ allowAutoTopicCreation: true, ...options });
    const compression = COMPRESSION[options.compression ?? 'none'];
    if (compression === undefined) throw new Error(`unknown compression.type ${options.compression}`);
    this.#maxRequestSize = options.maxRequestSize ?? 1_048_576;
    this.#maxBlockMs = options.maxBlockMs ?? 60_000;
    this.#accumulator = new RecordAccumulator({
      batchSize: options.batchSize ?? 16_384, lingerMs: options.lingerMs ?? 5, compression, bufferMemory: options.bufferMemory ?? 33_554_432,
      stampedAtDrain: idempotent,
    });
    if (idempotent) {
      const manager = new TransactionManager(transactionalId, transactionTimeoutMs);
      this.#idempotence = { manager, requests: new TransactionRequests(this.cluster, manager, () => this.#sender.wake()) };
    }
    this.#sender = new Sender(this.cluster, this.#accumulator, {
      acks,
      requestTimeoutMs: this.cluster.requestTimeoutMs,
      retries: options.retries ?? 2_147_483_647,
      retryBackoff: this.cluster.retryBackoff,
      deliveryTimeoutMs: options.deliveryTimeoutMs ?? 120_000,
      maxInFlight: options.maxInFlightRequestsPerConnection ?? 5,
      maxRequestSize: this.#maxRequestSize,
      compression,
    }, (batch) => {
      // KIP-480: a keyless topic's sticky partition moves on once its batch is on its way.
      const topic = this.cluster.metadata.topics.get(batch.topic);
      if (topic !== undefined) this.#sticky.onNewBatch(batch.topic, this.#availableOf(topic), topic.partitions.length, batch.partition);
    }, this.#idempotence);
    if (this.#idempotence !== null && transactionalId !== null) {
      this.#transactions = new ProducerTransactions(this.#idempotence.manager, this.#idempotence.requests, {
        flush: () => this.flush(), idle: () => this.#sender.idle(), wake: () => this.#sender.wake(),
      }, this.#maxBlockMs);
    }
  }

  /** Whether batches carry a producer id and sequences (false once a broker without InitProducerId turned the default off). */
  get idempotent(): boolean {
    return this.#idempotence !== null;
  }

  /**
   * Fetches cluster metadata and checks the features asked for; send() does this on first use.
   * While no broker can be reached it keeps trying, backing off, for max.block.ms (Java's send()
   * waits that long for metadata); a connect that failed is tried afresh by the next call.
   */
  connect(): Promise<void> {
    this.#ready ??= this.#connect().catch((error: unknown) => {
      this.#ready = null;
      throw error;
    });
    return this.#ready;
  }

  async #connect(): Promise<void> {
    const startMs = Date.now();
    for (let attempt = 0; ; attempt++) {
      try {
        await this.cluster.refreshMetadata();
        break;
      } catch (error) {
        if (!(error instanceof KafkaClientError) || !error.retriable || this.#closed) throw error;
        const leftMs = this.#maxBlockMs - (Date.now() - startMs);
        if (leftMs <= 0) throw error;
        await sleep(Math.min(leftMs, this.cluster.retryBackoff.backoff(attempt)));
      }
    }
    if (this.#idempotence !== null && !(await this.cluster.anyConnection('produce')).supports(Apis.InitProducerId)) {
      // A broker older than Kafka 0.11 has no producer ids. Idempotence that was only the default
      // is dropped (Java's producer would fail every send); asked for, it fails clearly.
      if (this.#options.enableIdempotence !== true && this.#options.transactionalId === undefined) {
        this.#idempotence = null;
        this.#sender.disableIdempotence();
      } else {
        const feature = this.#options.transactionalId !== undefined ? 'transactions (transactionalId)' : 'idempotence (enableIdempotence)';
        throw new KafkaClientError(ErrorCode.UNSUPPORTED_VERSION, 'Producer.connect', `${feature} needs InitProducerId, which this broker does not serve`, { retriable: false });
      }
    }
    this.#connected = true;
  }

  /** Sends one record; resolves with where it landed once the broker has it (per acks). */
  send(record: ProducerRecord): Promise<RecordMetadata> {
    try {
      const serialized = this.#serialize(record);
      const topic = this.#cachedTopic(record.topic);
      if (topic === undefined || !this.#accumulator.memory.tryAllocate(serialized.size)) return this.#sendAwaiting(record, serialized);
      const delivery = Promise.withResolvers<RecordMetadata>();
      this.#appendAllocated(record, serialized, topic, delivery, 0, Date.now());
      this.#sender.wake();
      return delivery.promise;
    } catch (error) {
      // As from an async function: a bad record rejects, it does not throw.
      return Promise.reject(error);
    }
  }

  /**
   * Sends many records; resolves with their metadata in order, or rejects with the first failure
   * (the other records are still sent, as with one send() per record).
   */
  sendBatch(records: readonly ProducerRecord[]): Promise<RecordMetadata[]> {
    if (!Array.isArray(records)) return Promise.reject(new TypeError('sendBatch takes an array of records'));
    const all = new AllDelivered(records.length);
    const now = Date.now();
    let appended = false;
    for (let i = 0; i < records.length; i++) {
      const record = records[i]!;
      try {
        const serialized = this.#serialize(record);
        const topic = this.#cachedTopic(record.topic);
        if (topic === undefined || !this.#accumulator.memory.tryAllocate(serialized.size)) {
          this.#sendAwaiting(record, serialized).then((metadata) => all.resolve(metadata, i), (error: Error) => all.reject(error));
          continue;
        }
        this.#appendAllocated(record, serialized, topic, all, i, now);
        appended = true;
      } catch (error) {
        all.reject(error as Error);
      }
    }
    if (appended) this.#sender.wake();
    return all.promise;
  }

  /**
   * The topic's metadata when a record can be appended right now, without a turn of the event
   * loop: connected, not closed, the topic cached, and no earlier send still waiting (it would be
   * overtaken). Anything else takes #sendAwaiting, which waits or fails as the case needs; so does
   * a record that finds buffer.memory full.
   */
  #cachedTopic(name: string): TopicMetadata | undefined {
    if (!this.#connected || this.#closed || this.#pendingSlow > 0) return undefined;
    const topic = this.cluster.metadata.topics.get(name);
    return topic !== undefined && topic.errorCode === ErrorCode.NONE && topic.partitions.length > 0 ? topic : undefined;
  }

  /**
   * The path of a send that must wait: for connect(), for the topic's metadata, for room in
   * buffer.memory (Java's send() blocks for these, up to max.block.ms for the room).
   */
  async #sendAwaiting(record: ProducerRecord, serialized: SerializedRecord): Promise<RecordMetadata> {
    if (this.#closed) throw closedError(record.topic);
    const startMs = Date.now();
    this.#pendingSlow++;
    let delivery: PromiseWithResolvers<RecordMetadata>;
    try {
      if (this.#ready === null) this.connect();
      await this.#ready;
      const topic = await this.#awaitTopic(record.topic, startMs);
      const allocated = this.#accumulator.memory.allocate(serialized.size, this.#maxBlockMs - (Date.now() - startMs), `send to ${record.topic}`);
      // While sends wait for room, batches go without lingering: the sender must look again.
      this.#sender.wake();
      await allocated;
      delivery = Promise.withResolvers<RecordMetadata>();
      this.#appendAllocated(record, serialized, topic, delivery, 0, Date.now());
    } finally {
      if (--this.#pendingSlow === 0) for (const waiter of this.#unblockedWaiters.splice(0)) waiter();
    }
    this.#sender.wake();
    return delivery.promise;
  }

  /**
   * The topic's metadata, waited for as Java's send() does (waitOnMetadata): a topic the cluster
   * does not know yet, or whose partitions it cannot list, is asked for again, backing off, until
   * max.block.ms has passed since the send began; an error no retry can mend (an invalid name, no
   * authorization) fails at once.
   */
  async #awaitTopic(name: string, startMs: number): Promise<TopicMetadata> {
    for (let attempt = 0; ; attempt++) {
      let last: KafkaClientError;
      try {
        const topic = await this.cluster.topic(name);
        if (topic.partitions.length > 0) return topic;
        last = new KafkaClientError(ErrorCode.LEADER_NOT_AVAILABLE, `send to ${name}`, 'topic has no partitions');
      } catch (error) {
        if (!(error instanceof KafkaClientError) || !error.retriable) throw error;
        last = error;
      }
      if (this.#closed) throw closedError(name);
      const leftMs = this.#maxBlockMs - (Date.now() - startMs);
      if (leftMs <= 0) {
        throw new KafkaClientError(ErrorCode.REQUEST_TIMED_OUT, `send to ${name}`,
          `topic ${name} not present in metadata after ${this.#maxBlockMs} ms (last: ${last.errorName})`, { cause: last, retriable: false });
      }
      await sleep(Math.min(leftMs, this.cluster.retryBackoff.backoff(attempt)));
    }
  }

  /**
   * The record's bytes and size; fails at once when it could never be sent: bigger than one request
   * may be (max.request.size) or than all of buffer.memory, as Java's RecordTooLargeException.
   */
  #serialize(record: ProducerRecord): SerializedRecord {
    const key = toBuffer(record.key);
    const value = toBuffer(record.value);
    const headers = toHeaders(record.headers);
    const size = estimateRecordSize(key, value, headers);
    // A record alone in its batch still carries the batch header.
    const sizeInBatch = RECORD_BATCH_OVERHEAD + size;
    if (sizeInBatch > this.#maxRequestSize || sizeInBatch > this.#accumulator.memory.totalBytes) {
      const [limit, name] = sizeInBatch > this.#maxRequestSize ? [this.#maxRequestSize, 'max.request.size'] : [this.#accumulator.memory.totalBytes, 'buffer.memory'];
      throw new KafkaClientError(ErrorCode.MESSAGE_TOO_LARGE, `send to ${record.topic}`,
        `the record is ${sizeInBatch} bytes when serialized, more than ${name} (${limit})`, { retriable: false });
    }
    return { key, value, headers, size };
  }

  /** Appends a record whose bytes are taken from buffer.memory; gives them back if it cannot go. */
  #appendAllocated(record: ProducerRecord, serialized: SerializedRecord, topic: TopicMetadata, delivery: Delivery, slot: number, nowMs: number): void {
    try {
      this.#append(record, serialized, topic, delivery, slot, nowMs);
    } catch (error) {
      this.#accumulator.memory.deallocate(serialized.size);
      throw error;
    }
  }

  /** Partitions the record and adds it to its batch; throws (before appending) when it cannot go. */
  #append(record: ProducerRecord, serialized: SerializedRecord, topic: TopicMetadata, delivery: Delivery, slot: number, nowMs: number): void {
    const name = record.topic;
    const { key, value, headers, size } = serialized;
    const numPartitions = topic.partitions.length;
    let partition: number;
    if (record.partition !== undefined) {
      if (!Number.isInteger(record.partition) || record.partition < 0 || record.partition >= numPartitions) {
        throw new KafkaClientError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `send to ${name}`,
          `partition ${record.partition} does not exist (${numPartitions} partitions)`, { retriable: false });
      }
      partition = record.partition;
    } else if (key !== null) {
      partition = partitionForKey(key, numPartitions);
    } else {
      const available = this.#availableOf(topic);
      partition = this.#sticky.partition(name, available, numPartitions);
      if (this.#accumulator.overflowsOpenBatch(name, partition, size)) {
        this.#sticky.onNewBatch(name, available, numPartitions, partition);
        partition = this.#sticky.partition(name, available, numPartitions);
      }
    }
    // The partition joins the transaction (or a fatal error stops the send) before the record is queued.
    if (this.#transactions !== null) this.#transactions.maybeAddPartition(name, partition);
    else this.#idempotence?.manager.maybeFailWithError();
    const timestamp = record.timestamp ?? nowMs;
    this.#accumulator.append(name, partition, { key, value, headers, timestamp }, size, delivery, nowMs, slot);
  }

  #availableOf(topic: TopicMetadata): number[] {
    let available = this.#available.get(topic);
    if (available === undefined) {
      available = topic.partitions.filter((p) => p.leaderId >= 0).map((p) => p.partition);
      this.#available.set(topic, available);
    }
    return available;
  }

  /** True while a send waits (for metadata or for room in buffer.memory): later sends queue behind it. */
  get blocked(): boolean {
    return this.#pendingSlow > 0;
  }

  /**
   * Resolves when no send waits any more. Java's send() blocks its thread; a caller here that
   * streams records without awaiting each one awaits this while `blocked`, or its own records
   * pile up in front of buffer.memory.
   */
  unblocked(): Promise<void> {
    if (this.#pendingSlow === 0) return Promise.resolve();
    return new Promise((resolve) => this.#unblockedWaiters.push(resolve));
  }

  /**
   * Sends everything queued now, without waiting for linger.ms, and waits for the answers;
   * sends still waiting (for metadata or room) when it is called are waited for too.
   */
  async flush(): Promise<void> {
    this.#accumulator.beginFlush();
    try {
      do {
        this.#sender.wake();
        await this.unblocked();
        this.#sender.wake();
        await this.#sender.idle();
      } while (this.#pendingSlow > 0);
    } finally {
      this.#accumulator.endFlush();
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    try {
      await this.flush();
    } finally {
      this.#idempotence?.requests.close();
      this.#sender.close();
      this.cluster.close();
    }
  }

  #transactional(): ProducerTransactions {
    if (this.#transactions === null) throw new IllegalStateError('Transactional method invoked on a non-transactional producer.');
    return this.#transactions;
  }

  /**
   * Registers the transactional id with its coordinator: fences older producers with the same id and
   * completes (aborts) a transaction they left open. Once, before the first transaction.
   */
  async initTransactions(): Promise<void> {
    const transactions = this.#transactional();
    await this.connect();
    await transactions.initTransactions();
  }

  /** Starts a transaction: the sends until commitTransaction or abortTransaction belong to it. */
  beginTransaction(): void {
    this.#transactional().beginTransaction();
  }

  /**
   * Commits the consumer's offsets (the positions after the records it processed) as part of the
   * transaction, so they count only if it commits. `groupMetadata`: the consumer's groupMetadata().
   */
  async sendOffsetsToTransaction(offsets: readonly TopicPartitionOffset[], groupMetadata: ConsumerGroupMetadata): Promise<void> {
    await this.#transactional().sendOffsetsToTransaction(offsets, groupMetadata);
  }

  /** Sends what is queued, then commits: read_committed consumers see the transaction's records from now on. */
  async commitTransaction(): Promise<void> {
    const transactions = this.#transactional();
    // Sends made before the call that still wait for metadata or buffer room belong to this
    // transaction: Java's send() returns only once appended, so they are in before the commit.
    await this.unblocked();
    await transactions.commitTransaction();
  }

  /** Aborts: the transaction's records are never shown to read_committed consumers; its offsets never count. */
  async abortTransaction(): Promise<void> {
    const transactions = this.#transactional();
    await this.unblocked();
    await transactions.abortTransaction();
  }

  /** The API versions the producer would use against `nodeId` (for tools and tests). */
  async produceVersion(nodeId: number): Promise<number> {
    return (await this.cluster.connection(nodeId, 'produce')).versionFor(Apis.Produce);
  }
}

