import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createRecordsBatch, readRecordsBatches, Reader } from '@platformatic/kafka';
import { ErrorCode, KafkaError } from '../errors.ts';
import { BatchHeader, CompressionType } from './batch-header.ts';
import { buildEndTransactionMarker, decodeEndTransactionMarker } from './control-record.ts';
import { buildRecordBatch, type RecordInput } from './record-batch-builder.ts';
import { ControlRecordType, controlRecordType, decodeRecordBatch, decodeRecordBatchInto, decodeRecordBatches } from './record-batch.ts';

const CODECS = [CompressionType.none, CompressionType.gzip, CompressionType.snappy, CompressionType.lz4, CompressionType.zstd];
const bytes = (maxLength: number) => fc.uint8Array({ maxLength }).map((array) => Buffer.from(array));
const nullable = <T>(arbitrary: fc.Arbitrary<T>) => fc.option(arbitrary, { nil: null });

const recordArbitrary = (baseTime: number): fc.Arbitrary<RecordInput> => fc.record({
  key: nullable(bytes(40)),
  value: nullable(bytes(300)),
  headers: fc.array(fc.record({ key: fc.string({ unit: 'grapheme', maxLength: 12 }), value: nullable(bytes(20)) }), { maxLength: 4 }),
  timestamp: fc.integer({ min: baseTime - 2 ** 40, max: baseTime + 2 ** 40 }),
});

const optionsArbitrary = fc.record({
  baseOffset: fc.integer({ min: 0, max: 2 ** 52 }),
  compression: fc.constantFrom(...CODECS),
  producerId: fc.integer({ min: -1, max: 2 ** 50 }),
  producerEpoch: fc.integer({ min: -1, max: 32767 }),
  baseSequence: fc.integer({ min: -1, max: 2 ** 31 - 1 }),
  isTransactional: fc.boolean(),
  timestampType: fc.constantFrom('CreateTime' as const, 'LogAppendTime' as const),
  partitionLeaderEpoch: fc.integer({ min: -1, max: 2 ** 31 - 1 }),
});

function isKafkaError(error: unknown): boolean {
  return error instanceof KafkaError;
}

test('builder -> decoder round trip for all codecs', () => {
  fc.assert(fc.property(
    fc.array(recordArbitrary(1_700_000_000_000), { minLength: 1, maxLength: 30 }), optionsArbitrary,
    (records, options) => {
      const batch = buildRecordBatch(records, options);
      const header = new BatchHeader(batch);
      assert.equal(header.sizeInBytes, batch.length);
      const [decoded, ...rest] = decodeRecordBatches(batch);
      assert.equal(rest.length, 0);
      assert.ok(decoded);
      assert.equal(decoded.baseOffset, options.baseOffset);
      assert.equal(decoded.compression, options.compression);
      assert.equal(decoded.producerId, options.producerId);
      assert.equal(decoded.producerEpoch, options.producerEpoch);
      assert.equal(decoded.baseSequence, options.baseSequence);
      assert.equal(decoded.isTransactional, options.isTransactional);
      assert.equal(decoded.isControl, false);
      assert.equal(decoded.timestampType, options.timestampType);
      assert.equal(decoded.partitionLeaderEpoch, options.partitionLeaderEpoch);
      assert.equal(decoded.lastOffsetDelta, records.length - 1);
      assert.equal(decoded.baseTimestamp, records[0]!.timestamp);
      assert.equal(decoded.maxTimestamp, Math.max(...records.map((r) => r.timestamp)));
      assert.equal(decoded.records.length, records.length);
      decoded.records.forEach((record, i) => {
        const input = records[i]!;
        assert.equal(record.offset, options.baseOffset + i);
        assert.equal(record.timestamp, options.timestampType === 'LogAppendTime' ? decoded.maxTimestamp : input.timestamp);
        assert.deepEqual(record.key, input.key);
        assert.deepEqual(record.value, input.value);
        assert.deepEqual(record.headers, (input.headers ?? []).map((h) => ({ key: h.key, value: h.value })));
      });
    },
  ), { numRuns: 400 });
});

