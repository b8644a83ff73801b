import { Admin, Consumer, KafkaClientError, Producer, type ClusterOptions } from '../client/index.ts';
import { ErrorCode } from '../protocol/errors.ts';
import { operationTimeout, storeError } from './registry-errors.ts';
import { decodeRecord, encodeKey, encodeValue, SCHEMAS_TOPIC, type RegistryRecord } from './schemas-records.ts';

export interface KafkaStoreOptions {
  readonly client: ClusterOptions;
  /** kafkastore.topic (default _schemas). */
  readonly topic?: string;
  /** kafkastore.topic.replication.factor (default 3; fewer when the cluster has fewer brokers). */
  readonly replicationFactor?: number;
  /** kafkastore.timeout.ms (default 500 in Confluent; longer here, for a broker's slow first election). */
  readonly timeoutMs?: number;
  readonly log: (message: string) => void;
}

/**
 * The `_schemas` topic as the registry's store, as Confluent's KafkaStore: created if missing
 * (compacted, one partition, so one order of records for every instance), read from the beginning
 * by a consumer of its own (assigned the partition, no group), each record handed to `apply` in
 * offset order. A write is produced with acks=all and answered only once this store's consumer has
 * read it back, so the state a write's answer reflects came from the log, as every other
 * instance's does.
 */
export class KafkaStore {
  readonly topic: string;
  readonly #options: KafkaStoreOptions;
  readonly #apply: (record: RegistryRecord) => void;
  readonly #admin: Admin;
  readonly #producer: Producer;
  readonly #consumer: Consumer;
  /** The next offset the consumer will hand over: every record below it has been applied. */
  #position = 0;
  #waiters: Array<{ offset: number; resolve: () => void }> = [];
  #closed = false;
  #reading: Promise<void> | null = null;
  #kafkaClusterId: string | null = null;

