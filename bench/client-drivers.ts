/**
 * The three clients behind one small interface, with the same settings, so the bench loop in
 * bench/client-worker.ts is the same code for each of them.
 *
 * Settings that hold for all three: acks as asked (1 or -1), no compression, no idempotence, one
 * partition (0), keys null; fetches with min bytes 1, max wait 500 ms, max bytes 50 MB, 1 MiB per
 * partition, read_uncommitted. Samsa's producer adds linger.ms / batch.size (the other two send
 * what a send() call carries at once and have no such settings).
 */
// Each worker loads only its own client (dynamic imports), so its start-up and a CPU profile of it
// carry no other library's code.

/** The three clients, and 'wire': the reference that is no client (bench/wire-driver.ts). */
export type ClientName = 'samsa' | 'kafkajs' | 'platformatic' | 'wire';
export const CLIENT_NAMES: readonly ClientName[] = ['samsa', 'kafkajs', 'platformatic'];

export interface DriverSettings {
  readonly bootstrap: string;
  readonly topic: string;
  readonly acks: 1 | -1;
  /** Samsa only (linger.ms, batch.size): the others have no linger. */
  readonly lingerMs: number;
  readonly batchSizeBytes: number;
  /** Samsa only: retries (default: the producer's). With 0 a partition may have several batches in flight. */
  readonly retries?: number;
  /** 'wire' only: Produce requests outstanding at most (default: as many as the application makes). */
  readonly wireInFlight?: number;
}

export interface ProduceDriver {
  /** Fetches metadata and opens the produce connection, so timing starts with a warm client. */
  connect(): Promise<void>;
  /** One send call carrying all of `values`; resolves when the broker has acknowledged them all. */
  sendMany(values: readonly Buffer[]): Promise<void>;
  /** One send call carrying one record. */
  sendOne(value: Buffer): Promise<void>;
  close(): Promise<void>;
}

export interface ConsumeDriver {
  /**
   * Reads partition 0 of the topic from offset 0, calling `onDelivery(count)` for every batch or
   * record the client hands to the application, until `stop()` returns true.
   */
  consume(onDelivery: (count: number) => void, stop: () => boolean): Promise<void>;
  close(): Promise<void>;
}

const FETCH = { minBytes: 1, maxWaitMs: 500, maxBytes: 52_428_800, maxPartitionBytes: 1_048_576 } as const;
const CLIENT_ID = 'samsa-bench';

/** Polls `stop` while a push-style consumer runs; resolves once it says so. */
function until(stop: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    const timer = setInterval(() => {
      if (stop()) {
        clearInterval(timer);
        resolve();
      }
    }, 2);
  });
}

async function samsaProducer(s: DriverSettings): Promise<ProduceDriver> {
  const { Producer } = await import('../src/client/index.ts');
  const producer = new Producer({
    bootstrapServers: [s.bootstrap], clientId: CLIENT_ID, acks: s.acks, compression: 'none',
    lingerMs: s.lingerMs, batchSize: s.batchSizeBytes, ...(s.retries === undefined ? {} : { retries: s.retries }),
    // As the header says: the others are not idempotent here, so ours is not either (its default with acks=all is).
    enableIdempotence: false,
  });
  const topic = s.topic;
  return {
    connect: () => producer.connect(),
    async sendMany(values) {
      await producer.sendBatch(values.map((value) => ({ topic, value })));
    },
    async sendOne(value) {
      await producer.send({ topic, value });
    },
    close: () => producer.close(),
  };
}

async function kafkajsProducer(s: DriverSettings): Promise<ProduceDriver> {
  const { Kafka, logLevel, CompressionTypes } = (await import('kafkajs')).default;
  const kafka = new Kafka({ clientId: CLIENT_ID, brokers: [s.bootstrap], logLevel: logLevel.NOTHING });
  const producer = kafka.producer({ allowAutoTopicCreation: false, idempotent: false });
  const { topic, acks } = s;
  return {
    connect: () => producer.connect(),
    async sendMany(values) {
      await producer.send({ topic, acks, compression: CompressionTypes.None, messages: values.map((value) => ({ value, partition: 0 })) });
    },
    async sendOne(value) {
      await producer.send({ topic, acks, compression: CompressionTypes.None, messages: [{ value, partition: 0 }] });
    },
    close: () => producer.disconnect(),
  };
}