test('decodeRecordBatchInto: the caller\'s records, the ones it leaves out skipped, nothing appended from a corrupt batch', () => {
  fc.assert(fc.property(
    fc.array(recordArbitrary(1_700_000_000_000), { minLength: 2, maxLength: 30 }), optionsArbitrary,
    (records, options) => {
      const batch = buildRecordBatch(records, options);
      const expected = decodeRecordBatch(batch);
      const into: Array<string | [number, number, Buffer | null, Buffer | null, unknown, number]> = ['before'];
      // Odd offsets left out, as the consumer leaves out records below its fetch offset.
      const make = (offset: number, timestamp: number, key: Buffer | null, value: Buffer | null, headers: unknown, _attributes: number, offsetDelta: number) =>
        offsetDelta % 2 === 1 ? undefined : [offset, timestamp, key, value, headers, offsetDelta] as [number, number, Buffer | null, Buffer | null, unknown, number];
      const info = decodeRecordBatchInto(batch, 0, {}, make, into);
      const { records: _records, ...fields } = expected;
      assert.deepEqual(info, fields);
      assert.deepEqual(into, ['before', ...expected.records.filter((r) => r.offsetDelta % 2 === 0)
        .map((r) => [r.offset, r.timestamp, r.key, r.value, r.headers, r.offsetDelta])]);
      // Records without headers share one frozen list: a consumer's records are read-only.
      for (const r of expected.records) if (r.headers.length === 0) assert.ok(Object.isFrozen(r.headers));
      // One record fewer declared than written: the batch fails after its records were read.
      const liar = Buffer.from(batch);
      liar.writeInt32BE(records.length - 1, 57);
      const kept: unknown[] = ['before'];
      assert.throws(() => decodeRecordBatchInto(liar, 0, { verifyCrc: false }, make, kept),
        (e: unknown) => e instanceof KafkaError && e.code === ErrorCode.CORRUPT_MESSAGE);
      assert.deepEqual(kept, ['before'], 'a corrupt batch appends nothing');
    },
  ), { numRuns: 200 });
});

test('several batches in one buffer decode in order', () => {
  const one = buildRecordBatch([{ key: null, value: Buffer.from('a'), timestamp: 1 }], { baseOffset: 5 });
  const two = buildRecordBatch([
    { key: null, value: Buffer.from('b'), timestamp: 2 },
    { key: null, value: Buffer.from('c'), timestamp: 3 },
  ], { baseOffset: 6, compression: CompressionType.zstd });
  const batches = decodeRecordBatches(Buffer.concat([one, two]));
  assert.deepEqual(batches.flatMap((b) => b.records.map((r) => [r.offset, r.value?.toString()])), [[5, 'a'], [6, 'b'], [7, 'c']]);
  assert.throws(() => decodeRecordBatches(Buffer.concat([one, two.subarray(0, 30)])), isKafkaError);
  assert.equal(decodeRecordBatches(Buffer.concat([one, two.subarray(0, 30)]), { allowTruncatedTail: true }).length, 1);
  assert.equal(decodeRecordBatches(Buffer.concat([one, two.subarray(0, 5)]), { allowTruncatedTail: true }).length, 1);
});

test('empty batches and compaction-style offset gaps', () => {
  const empty = decodeRecordBatch(buildRecordBatch([], { lastOffsetDelta: 9, baseTimestamp: 100, maxTimestamp: 200 }));
  assert.deepEqual([empty.records.length, empty.lastOffsetDelta, empty.baseTimestamp, empty.maxTimestamp], [0, 9, 100, 200]);
  const gappy = decodeRecordBatch(buildRecordBatch([
    { key: Buffer.from('k1'), value: null, timestamp: 10, offsetDelta: 3 },
    { key: Buffer.from('k2'), value: Buffer.from('v'), timestamp: 11, offsetDelta: 7 },
  ], { baseOffset: 100, lastOffsetDelta: 9 }));
  assert.deepEqual(gappy.records.map((r) => r.offset), [103, 107]);
  assert.equal(gappy.lastOffset, 109);
});

test('control batches: transaction markers', () => {
  for (const type of [ControlRecordType.ABORT, ControlRecordType.COMMIT]) {
    const batch = decodeRecordBatch(buildEndTransactionMarker({
      type, coordinatorEpoch: 7, producerId: 42, producerEpoch: 3, timestamp: 1000, baseOffset: 50,
    }));
    assert.ok(batch.isControl);
    assert.ok(batch.isTransactional);
    assert.equal(batch.producerId, 42);
    assert.equal(controlRecordType(batch.records[0]!), type);
    assert.deepEqual(decodeEndTransactionMarker(batch.records[0]!), { version: 0, coordinatorEpoch: 7 });
  }
});

