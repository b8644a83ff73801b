/**
 * Torn writes, end to end through a broker process: produce, stop the broker (kill -9, or a clean
 * stop whose recovery files are then removed), damage the log dir as a crash or a bad disk would,
 * restart, and check that the log comes back as Kafka's recovery leaves it:
 *  - every served batch has a valid CRC-32C (a torn batch is never served);
 *  - the log is cut at the first batch whose length or CRC does not hold, so exactly the records
 *    before the damage remain, in order, and nothing after it (Kafka truncates there);
 *  - missing or corrupt index files are rebuilt: fetches at any offset find the right batch;
 *  - new appends continue at the offset after the last record kept.
 * With the recovery-point checkpoint and the clean shutdown marker gone, Kafka recovers every
 * segment, so damage in an old segment is found too; after a kill -9 with the checkpoints in place
 * only the segments after the recovery point are scanned, so that run damages the last segment only.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode } from '../../src/protocol/errors.ts';
import { KafkaApiClient } from '../helpers/kafka-api-client.ts';
import { batchOf, createTopic, produce } from '../helpers/kafka-apis.ts';
import {
  deleteIndexFiles, flipBytesInBatch, garbleIndexFiles, RECOVERY_FILES, removeRecoveryFiles, segmentsOf, truncateMidBatch,
} from '../helpers/log-dir-damage.ts';
import { fetchFirstBatchAt, readPartition } from '../helpers/partition-reader.ts';
import { seededRandom, testSeed, type SeededRandom } from '../helpers/seeded-random.ts';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.ts';
import { startBrokerProcess, type BrokerProcess } from '../helpers/test-broker.ts';

const BATCHES_PER_PARTITION = 14;
const RECORDS_PER_BATCH = 3;
/** About 4 batches of ~1 KB per segment, so every partition has several segments. */
const TOPIC_CONFIGS = { 'segment.bytes': '4096', 'index.interval.bytes': '128' };

function value(partition: number, seq: number): string {
  return `p${partition}-seq-${seq}-` + 'x'.repeat(300);
}

/** What a damage leaves: the offset the log must end at after recovery (undefined: unchanged). */
type Damage = (logDir: string, topic: string, partition: number, random: SeededRandom) => Promise<{ what: string; logEndOffset?: number }>;

const truncateLastSegment: Damage = async (logDir, topic, partition) => {
  const last = (await segmentsOf(logDir, topic, partition)).at(-1)!;
  const batch = last.batches.at(-1)!;
  truncateMidBatch(last.logPath, batch);
  return { what: `last segment ${last.baseOffset} cut inside batch ${batch.baseOffset}`, logEndOffset: batch.baseOffset };
};

function flipBytesIn(which: 'first' | 'last'): Damage {
  return async (logDir, topic, partition, random) => {
    const segments = await segmentsOf(logDir, topic, partition);
    assert.ok(segments.length >= 3, `${topic}-${partition} should have several segments, has ${segments.length}`);
    const segment = which === 'first' ? segments[0]! : segments.at(-1)!;
    const batch = segment.batches[Math.floor(segment.batches.length / 2)]!;
    flipBytesInBatch(segment.logPath, batch, random);
    return { what: `bytes flipped in batch ${batch.baseOffset} of ${which} segment ${segment.baseOffset}`, logEndOffset: batch.baseOffset };
  };
}

const deleteIndexes: Damage = async (logDir, topic, partition) => {
  const files = deleteIndexFiles(logDir, topic, partition);
  assert.ok(files.length > 0, 'no index files to delete');
  return { what: `deleted ${files.length} index files` };
};

function garbleIndexes(wholeEntries: boolean): Damage {
  return async (logDir, topic, partition, random) => {
    const files = garbleIndexFiles(logDir, topic, partition, random, { wholeEntries });
    assert.ok(files.length > 0, 'no index files to garble');
    return { what: `garbage in ${files.length} index files (${wholeEntries ? 'whole entries' : 'partial entry'})` };
  };
}

