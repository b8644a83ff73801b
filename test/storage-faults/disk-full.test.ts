/**
 * Disk full: a broker process whose log.dirs is a 2 MiB file system (tmpfs, or a loop-mounted
 * ext4 image when tmpfs cannot be mounted). Producing until the disk is full must:
 *  - answer KAFKA_STORAGE_ERROR (56), or NOT_LEADER_OR_FOLLOWER (6) once Kafka has taken the log
 *    dir offline, and never acknowledge a record it could not store: every produce after the first
 *    failure fails too, as the partition's log dir is offline in Kafka until a restart;
 *  - leave the broker process running and answering other requests;
 *  - lose nothing acknowledged: after space returns and the broker restarts, every acknowledged
 *    record is read back in order, and appends continue after them.
 * The mount is required: if neither file system can be mounted the test fails, it never skips.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode } from '../../src/protocol/errors.ts';
import { KafkaApiClient } from '../helpers/kafka-api-client.ts';
import { batchOf, createTopic, metadata, produce } from '../helpers/kafka-apis.ts';
import { readPartition } from '../helpers/partition-reader.ts';
import { mountSmallFileSystem, type SmallMount } from '../helpers/small-mount.ts';
import { startBrokerProcess, type BrokerProcess } from '../helpers/test-broker.ts';

const SMALL_BYTES = 2 * 1024 * 1024;
const GROWN_BYTES = 16 * 1024 * 1024;
const RECORDS_PER_BATCH = 32;
/** 32 x 1 KiB per batch: the 2 MiB fill in about 60 batches; the bound leaves room for overhead. */
const MAX_BATCHES = 200;
const FAILED_PRODUCES_TO_CHECK = 3;
const OVERRIDES = { 'auto.create.topics.enable': 'false' };
const TOPIC = 'disk-full';
const FULL_DISK_ERRORS: readonly number[] = [ErrorCode.KAFKA_STORAGE_ERROR, ErrorCode.NOT_LEADER_OR_FOLLOWER];

function valueOf(seq: number): string {
  return `seq-${seq}-`.padEnd(1024, 'd');
}

function batchFrom(firstSeq: number): Buffer {
  return batchOf(Array.from({ length: RECORDS_PER_BATCH }, (_, i) => valueOf(firstSeq + i)));
}

test('disk full: produce answers KAFKA_STORAGE_ERROR, acknowledges nothing it did not store, and nothing acknowledged is lost', { timeout: 90_000 }, async () => {
  let mount: SmallMount;
  try {
    mount = mountSmallFileSystem(SMALL_BYTES, GROWN_BYTES);
  } catch (error) {
    throw new Error(`the disk-full test needs a small mounted file system (run as root): ${(error as Error).message}`, { cause: error });
  }
  const brokers: BrokerProcess[] = [];
  const clients: KafkaApiClient[] = [];
  const connect = async (broker: BrokerProcess): Promise<KafkaApiClient> => {
    const client = await KafkaApiClient.open(broker.host, broker.port);
    clients.push(client);
    return client;
  };
  try {
    const first = await startBrokerProcess(mount.dir, OVERRIDES);
    brokers.push(first);
    const client = await connect(first);
    const created = await createTopic(client, TOPIC);
    assert.equal(created.errorCode, ErrorCode.NONE, created.errorMessage ?? '');

    // Fill the disk: every batch is either acknowledged (and must survive) or refused with a storage error.
    const acked: number[] = [];
    let firstFailure: { errorCode: number; errorMessage: string | null | undefined } | undefined;
    let nextSeq = 0;
    for (let i = 0; i < MAX_BATCHES && firstFailure === undefined; i++) {
      const answer = await produce(client, TOPIC, 0, batchFrom(nextSeq));
      if (answer.errorCode === ErrorCode.NONE) {
        assert.equal(Number(answer.baseOffset), acked.length * RECORDS_PER_BATCH, 'offsets of acknowledged batches');
        acked.push(nextSeq);
      } else {
        firstFailure = { errorCode: answer.errorCode, errorMessage: answer.errorMessage };
      }
      nextSeq += RECORDS_PER_BATCH;
    }
    const context = `${mount.kind} of ${SMALL_BYTES} bytes, ${acked.length} batches acknowledged`;
    assert.ok(firstFailure !== undefined, `${context}: ${MAX_BATCHES} batches of 32 KiB were all acknowledged on a full disk`);
    assert.ok(acked.length > 0, `${context}: not even the first batch was stored`);
    assert.ok(FULL_DISK_ERRORS.includes(firstFailure.errorCode),
      `${context}: produce on a full disk answered error ${firstFailure.errorCode} (${firstFailure.errorMessage}), expected KAFKA_STORAGE_ERROR (56) or NOT_LEADER_OR_FOLLOWER (6)\n--- broker output ---\n${first.output()}`);

    // Kafka takes the log dir offline: later produces fail as well, even ones that would fit.
    for (let i = 0; i < FAILED_PRODUCES_TO_CHECK; i++) {
      const records = i === 0 ? batchFrom(nextSeq) : batchOf([valueOf(nextSeq).slice(0, 20)]);
      const answer = await produce(client, TOPIC, 0, records);
      assert.ok(FULL_DISK_ERRORS.includes(answer.errorCode),
        `${context}: produce ${i + 1} after the disk filled answered ${answer.errorCode} (${answer.errorMessage}), expected 56 or 6`);
      nextSeq += RECORDS_PER_BATCH;
    }

    // The broker itself is still up and serving.
    assert.equal(first.child.exitCode, null, `${context}: the broker process exited\n${first.output()}`);
    const described = await metadata(client, [TOPIC], { allowAutoTopicCreation: false });
    assert.equal(described.topics[0]?.name, TOPIC, `${context}: Metadata after the disk filled`);

    // Space returns; Kafka brings an offline log dir back with a restart.
    mount.freeSpace();
    await first.stop();
    const second = await startBrokerProcess(mount.dir, OVERRIDES);
    brokers.push(second);
    const after = await connect(second);
    let contents;
    try {
      contents = await readPartition(after, TOPIC, 0);
    } catch (error) {
      throw new Error(`${context}: ${(error as Error).message}\n--- broker output ---\n${second.output()}`, { cause: error });
    }
    const stored = contents.records.map((r) => r.value);
    const ackedValues = acked.flatMap((firstSeq) => Array.from({ length: RECORDS_PER_BATCH }, (_, i) => valueOf(firstSeq + i)));
    assert.deepEqual(stored.slice(0, ackedValues.length), ackedValues, `${context}: acknowledged records after the restart`);
    // The refused batches were never acknowledged; Kafka may keep a whole one that reached the disk, never a part or a copy.
    const extra = stored.slice(ackedValues.length);
    assert.ok(extra.length % RECORDS_PER_BATCH === 0 && new Set(extra).size === extra.length && !extra.some((v) => ackedValues.includes(v)),
      `${context}: ${extra.length} records after the acknowledged ones`);

    const appended = await produce(after, TOPIC, 0, batchFrom(nextSeq));
    assert.equal(appended.errorCode, ErrorCode.NONE, `${context}: produce after space returned`);
    assert.equal(Number(appended.baseOffset), stored.length, `${context}: appends continue after the stored records`);
  } finally {
    for (const client of clients) client.close();
    for (const broker of brokers) await broker.kill9();
    mount.unmount();
  }
});
