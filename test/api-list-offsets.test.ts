/**
 * ListOffsets as consumers use it to reset and to seek by time: earliest, latest, the first offset
 * at or after a timestamp (CreateTime timestamps chosen by the producer), nothing after the last
 * timestamp, and the offset of the largest timestamp (v7+), over versions 1, 4, 7 and 10.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode } from '../src/protocol/errors.ts';
import { buildRecordBatch } from '../src/protocol/records/record-batch-builder.ts';
import { KafkaApiClient } from './helpers/kafka-api-client.ts';
import { createTopic, listOffset, metadata, produce } from './helpers/kafka-apis.ts';
import { removeTempDir } from './helpers/temp-dir.ts';
import { startTestBroker, type TestBroker } from './helpers/test-broker.ts';

const VERSIONS = [1, 4, 7, 10];
const EARLIEST = -2n;
const LATEST = -1n;
const MAX_TIMESTAMP = -3n;

let broker: TestBroker;
let client: KafkaApiClient;
/** Recent enough that no timestamp bound refuses it, fixed so the test chooses every timestamp. */
const base = Date.now() - 60_000;

/** offset -> CreateTime: batch 1 holds 0-1, batch 2 holds 2, batch 3 holds 3-4 out of timestamp order. */
const TIMESTAMPS = [base, base + 500, base + 1000, base + 3000, base + 2500];

before(async () => {
  broker = await startTestBroker({ 'auto.create.topics.enable': 'false' });
  client = await KafkaApiClient.open(broker.host, broker.port);
  assert.equal((await createTopic(client, 'offsets-by-time')).errorCode, ErrorCode.NONE);
  assert.equal((await createTopic(client, 'offsets-empty')).errorCode, ErrorCode.NONE);
  for (const offsets of [[0, 1], [2], [3, 4]]) {
    const batch = buildRecordBatch(offsets.map((offset) => ({
      key: null, value: Buffer.from(`record-${offset}`), timestamp: TIMESTAMPS[offset]!,
    })), { timestampType: 'CreateTime' });
    const produced = await produce(client, 'offsets-by-time', 0, batch);
    assert.equal(produced.errorCode, ErrorCode.NONE);
    assert.equal(produced.baseOffset, BigInt(offsets[0]!));
  }
});

after(async () => {
  client?.close();
  await broker?.close();
  if (broker) await removeTempDir(broker.dataDir);
});

async function leaderEpoch(topic: string): Promise<number> {
  const response = await metadata(client, [topic], { allowAutoTopicCreation: false });
  const epoch = response.topics[0]?.partitions[0]?.leaderEpoch;
  assert.ok(epoch !== undefined && epoch >= 0);
  return epoch;
}

for (const version of VERSIONS) {
  test(`ListOffsets v${version}: earliest and latest`, { timeout: 20_000 }, async () => {
    const earliest = await listOffset(client, 'offsets-by-time', EARLIEST, { version });
    assert.equal(earliest.errorCode, ErrorCode.NONE);
    assert.equal(earliest.offset, 0n);
    assert.equal(earliest.timestamp, -1n);
    const latest = await listOffset(client, 'offsets-by-time', LATEST, { version });
    assert.equal(latest.errorCode, ErrorCode.NONE);
    assert.equal(latest.offset, 5n);
    assert.equal(latest.timestamp, -1n);
    const emptyEarliest = await listOffset(client, 'offsets-empty', EARLIEST, { version });
    const emptyLatest = await listOffset(client, 'offsets-empty', LATEST, { version });
    assert.deepEqual([emptyEarliest.errorCode, emptyEarliest.offset, emptyLatest.errorCode, emptyLatest.offset], [0, 0n, 0, 0n]);
  });

  test(`ListOffsets v${version}: by timestamp, the first offset whose timestamp is at or after it`, { timeout: 20_000 }, async () => {
    const epoch = await leaderEpoch('offsets-by-time');
    const cases: Array<[query: number, offset: bigint, timestamp: number]> = [
      [base - 10_000, 0n, TIMESTAMPS[0]!], // before everything: the first record
      [base, 0n, TIMESTAMPS[0]!], // exactly a record's timestamp
      [base + 200, 1n, TIMESTAMPS[1]!], // between two records of one batch
      [base + 800, 2n, TIMESTAMPS[2]!], // between batches
      [base + 2000, 3n, TIMESTAMPS[3]!], // offset 3 comes first with a timestamp >= the target
      [base + 2600, 3n, TIMESTAMPS[3]!],
      [base + 3000, 3n, TIMESTAMPS[3]!],
    ];
    for (const [query, offset, timestamp] of cases) {
      const found = await listOffset(client, 'offsets-by-time', BigInt(query), { version });
      assert.equal(found.errorCode, ErrorCode.NONE, `timestamp base+${query - base}`);
      assert.equal(found.offset, offset, `timestamp base+${query - base}`);
      assert.equal(found.timestamp, BigInt(timestamp), `timestamp base+${query - base}`);
      if (version >= 4) assert.equal(found.leaderEpoch, epoch);
    }
    const none = await listOffset(client, 'offsets-by-time', BigInt(base + 3001), { version });
    assert.equal(none.errorCode, ErrorCode.NONE);
    assert.equal(none.offset, -1n, 'a timestamp after every record finds no offset');
    assert.equal(none.timestamp, -1n);
    if (version >= 4) assert.equal(none.leaderEpoch, -1);
    const emptyNone = await listOffset(client, 'offsets-empty', BigInt(base), { version });
    assert.deepEqual([emptyNone.errorCode, emptyNone.offset], [ErrorCode.NONE, -1n]);
  });

  test(`ListOffsets v${version}: an unknown topic or partition is UNKNOWN_TOPIC_OR_PARTITION`, { timeout: 20_000 }, async () => {
    assert.equal((await listOffset(client, 'offsets-no-such-topic', LATEST, { version })).errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    assert.equal((await listOffset(client, 'offsets-by-time', LATEST, { version, partition: 3 })).errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  });
}

for (const version of [7, 10]) {
  test(`ListOffsets v${version}: max timestamp (-3) finds the record with the largest timestamp`, { timeout: 20_000 }, async () => {
    const found = await listOffset(client, 'offsets-by-time', MAX_TIMESTAMP, { version });
    assert.equal(found.errorCode, ErrorCode.NONE);
    assert.equal(found.timestamp, BigInt(TIMESTAMPS[3]!));
    assert.equal(found.offset, 3n, 'the offset of the record itself, not of its batch end (KAFKA-16310)');
    const empty = await listOffset(client, 'offsets-empty', MAX_TIMESTAMP, { version });
    assert.equal(empty.errorCode, ErrorCode.NONE);
    assert.equal(empty.offset, -1n);
    assert.equal(empty.timestamp, -1n);
  });
}