async function runScenario(name: string, stop: 'kill -9' | 'clean stop, recovery files removed', damages: Damage[]): Promise<void> {
  const seed = testSeed();
  const random = seededRandom(seed);
  const logDir = await makeTempDir('samsa-torn-');
  const brokers: BrokerProcess[] = [];
  const clients: KafkaApiClient[] = [];
  const connect = async (broker: BrokerProcess): Promise<KafkaApiClient> => {
    const client = await KafkaApiClient.open(broker.host, broker.port);
    clients.push(client);
    return client;
  };
  const topic = name;
  try {
    const first = await startBrokerProcess(logDir, { 'auto.create.topics.enable': 'false' });
    brokers.push(first);
    let client = await connect(first);
    const created = await createTopic(client, topic, { numPartitions: damages.length, configs: TOPIC_CONFIGS });
    assert.equal(created.errorCode, ErrorCode.NONE, created.errorMessage ?? '');
    for (let partition = 0; partition < damages.length; partition++) {
      for (let b = 0; b < BATCHES_PER_PARTITION; b++) {
        const values = Array.from({ length: RECORDS_PER_BATCH }, (_, i) => value(partition, b * RECORDS_PER_BATCH + i));
        const answer = await produce(client, topic, partition, batchOf(values));
        assert.equal(answer.errorCode, ErrorCode.NONE, `produce to ${topic}-${partition}`);
        assert.equal(Number(answer.baseOffset), b * RECORDS_PER_BATCH);
      }
    }
    if (stop === 'kill -9') await first.kill9();
    else await first.stop();

    const effects: Array<{ what: string; logEndOffset: number }> = [];
    for (let partition = 0; partition < damages.length; partition++) {
      const effect = await damages[partition]!(logDir, topic, partition, random);
      effects.push({ what: effect.what, logEndOffset: effect.logEndOffset ?? BATCHES_PER_PARTITION * RECORDS_PER_BATCH });
    }
    const removed = stop === 'kill -9' ? [] : removeRecoveryFiles(logDir);
    // Kafka's clean shutdown writes both checkpoints and then the marker; removing them is the point.
    if (stop !== 'kill -9') assert.deepEqual([...removed].sort(), [...RECOVERY_FILES].sort(), 'files a clean shutdown leaves in the log dir');

    const second = await startBrokerProcess(logDir, { 'auto.create.topics.enable': 'false' });
    brokers.push(second);
    client = await connect(second);
    for (let partition = 0; partition < damages.length; partition++) {
      const { what, logEndOffset } = effects[partition]!;
      const context = `${topic}-${partition} (${what}; ${stop}; removed [${removed.join(', ')}]; seed ${seed})`;
      let contents;
      try {
        contents = await readPartition(client, topic, partition);
      } catch (error) {
        throw new Error(`${context}: ${(error as Error).message}\n--- broker output ---\n${second.output()}`, { cause: error });
      }
      assert.equal(contents.logStartOffset, 0, `${context}: log start offset`);
      assert.equal(contents.highWatermark, logEndOffset, `${context}: the log must end where the damage starts`);
      assert.deepEqual(contents.records.map((r) => r.value), Array.from({ length: logEndOffset }, (_, seq) => value(partition, seq)), `${context}: records before the damage`);

      // A rebuilt index must send a fetch at any offset to the batch holding it.
      for (let offset = 0; offset < logEndOffset; offset += 2) {
        const batch = await fetchFirstBatchAt(client, topic, partition, offset);
        assert.ok(batch !== undefined && batch.baseOffset <= offset && offset <= batch.lastOffset,
          `${context}: fetch at ${offset} served batch ${batch?.baseOffset}..${batch?.lastOffset}`);
      }

      const appended = await produce(client, topic, partition, batchOf([value(partition, logEndOffset), value(partition, logEndOffset + 1)]));
      assert.equal(appended.errorCode, ErrorCode.NONE, `${context}: append after recovery`);
      assert.equal(Number(appended.baseOffset), logEndOffset, `${context}: appends continue after the last record kept`);
      const after = await readPartition(client, topic, partition);
      assert.deepEqual(after.records.map((r) => r.value), Array.from({ length: logEndOffset + 2 }, (_, seq) => value(partition, seq)), `${context}: records after the new append`);
    }
  } finally {
    for (const client of clients) client.close();
    for (const broker of brokers) await broker.kill9();
    await removeTempDir(logDir);
  }
}

test('kill -9, then a torn tail, flipped bytes in the last segment, deleted and garbage indexes: recovery keeps exactly the records before the damage', { timeout: 60_000 }, async () => {
  await runScenario('torn-kill9', 'kill -9', [truncateLastSegment, flipBytesIn('last'), deleteIndexes, garbleIndexes(false)]);
});

test('clean stop, then damage and removed checkpoints and clean shutdown marker: every segment is recovered, old ones too', { timeout: 60_000 }, async () => {
  await runScenario('torn-clean', 'clean stop, recovery files removed', [truncateLastSegment, flipBytesIn('first'), deleteIndexes, garbleIndexes(true)]);
});
