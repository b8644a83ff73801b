/**
 * A hanging transaction, as Kafka's tooling means it: a partition holds an open transaction that
 * its transactional id's coordinator does not know of (here: written with KIP-890 verification
 * off, as by a pre-3.6 broker, and never added to the transaction), so nothing will ever end it and
 * read_committed consumers are stuck at its first offset. `samsa transactions find-hanging` finds it,
 * `abort --start-offset` ends it, and read_committed readers move past it.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { main } from '../src/cli/main.ts';
import { Admin } from '../src/client/index.ts';
import { ErrorCode } from '../src/protocol/errors.ts';
import { captureIo } from './helpers/capture-io.ts';
import { KafkaApiClient } from './helpers/kafka-api-client.ts';
import { Api, batchOf } from './helpers/kafka-apis.ts';
import { startTestBroker, type TestBroker } from './helpers/test-broker.ts';

const TOPIC = 'hanging-txn-topic';
const PRODUCER_ID = 4_242;
let broker: TestBroker;
let admin: Admin;
let client: KafkaApiClient;

before(async () => {
  broker = await startTestBroker({ 'transaction.partition.verification.enable': 'false' }, undefined, { silent: true });
  admin = new Admin({ bootstrapServers: [broker.bootstrap] });
  client = await KafkaApiClient.open(broker.host, broker.port);
  await admin.createTopics([{ topic: TOPIC, numPartitions: 1 }]);
});

after(async () => {
  client.connection.close();
  await admin.close();
  await broker.close();
});

async function transactions(...args: string[]): Promise<{ code: number; rows: string[][]; err: string }> {
  const io = captureIo();
  const code = await main(['transactions', '--bootstrap-server', broker.bootstrap, ...args], io);
  const rows = io.out.join('').split('\n').filter((line) => line !== '').map((line) => line.split('\t').slice(0, -1).map((cell) => cell.trimEnd()));
  return { code, rows, err: io.err.join('') };
}

async function readCommittedEnd(): Promise<number> {
  const [answer] = await admin.listOffsets([{ topic: TOPIC, partition: 0, spec: 'latest' }], 'read_committed');
  return answer!.offset;
}

test('find-hanging lists a transaction its coordinator does not know; abort --start-offset ends it', { timeout: 60_000 }, async () => {
  const records = batchOf(['stuck-0', 'stuck-1'], Date.now(), { producerId: PRODUCER_ID, producerEpoch: 3, baseSequence: 0, isTransactional: true });
  const produced = (await client.call(Api.produce, 9, {
    transactionalId: 'never-registered', acks: -1, timeoutMs: 10_000, topicData: [{ name: TOPIC, partitionData: [{ index: 0, records }] }],
  })).responses[0]!.partitionResponses[0]!;
  assert.equal(produced.errorCode, ErrorCode.NONE);
  assert.equal(await readCommittedEnd(), 0, 'read_committed readers are held at the open transaction');

  const hanging = await transactions('find-hanging', '--topic', TOPIC, '--max-transaction-timeout', '0');
  assert.equal(hanging.code, 0, hanging.err);
  assert.deepEqual(hanging.rows.map((row) => row.slice(0, 6)), [
    ['Topic', 'Partition', 'ProducerId', 'ProducerEpoch', 'CoordinatorEpoch', 'StartOffset'],
    [TOPIC, '0', String(PRODUCER_ID), '3', '-1', '0'],
  ]);

  const aborted = await transactions('abort', '--topic', TOPIC, '--partition', '0', '--start-offset', '0');
  assert.equal(aborted.code, 0, aborted.err);
  assert.equal(await readCommittedEnd(), 3, 'past the two records and the ABORT marker');
  assert.deepEqual((await transactions('find-hanging', '--topic', TOPIC, '--max-transaction-timeout', '0')).rows.length, 1, 'nothing hangs any more');
});