  constructor(options: KafkaStoreOptions, apply: (record: RegistryRecord) => void) {
    this.#options = options;
    this.#apply = apply;
    this.topic = options.topic ?? SCHEMAS_TOPIC;
    const clientId = options.client.clientId ?? 'samsa-schema-registry';
    this.#admin = new Admin({ ...options.client, clientId });
    this.#producer = new Producer({
      ...options.client, clientId: `${clientId}-producer`, acks: 'all', lingerMs: 0, allowAutoTopicCreation: false,
      // A write is given up after the store's timeout: its batch must not outlive it (nor hold up close()).
      maxBlockMs: this.#timeoutMs, deliveryTimeoutMs: this.#timeoutMs,
    });
    this.#consumer = new Consumer({ ...options.client, clientId: `${clientId}-reader`, autoOffsetReset: 'earliest', fetchMaxWaitMs: 100 });
  }

  get #timeoutMs(): number {
    return this.#options.timeoutMs ?? 10_000;
  }

  /** The id of the Kafka cluster the store is on, as DescribeCluster gave it at start (as Confluent's registry asks its admin client). */
  get kafkaClusterId(): string {
    if (this.#kafkaClusterId === null) throw new Error('the Kafka store is not started');
    return this.#kafkaClusterId;
  }

  /** Creates the topic if missing, then reads it to its end: the state is loaded when this resolves. */
  async start(): Promise<void> {
    const cluster = await this.#admin.describeCluster();
    this.#kafkaClusterId = cluster.clusterId;
    await this.#createTopicIfMissing(cluster.brokers.length);
    const tp = { topic: this.topic, partition: 0 };
    this.#consumer.assign([tp]);
    await this.#consumer.seekToBeginning([tp]);
    const [end] = await this.#admin.listOffsets([{ ...tp, spec: 'latest' }]);
    const loaded = this.waitUntilRead(end!.offset - 1);
    this.#reading = this.#readLoop();
    await loaded;
    this.#options.log(`read ${this.topic} to offset ${end!.offset}`);
  }

  /** `brokers`: how many the cluster has, bounding the replication factor of a topic created here. */
  async #createTopicIfMissing(brokers: number): Promise<void> {
    const exists = (await this.#admin.listTopics({ includeInternal: true })).includes(this.topic);
    if (exists) {
      const [found] = await this.#admin.describeTopics([this.topic]);
      if (found!.partitions.length !== 1) {
        throw storeError(`The schema topic ${this.topic} should have only 1 partition but has ${found!.partitions.length}.`);
      }
      // Deleted or expired records would lose schemas, as Confluent says refusing to start.
      const [described] = await this.#admin.describeConfigs([{ type: 'topic', name: this.topic }]);
      const policy = described?.configs.find((c) => c.name === 'cleanup.policy')?.value ?? 'delete';
      if (!policy.split(',').map((p) => p.trim()).includes('compact')) {
        throw storeError(`The retention policy of the schema topic ${this.topic} is incorrect. You must configure the topic to 'compact' cleanup policy to avoid Kafka deleting your schemas after a week.`);
      }
      return;
    }
    const desired = this.#options.replicationFactor ?? 3;
    const replicationFactor = Math.max(1, Math.min(desired, brokers));
    if (replicationFactor < desired) {
      this.#options.log(`creating ${this.topic} with replication factor ${replicationFactor}: the cluster has ${brokers} broker(s), fewer than ${desired}`);
    }
    try {
      await this.#admin.createTopics([{ topic: this.topic, numPartitions: 1, replicationFactor, configs: { 'cleanup.policy': 'compact' } }]);
    } catch (error) {
      // Another instance created it first.
      if (!(error instanceof KafkaClientError && error.code === ErrorCode.TOPIC_ALREADY_EXISTS)) throw error;
    }
  }

  async #readLoop(): Promise<void> {
    const tp = { topic: this.topic, partition: 0 };
    while (!this.#closed) {
      try {
        const records = await this.#consumer.poll(500);
        for (const record of records) {
          const decoded = decodeRecord(record.key, record.value);
          if (decoded === null) this.#options.log(`skipping an unreadable record at offset ${record.offset} of ${this.topic}`);
          else this.#apply(decoded);
          this.#advance(record.offset + 1);
        }
        const position = this.#consumer.position(tp);
        // A compacted log has gaps: the position moves past records that are gone.
        if (position !== null) this.#advance(position);
      } catch (error) {
        if (this.#closed) return;
        this.#options.log(`reading ${this.topic} failed, retrying: ${(error as Error).message}`);
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
  }

  #advance(position: number): void {
    if (position <= this.#position) return;
    this.#position = position;
    const ready = this.#waiters.filter((w) => w.offset < position);
    if (ready.length === 0) return;
    this.#waiters = this.#waiters.filter((w) => w.offset >= position);
    for (const w of ready) w.resolve();
  }

  /** Resolves once the record at `offset` has been applied (at once for -1, an empty log). */
  waitUntilRead(offset: number): Promise<void> {
    if (offset < this.#position) return Promise.resolve();
    const { promise, resolve } = Promise.withResolvers<void>();
    this.#waiters.push({ offset, resolve });
    return promise;
  }

  /**
   * Resolves once every record in the log now (to its high watermark, which holds every write a
   * leader answered, acks=all) has been applied; 50002 after the store's timeout.
   */
  async waitUntilCaughtUp(): Promise<void> {
    const [end] = await this.#admin.listOffsets([{ topic: this.topic, partition: 0, spec: 'latest' }]);
    await this.#withinTimeout(this.waitUntilRead(end!.offset - 1), `Reading ${this.topic} to offset ${end!.offset}`);
  }

  async #withinTimeout(work: Promise<void>, what: string): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(operationTimeout(`${what} timed out after ${this.#timeoutMs} ms`)), this.#timeoutMs);
    });
    try {
      await Promise.race([work, timedOut]);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Writes the records in order and waits until they have been read back, all within the store's
   * timeout: 50001 when Kafka refuses the write, 50002 when the time runs out (the write may still
   * land and be read later, as in Confluent).
   */
  async write(records: readonly RegistryRecord[]): Promise<void> {
    if (records.length === 0) return;
    const sent = this.#producer.sendBatch(records.map((r) => ({
      topic: this.topic, partition: 0, key: encodeKey(r.key), value: encodeValue(r),
    }))).then(
      (metadata) => this.waitUntilRead(Math.max(...metadata.map((m) => m.offset))),
      (error: unknown) => { throw storeError(`Error while writing to ${this.topic}: ${(error as Error).message}`); },
    );
    // A send that fails after the timeout answered is already reported; it must not be an unhandled rejection.
    sent.catch(() => {});
    await this.#withinTimeout(sent, 'Write to the Kafka store');
  }

  async close(): Promise<void> {
    this.#closed = true;
    await Promise.allSettled([this.#producer.close(), this.#consumer.close(), this.#admin.close()]);
    await this.#reading;
  }
}
