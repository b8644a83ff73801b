/**
 * The bench's reference row, which is not a client: prebuilt Kafka requests written over one bare
 * connection (Samsa's `Connection`: framing, correlation, nothing more), answers decoded only as
 * far as the next request needs. No records are encoded or decoded, no batching, no bookkeeping.
 * What it reaches is what this broker and this machine's loopback allow a Node process at all: a
 * client can come close to it, not beat it. The goal rows that ask for more than this are out of
 * reach for any client on this machine.
 */
import { Apis } from '../src/client/apis.ts';
import { Connection } from '../src/client/connection.ts';
import { BatchHeader, RECORD_BATCH_OVERHEAD } from '../src/protocol/records/batch-header.ts';
import { buildRecordBatch } from '../src/protocol/records/record-batch-builder.ts';
import type { ConsumeDriver, DriverSettings, ProduceDriver } from './client-drivers.ts';

const FETCH = { minBytes: 1, maxWaitMs: 500, maxBytes: 52_428_800, maxPartitionBytes: 1_048_576 } as const;

function open(s: DriverSettings): Promise<Connection> {
  const [host, port] = s.bootstrap.split(':') as [string, string];
  return Connection.open({ host, port: Number(port), clientId: 'samsa-bench-wire', requestTimeoutMs: 30_000, connectTimeoutMs: 10_000 });
}

/**
 * `inFlight`: Produce requests outstanding at most. 1 is what Samsa's producer does while retries
 * are on (one batch per partition in flight, so a retry cannot overtake); the others pipeline.
 */
export async function wireProducer(s: DriverSettings, inFlight: number): Promise<ProduceDriver> {
  let connection: Connection | null = null;
  // One prebuilt batch per record count: the broker gets the same bytes a client would send.
  const batches = new Map<number, Buffer>();
  const batchOf = (values: readonly Buffer[]): Buffer => {
    let batch = batches.get(values.length);
    if (batch === undefined) batches.set(values.length, batch = buildRecordBatch(values.map((value) => ({ key: null, value, headers: [], timestamp: Date.now() }))));
    return batch;
  };
  let outstanding = 0;
  const waiting: Array<() => void> = [];
  const produce = async (records: Buffer): Promise<void> => {
    if (outstanding >= inFlight) await new Promise<void>((resolve) => waiting.push(resolve));
    outstanding++;
    try {
      const response = await connection!.send(Apis.Produce, {
        transactionalId: null, acks: s.acks, timeoutMs: 30_000,
        topicData: [{ name: s.topic, partitionData: [{ index: 0, records }] }],
      });
      const code = response.responses[0]?.partitionResponses[0]?.errorCode;
      if (code !== 0) throw new Error(`wire produce to ${s.topic}-0: error code ${code}`);
    } finally {
      outstanding--;
      waiting.shift()?.();
    }
  };
  return {
    async connect() {
      connection = await open(s);
    },
    sendMany: (values) => produce(batchOf(values)),
    sendOne: (value) => produce(batchOf([value])),
    async close() {
      connection?.close();
    },
  };
}

/** Fetches partition 0 one request at a time (as Java's consumer does), counting records from batch headers. */
export async function wireConsumer(s: DriverSettings): Promise<ConsumeDriver> {
  const connection = await open(s);
  return {
    async consume(onDelivery, stop) {
      let offset = 0;
      while (!stop()) {
        const response = await connection.send(Apis.Fetch, {
          replicaId: -1, maxWaitMs: FETCH.maxWaitMs, minBytes: FETCH.minBytes, maxBytes: FETCH.maxBytes, isolationLevel: 0,
          sessionId: 0, sessionEpoch: -1, forgottenTopicsData: [], rackId: '',
          topics: [{ topic: s.topic, partitions: [{ partition: 0, fetchOffset: BigInt(offset), partitionMaxBytes: FETCH.maxPartitionBytes,
            currentLeaderEpoch: -1, logStartOffset: -1n, lastFetchedEpoch: -1 }] }],
        }, { extraTimeoutMs: FETCH.maxWaitMs });
        const records = response.responses[0]?.partitions[0]?.records ?? null;
        if (records === null) continue;
        let count = 0;
        for (let position = 0; records.length - position >= RECORD_BATCH_OVERHEAD;) {
          const header = new BatchHeader(records, position);
          if (header.sizeInBytes > records.length - position) break;
          if (header.lastOffset >= offset) count += header.recordsCount;
          offset = Math.max(offset, header.lastOffset + 1);
          position += header.sizeInBytes;
        }
        if (count > 0) onDelivery(count);
      }
    },
    async close() {
      connection.close();
    },
  };
}
