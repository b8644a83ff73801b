/**
 * A crash loop: a broker process with log.flush.interval.messages=1 (and the topic's
 * flush.messages=1), producers sending with acks=-1, one request in flight per partition, killed
 * with SIGKILL at a random moment (seeded), restarted, many rounds. After every restart:
 *  - every acknowledged record is read back, in order, with no duplicates;
 *  - an unacknowledged send (the one in flight at the kill) is there whole or not at all;
 *  - offsets are contiguous and every served batch has a valid CRC (readPartition checks both).
 * Each record carries a unique sequence number in its value; numbers are never reused, so a
 * duplicate or a reordering shows as a sequence that does not strictly increase.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { ErrorCode } from '../../src/protocol/errors.ts';
import { KafkaApiClient } from '../helpers/kafka-api-client.ts';
import { batchOf, createTopic, produce } from '../helpers/kafka-apis.ts';
import { readPartition } from '../helpers/partition-reader.ts';
import { seededRandom, testSeed } from '../helpers/seeded-random.ts';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.ts';
import { startBrokerProcess, type BrokerProcess } from '../helpers/test-broker.ts';

const MAX_ROUNDS = 20;
const MIN_ROUNDS = 8;
/** Stop starting new rounds after this long, so the test stays bounded on a slow machine. */
const TIME_BUDGET_MS = 50_000;
const PARTITIONS = 2;
const OVERRIDES = { 'log.flush.interval.messages': '1', 'auto.create.topics.enable': 'false' };
const TOPIC = 'crash-loop';

interface SentBatch {
  firstSeq: number;
  count: number;
  acked: boolean;
}

function valueOf(partition: number, seq: number): string {
  return `p${partition}-seq-${seq}-` + 'v'.repeat(seq % 97);
}

function seqOf(partition: number, value: string): number {
  const match = /^p(\d+)-seq-(\d+)-/.exec(value);
  assert.ok(match !== null && Number(match[1]) === partition, `record ${value.slice(0, 30)} does not belong to partition ${partition}`);
  return Number(match[2]);
}

/** Produces batches of 1-5 records, one at a time, until the connection dies; returns the unexpected error codes seen. */
async function produceUntilKilled(broker: BrokerProcess, partition: number, sent: SentBatch[], nextSeq: { value: number }, random: ReturnType<typeof seededRandom>): Promise<number[]> {
  const unexpected: number[] = [];
  let client: KafkaApiClient;
  try {
    client = await KafkaApiClient.open(broker.host, broker.port);
  } catch {
    return unexpected; // killed before we connected
  }
  try {
    for (;;) {
      const count = random.int(1, 5);
      const batch: SentBatch = { firstSeq: nextSeq.value, count, acked: false };
      nextSeq.value += count;
      sent.push(batch);
      let answer;
      try {
        answer = await produce(client, TOPIC, partition, batchOf(Array.from({ length: count }, (_, i) => valueOf(partition, batch.firstSeq + i))), { acks: -1 });
      } catch {
        return unexpected; // the broker died under this send: it may or may not have been stored
      }
      if (answer.errorCode !== ErrorCode.NONE) {
        unexpected.push(answer.errorCode);
        return unexpected;
      }
      batch.acked = true;
    }
  } finally {
    client.close();
  }
}

/** Every acknowledged record in order, unacknowledged batches whole or absent, nothing twice. */
function checkPartition(partition: number, values: string[], sent: SentBatch[], context: string): void {
  const seqs = values.map((value) => seqOf(partition, value));
  for (let i = 1; i < seqs.length; i++) {
    assert.ok(seqs[i]! > seqs[i - 1]!, `${context}: sequence ${seqs[i]} after ${seqs[i - 1]} (a duplicate or out of order) at offset ${i}`);
  }
  const present = new Set(seqs);
  let expectedCount = 0;
  for (const batch of sent) {
    const here = Array.from({ length: batch.count }, (_, i) => present.has(batch.firstSeq + i));
    const all = here.every(Boolean);
    if (batch.acked) assert.ok(all, `${context}: acknowledged records ${batch.firstSeq}..${batch.firstSeq + batch.count - 1} lost`);
    else assert.ok(all || here.every((p) => !p), `${context}: unacknowledged batch ${batch.firstSeq}.. stored in part`);
    if (all) expectedCount += batch.count;
  }
  assert.equal(seqs.length, expectedCount, `${context}: records that were never sent`);
}

test('crash loop: kill -9 at random moments under acks=-1 and flush.messages=1 loses no acknowledged record and duplicates none', { timeout: 120_000 }, async () => {
  const seed = testSeed();
  const random = seededRandom(seed);
  const dataDir = await makeTempDir('samsa-crash-loop-');
  const sent: SentBatch[][] = Array.from({ length: PARTITIONS }, () => []);
  const nextSeq = Array.from({ length: PARTITIONS }, () => ({ value: 0 }));
  let broker: BrokerProcess | undefined;
  let rounds = 0;
  const started = Date.now();
  const verify = async (current: BrokerProcess, when: string): Promise<void> => {
    const client = await KafkaApiClient.open(current.host, current.port);
    try {
      for (let partition = 0; partition < PARTITIONS; partition++) {
        const context = `${TOPIC}-${partition} ${when} (seed ${seed})`;
        let contents;
        try {
          contents = await readPartition(client, TOPIC, partition);
        } catch (error) {
          throw new Error(`${context}: ${(error as Error).message}\n--- broker output ---\n${current.output()}`, { cause: error });
        }
        checkPartition(partition, contents.records.map((r) => r.value), sent[partition]!, context);
      }
    } finally {
      client.close();
    }
  };
  try {
    broker = await startBrokerProcess(dataDir, OVERRIDES);
    const admin = await KafkaApiClient.open(broker.host, broker.port);
    const created = await createTopic(admin, TOPIC, { numPartitions: PARTITIONS, configs: { 'flush.messages': '1', 'segment.bytes': '65536' } });
    admin.close();
    assert.equal(created.errorCode, ErrorCode.NONE, created.errorMessage ?? '');

    while (rounds < MAX_ROUNDS && (rounds < MIN_ROUNDS || Date.now() - started < TIME_BUDGET_MS)) {
      const current: BrokerProcess = broker;
      const producers = Array.from({ length: PARTITIONS }, (_, p) => produceUntilKilled(current, p, sent[p]!, nextSeq[p]!, random));
      await sleep(random.int(20, 400));
      await current.kill9();
      const unexpected = (await Promise.all(producers)).flat();
      assert.deepEqual(unexpected, [], `round ${rounds + 1}: produce answered error codes (seed ${seed})`);
      rounds++;
      broker = await startBrokerProcess(dataDir, OVERRIDES);
      await verify(broker, `after kill ${rounds}`);
    }
    const acked = sent.flat().filter((b) => b.acked).reduce((sum, b) => sum + b.count, 0);
    const inFlight = sent.flat().filter((b) => !b.acked).length;
    console.log(`crash loop: ${rounds} rounds of kill -9 and restart, ${acked} acknowledged records, ${inFlight} sends in flight at a kill, seed ${seed}`);
    assert.ok(acked > 0, 'nothing was acknowledged: the loop tested nothing');
  } finally {
    await broker?.kill9();
    await removeTempDir(dataDir);
  }
});
