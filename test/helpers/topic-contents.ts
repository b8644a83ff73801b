/**
 * The shared end-to-end assertion: what a consumer read back is exactly what the producers sent,
 * record for record — keys, values, headers, timestamps — in the order sent within each partition,
 * with contiguous offsets from 0.
 */
import assert from 'node:assert/strict';

export interface SentRecord {
  key: string;
  value: string;
  headers: Array<[string, string]>;
  timestamp: bigint;
}

export interface ReadRecord extends SentRecord {
  partition: number;
  offset: bigint;
}

/**
 * `sent` is in send order (each send awaited before the next). Keyed partitioning sends every key
 * to one partition, so the expected content of a partition is the sent records with its keys.
 */
export function assertTopicContents(sent: SentRecord[], read: ReadRecord[], partitionCount: number): void {
  assert.equal(read.length, sent.length, `read ${read.length} records, sent ${sent.length}`);
  const partitionOfKey = new Map<string, number>();
  for (const record of read) {
    assert.ok(record.partition >= 0 && record.partition < partitionCount, `partition ${record.partition} out of range`);
    const known = partitionOfKey.get(record.key);
    assert.ok(known === undefined || known === record.partition, `key ${record.key} read from partitions ${known} and ${record.partition}`);
    partitionOfKey.set(record.key, record.partition);
  }
  for (let partition = 0; partition < partitionCount; partition++) {
    const actual = read.filter((record) => record.partition === partition).sort((a, b) => (a.offset < b.offset ? -1 : a.offset > b.offset ? 1 : 0));
    actual.forEach((record, index) => assert.equal(record.offset, BigInt(index), `partition ${partition}: offsets must run 0, 1, 2...`));
    const expected = sent.filter((record) => partitionOfKey.get(record.key) === partition);
    assert.deepEqual(
      actual.map(({ key, value, headers, timestamp }) => ({ key, value, headers, timestamp })),
      expected.map(({ key, value, headers, timestamp }) => ({ key, value, headers, timestamp })),
      `partition ${partition}: records differ from what was sent`,
    );
  }
}

/** Compressible values (so every codec really shrinks them) that still differ record by record. */
export function sampleValue(label: string, index: number): string {
  return `${label}-${index}-` + 'the quick brown fox jumps over the lazy dog '.repeat(4 + (index % 5));
}

/** A record as a KafkaJS-style eachMessage hands it (KafkaJS, and confluent-kafka-javascript's KafkaJS API). */
export interface KafkaJsStyleMessage {
  offset: string;
  timestamp: string;
  key: Buffer | null;
  value: Buffer | null;
  headers?: Record<string, unknown>;
}

/** What a KafkaJS-style consumer read, as assertTopicContents takes it (header values as UTF-8 strings). */
export function readRecordOf(partition: number, message: KafkaJsStyleMessage): ReadRecord {
  return {
    partition,
    offset: BigInt(message.offset),
    timestamp: BigInt(message.timestamp),
    key: message.key?.toString('utf8') ?? '',
    value: message.value?.toString('utf8') ?? '',
    headers: Object.entries(message.headers ?? {}).map(([name, value]) => [name, String(value)]),
  };
}
