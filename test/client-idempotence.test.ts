import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { Admin, Consumer, Producer, ProducerConfigError } from '../src/client/index.ts';
import { BatchHeader, RECORD_BATCH_OVERHEAD } from '../src/protocol/records/batch-header.ts';
import { firstSegmentPath } from './helpers/log-segment.ts';
import { startTestBroker, type TestBroker } from './helpers/test-broker.ts';

let broker: TestBroker;
let admin: Admin;
before(async () => {
  broker = await startTestBroker({}, undefined, { silent: true });
  admin = new Admin({ bootstrapServers: [broker.bootstrap] });
});
after(async () => {
  await admin.close();
  await broker.close();
});

/** The producer fields of every batch the broker stored for a partition, read from its segment file. */
async function storedProducerFields(topic: string, partition: number): Promise<Array<{ producerId: number; producerEpoch: number; baseSequence: number; count: number; baseOffset: number }>> {
  const bytes = await readFile(firstSegmentPath(broker.dataDir, topic, partition));
  const out = [];
  for (let position = 0; position + RECORD_BATCH_OVERHEAD <= bytes.length;) {
    const header = new BatchHeader(bytes, position);
    if (header.batchLength <= 0) break;
    out.push({ producerId: header.producerId, producerEpoch: header.producerEpoch, baseSequence: header.baseSequence, count: header.recordsCount, baseOffset: header.baseOffset });
    position += header.sizeInBytes;
  }
  return out;
}

test('the producer is idempotent by default: every batch carries one producer id, epoch 0 and sequences that run on per partition', async () => {
  const topic = 'idempotent-default';
  await admin.createTopics([{ topic, numPartitions: 2 }]);
  const producer = new Producer({ bootstrapServers: [broker.bootstrap], batchSize: 200, lingerMs: 0 });
  // Several batches per partition, several in flight at once.
  await Promise.all(Array.from({ length: 60 }, (_, i) => producer.send({ topic, partition: i % 2, value: `record-${i}-${'x'.repeat(40)}` })));
  assert.equal(producer.idempotent, true);
  await producer.close();
  const ids = new Set<number>();
  for (const partition of [0, 1]) {
    const batches = await storedProducerFields(topic, partition);
    assert.ok(batches.length > 1, 'more than one batch per partition');
    let sequence = 0;
    for (const batch of batches) {
      ids.add(batch.producerId);
      assert.equal(batch.producerEpoch, 0);
      assert.equal(batch.baseSequence, sequence, `partition ${partition}: sequences follow on without a gap`);
      sequence += batch.count;
    }
    assert.equal(sequence, 30);
  }
  assert.equal(ids.size, 1, 'one InitProducerId for the producer');
  assert.ok([...ids][0]! >= 0);
});

test('acks=1 makes a plain producer (no producer id), as Java\'s default idempotence gives way; asked for explicitly, it is a config error', async () => {
  const topic = 'idempotent-acks-1';
  await admin.createTopics([{ topic, numPartitions: 1 }]);
  const producer = new Producer({ bootstrapServers: [broker.bootstrap], acks: 1 });
  await producer.send({ topic, value: 'plain' });
  assert.equal(producer.idempotent, false);
  await producer.close();
  assert.deepEqual((await storedProducerFields(topic, 0)).map((b) => [b.producerId, b.producerEpoch, b.baseSequence]), [[-1, -1, -1]]);
  assert.throws(() => new Producer({ bootstrapServers: [broker.bootstrap], acks: 1, enableIdempotence: true }),
    (e: unknown) => e instanceof ProducerConfigError && /Must set acks to all/.test(e.message));
});

test('records sent idempotently read back once each, in send order', async () => {
  const topic = 'idempotent-read-back';
  await admin.createTopics([{ topic, numPartitions: 1 }]);
  const producer = new Producer({ bootstrapServers: [broker.bootstrap], batchSize: 100, lingerMs: 0 });
  const metas = await Promise.all(Array.from({ length: 200 }, (_, i) => producer.send({ topic, value: String(i) })));
  await producer.close();
  assert.deepEqual(metas.map((m) => m.offset), Array.from({ length: 200 }, (_, i) => i));
  const consumer = new Consumer({ bootstrapServers: [broker.bootstrap], autoOffsetReset: 'earliest', fetchMaxWaitMs: 100 });
  consumer.assign([{ topic, partition: 0 }]);
  const values: string[] = [];
  for (const deadline = Date.now() + 10_000; values.length < 200 && Date.now() < deadline;) values.push(...(await consumer.poll(200)).map((r) => r.value!.toString()));
  await consumer.close();
  assert.deepEqual(values, Array.from({ length: 200 }, (_, i) => String(i)));
});