async function platformaticProducer(s: DriverSettings): Promise<ProduceDriver> {
  const { Producer: PlatformaticProducer } = await import('@platformatic/kafka');
  const producer = new PlatformaticProducer({
    clientId: CLIENT_ID, bootstrapBrokers: [s.bootstrap], acks: s.acks, compression: 'none', idempotent: false, autocreateTopics: false,
  });
  const { topic } = s;
  return {
    async connect() {
      await producer.metadata({ topics: [topic] });
    },
    async sendMany(values) {
      await producer.send({ messages: values.map((value) => ({ topic, value, partition: 0 })) });
    },
    async sendOne(value) {
      await producer.send({ messages: [{ topic, value, partition: 0 }] });
    },
    async close() {
      await producer.close();
    },
  };
}

async function samsaConsumer(s: DriverSettings): Promise<ConsumeDriver> {
  const { Consumer } = await import('../src/client/index.ts');
  // No group: assign() and start from the earliest offset, as consumer-perf-test does without --group.
  const consumer = new Consumer({
    bootstrapServers: [s.bootstrap], clientId: CLIENT_ID, autoOffsetReset: 'earliest',
    fetchMinBytes: FETCH.minBytes, fetchMaxWaitMs: FETCH.maxWaitMs, fetchMaxBytes: FETCH.maxBytes, maxPartitionFetchBytes: FETCH.maxPartitionBytes,
  });
  return {
    async consume(onDelivery, stop) {
      consumer.assign([{ topic: s.topic, partition: 0 }]);
      for await (const batch of consumer.batches()) {
        onDelivery(batch.records.length);
        if (stop()) break;
      }
    },
    close: () => consumer.close(),
  };
}

async function kafkajsConsumer(s: DriverSettings): Promise<ConsumeDriver> {
  const { Kafka, logLevel } = (await import('kafkajs')).default;
  // KafkaJS cannot consume without a group: a fresh group id per run, timed from the first record.
  const kafka = new Kafka({ clientId: CLIENT_ID, brokers: [s.bootstrap], logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({
    groupId: `bench-${process.pid}-${Date.now()}`, minBytes: FETCH.minBytes, maxWaitTimeInMs: FETCH.maxWaitMs,
    maxBytes: FETCH.maxBytes, maxBytesPerPartition: FETCH.maxPartitionBytes, readUncommitted: true,
  });
  return {
    async consume(onDelivery, stop) {
      await consumer.connect();
      await consumer.subscribe({ topics: [s.topic], fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        eachBatch: async ({ batch }) => { onDelivery(batch.messages.length); },
      });
      await until(stop);
    },
    close: () => consumer.disconnect(),
  };
}

async function platformaticConsumer(s: DriverSettings): Promise<ConsumeDriver> {
  const { Consumer: PlatformaticConsumer } = await import('@platformatic/kafka');
  // @platformatic/kafka's consume() always joins a group: a fresh group id, timed from the first record.
  const consumer = new PlatformaticConsumer({
    clientId: CLIENT_ID, bootstrapBrokers: [s.bootstrap], groupId: `bench-${process.pid}-${Date.now()}`,
    minBytes: FETCH.minBytes, maxWaitTime: FETCH.maxWaitMs, maxBytes: FETCH.maxBytes, maxBytesPerPartition: FETCH.maxPartitionBytes,
    isolationLevel: 0,
  });
  return {
    async consume(onDelivery, stop) {
      const stream = await consumer.consume({ topics: [s.topic], mode: 'earliest', autocommit: false });
      // Messages come one at a time from an object-mode stream: a delivery is one record.
      stream.on('data', () => { onDelivery(1); });
      await until(stop);
      await stream.close();
    },
    async close() {
      await consumer.close(true);
    },
  };
}

export async function produceDriver(client: ClientName, settings: DriverSettings): Promise<ProduceDriver> {
  if (client === 'wire') return (await import('./wire-driver.ts')).wireProducer(settings, settings.wireInFlight ?? Infinity);
  if (client === 'samsa') return samsaProducer(settings);
  if (client === 'kafkajs') return kafkajsProducer(settings);
  return platformaticProducer(settings);
}

export async function consumeDriver(client: ClientName, settings: DriverSettings): Promise<ConsumeDriver> {
  if (client === 'wire') return (await import('./wire-driver.ts')).wireConsumer(settings);
  if (client === 'samsa') return samsaConsumer(settings);
  if (client === 'kafkajs') return kafkajsConsumer(settings);
  return platformaticConsumer(settings);
}