test('interop: @platformatic/kafka batches decode here, ours decode there', () => {
  const names = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const;
  for (const type of CODECS) {
    const messages = Array.from({ length: 20 }, (_, i) => ({
      topic: 't', key: Buffer.from(`key-${i}`), value: Buffer.from(`value-${i} `.repeat(i)),
      headers: new Map([[Buffer.from('h'), Buffer.from(String(i))]]), timestamp: BigInt(1_700_000_000_000 + i),
    }));
    const theirs = createRecordsBatch(messages, { compression: names[type] }).buffer;
    const [decoded] = decodeRecordBatches(theirs);
    assert.equal(decoded!.compression, type);
    assert.deepEqual(decoded!.records.map((r) => r.value!.toString()), messages.map((m) => m.value.toString()));
    assert.deepEqual(decoded!.records.map((r) => r.headers[0]!.value!.toString()), messages.map((_, i) => String(i)));

    const ours = buildRecordBatch(messages.map((m) => ({
      key: m.key, value: m.value, headers: [{ key: 'h', value: m.headers.get(m.headers.keys().next().value!)! }],
      timestamp: Number(m.timestamp),
    })), { compression: type, baseOffset: 3 });
    const [read] = readRecordsBatches(Reader.from(ours));
    assert.equal(read!.firstOffset, 3n);
    assert.deepEqual(read!.records.map((r) => r.value!.toString()), messages.map((m) => m.value.toString()));
    assert.deepEqual(read!.records.map((r) => r.key!.toString()), messages.map((m) => m.key.toString()));
  }
});

test('a corrupt CRC, bad magic or lying lengths are CORRUPT_MESSAGE', () => {
  const batch = buildRecordBatch([{ key: null, value: Buffer.from('x'), timestamp: 1 }]);
  const badCrc = Buffer.from(batch);
  badCrc[batch.length - 1]! ^= 1;
  const badMagic = Buffer.from(batch);
  badMagic[16] = 1;
  const isCorrupt = (e: unknown) => e instanceof KafkaError && e.code === ErrorCode.CORRUPT_MESSAGE;
  assert.throws(() => decodeRecordBatch(badCrc), isCorrupt);
  assert.throws(() => decodeRecordBatch(badMagic), isCorrupt);
  assert.throws(() => decodeRecordBatch(batch.subarray(0, 60)), isCorrupt);
  const liar = buildRecordBatch([{ key: null, value: Buffer.from('x'), timestamp: 1 }]);
  liar.writeInt32BE(1000, 57); // recordsCount
  assert.throws(() => decodeRecordBatch(liar, 0, { verifyCrc: false }), isCorrupt);
});

test('a compressed bomb inside a batch is refused', () => {
  const value = Buffer.alloc(8 * 1024 * 1024);
  for (const compression of CODECS.slice(1)) {
    const batch = buildRecordBatch([{ key: null, value, timestamp: 1 }], { compression });
    assert.ok(batch.length < 1024 * 1024);
    assert.throws(() => decodeRecordBatch(batch, 0, { maxDecompressedBytes: 1024 * 1024 }),
      (e) => e instanceof KafkaError && e.code === ErrorCode.CORRUPT_MESSAGE);
    assert.equal(decodeRecordBatch(batch).records[0]!.value!.length, value.length);
  }
});

test('fuzz: random bytes throw only KafkaError', () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 400 }), fc.boolean(), (input, verifyCrc) => {
    try {
      decodeRecordBatches(Buffer.from(input), { verifyCrc });
    } catch (error) {
      assert.ok(isKafkaError(error), String(error));
    }
  }), { numRuns: 3000 });
});

test('fuzz: mutated valid batches throw only KafkaError', () => {
  fc.assert(fc.property(
    fc.array(recordArbitrary(1_700_000_000_000), { minLength: 1, maxLength: 5 }), fc.constantFrom(...CODECS),
    fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }), fc.nat(),
    (records, compression, flips, cut) => {
      const batch = buildRecordBatch(records, { compression });
      for (const [at, byte] of flips) batch[at % batch.length] = byte;
      const input = cut % 4 === 0 ? batch.subarray(0, cut % batch.length) : batch;
      for (const verifyCrc of [true, false]) {
        try {
          decodeRecordBatches(input, { verifyCrc, maxDecompressedBytes: 1024 * 1024 });
        } catch (error) {
          assert.ok(isKafkaError(error), String(error));
        }
      }
    },
  ), { numRuns: 3000 });
});
