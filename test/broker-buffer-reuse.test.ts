/**
 * The broker reuses the memory of large Produce requests and Fetch answers (src/storage/
 * read-buffer-pool.ts). Reuse of memory still in use would corrupt records silently, so this moves
 * many large, concurrent requests both ways and checks every byte that comes back.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { Admin, Consumer, Producer, type ConsumerRecord } from '../src/client/index.ts';
import { startTestBroker, type TestBroker } from './helpers/test-broker.ts';

let broker: TestBroker;
before(async () => { broker = await startTestBroker({}, undefined, { silent: true }); });
after(async () => { await broker.close(); });

const digest = (value: Buffer | null): string => createHash('sha256').update(value ?? Buffer.alloc(0)).digest('hex');

async function readAll(topic: string, partitions: number, expected: number, onRecords?: (records: ConsumerRecord[]) => void): Promise<Map<string, string>> {
  const consumer = new Consumer({ bootstrapServers: [broker.bootstrap], autoOffsetReset: 'earliest', fetchMaxWaitMs: 50, maxPartitionFetchBytes: 300_000 });
  consumer.assign(Array.from({ length: partitions }, (_, partition) => ({ topic, partition })));
  const seen = new Map<string, string>();
  const deadline = Date.now() + 30_000;
  while (seen.size < expected && Date.now() < deadline) {
    const records = await consumer.poll(500);
    onRecords?.(records);
    for (const r of records) seen.set(r.key!.toString(), digest(r.value));
  }
  await consumer.close();
  return seen;
}

test('large produce requests and fetch answers, concurrent and in flight together, come back byte for byte', { timeout: 120_000 }, async () => {
  const topic = 'buffer-reuse';
  const partitions = 4;
  const admin = new Admin({ bootstrapServers: [broker.bootstrap] });
  await admin.createTopics([{ topic, numPartitions: partitions }]);
  await admin.close();
  const sent = new Map<string, string>();
  const records = Array.from({ length: 600 }, (_, i) => {
    const value = randomBytes(8_000 + (i % 7) * 1_000);
    sent.set(`k${i}`, digest(value));
    return { topic, partition: i % partitions, key: `k${i}`, value };
  });
  // A consumer fetching while the producer writes: Fetch answers and Produce frames share the pool.
  const tailing = readAll(topic, partitions, records.length);
  const producer = new Producer({ bootstrapServers: [broker.bootstrap], batchSize: 200_000, lingerMs: 2, acks: -1 });
  await producer.sendBatch(records);
  await producer.close();
  const whileWriting = await tailing;
  assert.equal(whileWriting.size, records.length);
  for (const [key, hash] of sent) assert.equal(whileWriting.get(key), hash, `${key} read while writing`);
  // Read twice more, each a fresh consumer: the answers' memory has been reused in between.
  for (let round = 0; round < 2; round++) {
    const again = await readAll(topic, partitions, records.length);
    assert.equal(again.size, records.length);
    for (const [key, hash] of sent) assert.equal(again.get(key), hash, `${key} in read ${round + 2}`);
  }
});
