import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ErrorCode, KafkaError, errorName } from '../errors.ts';
import { CompressionType, MAX_TIMESTAMP_OFFSET, RECORDS_COUNT_OFFSET } from './batch-header.ts';
import { RecordValidationError, assignOffsets, validateBatches, type ValidateBatchesOptions } from './batch-validator.ts';
import { computeBatchCrc } from './crc32c.ts';
import { buildRecordBatch, type RecordBatchOptions } from './record-batch-builder.ts';
import { decodeRecordBatches } from './record-batch.ts';

const NOW = 1_700_000_000_000;
const OPTIONS: ValidateBatchesOptions = {
  maxMessageBytes: 1024 * 1024,
  timestampType: 'CreateTime',
  now: NOW,
  timestampDiffMs: { before: 3_600_000, after: 3_600_000 },
};

function batchOf(count: number, options: RecordBatchOptions = {}, timestamp = NOW): Buffer {
  return buildRecordBatch(Array.from({ length: count }, (_, i) => ({
    key: Buffer.from(`k${i}`), value: Buffer.from(`value ${i}`), headers: [], timestamp: timestamp + i,
  })), options);
}

/** Rewrites the CRC so a test reaches the check after it. */
function resign(batch: Buffer): Buffer {
  batch.writeUInt32BE(computeBatchCrc(batch, 0, batch.length), 17);
  return batch;
}

function fails(code: number, run: () => unknown): void {
  assert.throws(run, (error) => {
    assert.ok(error instanceof KafkaError, String(error));
    assert.equal(errorName(error.code), errorName(code), error.message);
    return true;
  });
}

test('valid batches: counts, timestamps and producer fields', () => {
  const first = batchOf(3, { producerId: 7, producerEpoch: 1, baseSequence: 2147483646 });
  const second = batchOf(2, { compression: CompressionType.lz4 }, NOW + 100);
  const result = validateBatches(Buffer.concat([first, second]), OPTIONS);
  assert.equal(result.batchCount, 2);
  assert.equal(result.recordCount, 5);
  assert.equal(result.sizeInBytes, first.length + second.length);
  assert.equal(result.maxTimestamp, NOW + 101);
  assert.equal(result.offsetOfMaxTimestamp, 4);
  assert.deepEqual(result.batches.map((b) => [b.position, b.recordsCount, b.compression]), [[0, 3, 0], [first.length, 2, 3]]);
  assert.equal(result.batches[0]!.lastSequence, 0); // 2147483646, 2147483647, 0: wraps past int32 max like Kafka's sequences
  assert.equal(result.batches[1]!.lastSequence, -1);
  const logAppend = validateBatches(first, { ...OPTIONS, timestampType: 'LogAppendTime', now: 5 });
  assert.equal(logAppend.maxTimestamp, 5);
});

test('wrong CRC is CORRUPT_MESSAGE', () => {
  const batch = batchOf(2);
  batch[batch.length - 1]! ^= 0xff;
  fails(ErrorCode.CORRUPT_MESSAGE, () => validateBatches(batch, OPTIONS));
});

test('truncated batches and trailing garbage are CORRUPT_MESSAGE', () => {
  const batch = batchOf(2);
  fails(ErrorCode.CORRUPT_MESSAGE, () => validateBatches(batch.subarray(0, batch.length - 1), OPTIONS));
  fails(ErrorCode.CORRUPT_MESSAGE, () => validateBatches(batch.subarray(0, 30), OPTIONS));
  fails(ErrorCode.CORRUPT_MESSAGE, () => validateBatches(Buffer.concat([batch, Buffer.alloc(5)]), OPTIONS));
  fails(ErrorCode.CORRUPT_MESSAGE, () => validateBatches(Buffer.concat([batch, batch.subarray(0, 20)]), OPTIONS));
  const short = Buffer.from(batch);
  short.writeInt32BE(20, 8);
  fails(ErrorCode.CORRUPT_MESSAGE, () => validateBatches(short, OPTIONS));
  fails(ErrorCode.INVALID_RECORD, () => validateBatches(Buffer.alloc(0), OPTIONS));
});

test('bad magic: legacy formats are INVALID_RECORD, garbage is CORRUPT_MESSAGE', () => {
  for (const [magic, code] of [[0, ErrorCode.INVALID_RECORD], [1, ErrorCode.INVALID_RECORD], [3, ErrorCode.CORRUPT_MESSAGE], [-1, ErrorCode.CORRUPT_MESSAGE]] as const) {
    const batch = batchOf(1);
    batch.writeInt8(magic, 16);
    fails(code, () => validateBatches(batch, OPTIONS));
  }
});

test('oversized batch is MESSAGE_TOO_LARGE', () => {
  const batch = batchOf(10);
  assert.equal(validateBatches(batch, { ...OPTIONS, maxMessageBytes: batch.length }).recordCount, 10);
  fails(ErrorCode.MESSAGE_TOO_LARGE, () => validateBatches(batch, { ...OPTIONS, maxMessageBytes: batch.length - 1 }));
});

test('timestamps outside message.timestamp.before/after.max.ms are INVALID_TIMESTAMP', () => {
  const hour = 3_600_000;
  fails(ErrorCode.INVALID_TIMESTAMP, () => validateBatches(batchOf(1, {}, NOW - hour - 1), OPTIONS));
  fails(ErrorCode.INVALID_TIMESTAMP, () => validateBatches(batchOf(1, {}, NOW + hour + 1), OPTIONS));
  fails(ErrorCode.INVALID_TIMESTAMP, () => validateBatches(batchOf(3, {}, NOW + hour - 1), OPTIONS)); // max is +1 over
  validateBatches(batchOf(1, {}, NOW - hour), OPTIONS);
  validateBatches(batchOf(1, {}, NOW + hour), OPTIONS);
  // LogAppendTime topics take any producer timestamp: the broker stamps its own.
  validateBatches(batchOf(1, {}, 0), { ...OPTIONS, timestampType: 'LogAppendTime' });
});

test('record count, offsets, control and sequence rules (INVALID_RECORD)', () => {
  const countMismatch = batchOf(3);
  countMismatch.writeInt32BE(2, RECORDS_COUNT_OFFSET);
  fails(ErrorCode.INVALID_RECORD, () => validateBatches(resign(countMismatch), OPTIONS));
  fails(ErrorCode.INVALID_RECORD, () => validateBatches(buildRecordBatch([]), OPTIONS));
  fails(ErrorCode.INVALID_RECORD, () => validateBatches(batchOf(1, { baseOffset: 5 }), OPTIONS));
  fails(ErrorCode.INVALID_RECORD, () => validateBatches(batchOf(1, { isControl: true }), OPTIONS));
  fails(ErrorCode.INVALID_RECORD, () => validateBatches(batchOf(1, { producerId: 3, baseSequence: -1 }), OPTIONS));
  validateBatches(batchOf(1, { isControl: true, baseOffset: 5 }), { ...OPTIONS, origin: 'coordinator' });
});

test('unknown codec is UNSUPPORTED_COMPRESSION_TYPE', () => {
  const batch = batchOf(1);
  batch.writeInt16BE(6, 21);
  fails(ErrorCode.UNSUPPORTED_COMPRESSION_TYPE, () => validateBatches(resign(batch), OPTIONS));
});

test('assignOffsets patches offsets and leader epoch outside the CRC', () => {
  const first = batchOf(3, { compression: CompressionType.gzip });
  const second = batchOf(2);
  const records = Buffer.concat([first, second]);
  const crcs = [records.readUInt32BE(17), records.readUInt32BE(first.length + 17)];
  assert.equal(assignOffsets(records, 100, 4), 105);
  assert.deepEqual([records.readUInt32BE(17), records.readUInt32BE(first.length + 17)], crcs);
  const decoded = decodeRecordBatches(records);
  assert.deepEqual(decoded.flatMap((b) => b.records.map((r) => r.offset)), [100, 101, 102, 103, 104]);
  assert.deepEqual(decoded.map((b) => b.partitionLeaderEpoch), [4, 4]);
  assert.ok(decoded.every((b) => b.timestampType === 'CreateTime'));
});

test('assignOffsets with LogAppendTime stamps the time and re-signs the batch', () => {
  const records = Buffer.concat([batchOf(2), batchOf(1, { compression: CompressionType.snappy })]);
  assert.equal(assignOffsets(records, 2 ** 40, 9, NOW + 5), 2 ** 40 + 3);
  const decoded = decodeRecordBatches(records); // verifies the recomputed CRCs
  assert.ok(decoded.every((b) => b.timestampType === 'LogAppendTime' && b.maxTimestamp === NOW + 5));
  assert.ok(decoded.every((b) => b.records.every((r) => r.timestamp === NOW + 5)));
  assert.equal(decoded[1]!.baseOffset, 2 ** 40 + 2);
  // A CreateTime topic clears a LogAppendTime bit a producer set, and still leaves a valid CRC.
  const stamped = batchOf(1, { timestampType: 'LogAppendTime' });
  assignOffsets(stamped, 0, 0);
  assert.equal(decodeRecordBatches(stamped)[0]!.timestampType, 'CreateTime');
});

test('fuzz: random and mutated input throws only KafkaError', () => {
  const check = (input: Buffer) => {
    for (const options of [OPTIONS, { ...OPTIONS, recordLevel: { requireKeys: true, maxDecompressedBytes: 1 << 20 } }]) {
      try {
        validateBatches(input, options);
      } catch (error) {
        assert.ok(error instanceof KafkaError, String(error));
      }
    }
  };
  fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => check(Buffer.from(bytes))), { numRuns: 3000 });
  fc.assert(fc.property(
    fc.integer({ min: 1, max: 5 }), fc.constantFrom(0, 1, 2, 3, 4),
    fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }), fc.nat(), fc.boolean(),
    (count, compression, flips, cut, fixCrc) => {
      const batch = batchOf(count, { compression: compression as CompressionType });
      for (const [at, byte] of flips) batch[at % batch.length] = byte;
      if (fixCrc && batch.length >= 21) resign(batch);
      check(cut % 4 === 0 ? batch.subarray(0, cut % batch.length) : batch);
    },
  ), { numRuns: 3000 });
});

test('opt-in record-level checks: keys for compacted topics, per-record timestamps, offset deltas', () => {
  const recordLevel = { requireKeys: true };
  for (const compression of [CompressionType.none, CompressionType.zstd]) {
    validateBatches(batchOf(3, { compression }), { ...OPTIONS, recordLevel });
    const keyless = buildRecordBatch([{ key: null, value: Buffer.from('v'), timestamp: NOW }], { compression });
    validateBatches(keyless, OPTIONS);
    fails(ErrorCode.INVALID_RECORD, () => validateBatches(keyless, { ...OPTIONS, recordLevel }));
    // The first record is older than allowed, which the header alone cannot show.
    const early = buildRecordBatch([
      { key: Buffer.from('a'), value: null, timestamp: NOW },
      { key: Buffer.from('b'), value: null, timestamp: NOW - 10_000_000 },
    ], { compression });
    validateBatches(early, OPTIONS);
    fails(ErrorCode.INVALID_TIMESTAMP, () => validateBatches(early, { ...OPTIONS, recordLevel: {} }));
    const gappy = buildRecordBatch([
      { key: Buffer.from('a'), value: null, timestamp: NOW, offsetDelta: 0 },
      { key: Buffer.from('b'), value: null, timestamp: NOW, offsetDelta: 5 },
    ], { compression, lastOffsetDelta: 1 });
    fails(ErrorCode.INVALID_RECORD, () => validateBatches(gappy, { ...OPTIONS, recordLevel: {} }));
  }
});

/** The RecordValidationError a validation throws, for its per-record errors. */
function recordErrorsOf(run: () => unknown): RecordValidationError {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof RecordValidationError, String(error));
    return error;
  }
  assert.fail('validation passed');
}

test('record errors name every bad record by its index in the batch; one error per record, the key before the timestamp', () => {
  for (const compression of [CompressionType.none, CompressionType.snappy]) {
    const batch = buildRecordBatch([
      { key: Buffer.from('a'), value: null, timestamp: NOW },
      { key: null, value: null, timestamp: NOW },
      { key: Buffer.from('c'), value: null, timestamp: NOW },
      { key: null, value: null, timestamp: NOW - 10_000_000 },
      { key: null, value: null, timestamp: NOW },
      { key: Buffer.from('f'), value: null, timestamp: NOW + 10_000_000 },
    ], { compression });
    const error = recordErrorsOf(() => validateBatches(batch, { ...OPTIONS, recordLevel: { requireKeys: true } }));
    assert.deepEqual(error.recordErrors.map((e) => e.batchIndex), [1, 3, 4, 5]);
    assert.match(error.recordErrors[1]!.message, /without a key/, 'a keyless record out of range is refused for its key');
    assert.match(error.recordErrors[3]!.message, /timestamp .* out of range/);
    assert.equal(errorName(error.code), 'INVALID_TIMESTAMP', 'any timestamp error makes the batch INVALID_TIMESTAMP');
    assert.equal(error.message, 'One or more records have been rejected due to invalid timestamp');
  }
});

test('INVALID_RECORD record errors: the message counts them all and shows the first three', () => {
  const batch = buildRecordBatch(Array.from({ length: 5 }, () => ({ key: null, value: Buffer.from('v'), timestamp: NOW })));
  const error = recordErrorsOf(() => validateBatches(batch, { ...OPTIONS, recordLevel: { requireKeys: true } }));
  assert.equal(errorName(error.code), 'INVALID_RECORD');
  assert.deepEqual(error.recordErrors.map((e) => e.batchIndex), [0, 1, 2, 3, 4]);
  assert.match(error.message, /^One or more records have been rejected due to 5 record errors in total, and only showing the first three errors at most: \[RecordError\(batchIndex=0, /);
  assert.equal(error.message.match(/RecordError\(/g)?.length, 3);
});

test('without record-level checks, a header timestamp out of range finds the records behind it', () => {
  const batch = buildRecordBatch([
    { key: null, value: null, timestamp: NOW },
    { key: null, value: null, timestamp: NOW + 10_000_000 },
  ], { compression: CompressionType.lz4 });
  const error = recordErrorsOf(() => validateBatches(batch, OPTIONS));
  assert.deepEqual(error.recordErrors.map((e) => e.batchIndex), [1]);
  // A header whose maxTimestamp is out of range while every record is in range: the header is refused alone.
  const lying = buildRecordBatch([{ key: null, value: null, timestamp: NOW }]);
  lying.writeBigInt64BE(BigInt(NOW + 10_000_000), MAX_TIMESTAMP_OFFSET);
  fails(ErrorCode.INVALID_TIMESTAMP, () => validateBatches(resign(lying), OPTIONS));
  assert.throws(() => validateBatches(lying, OPTIONS), (e) => !(e instanceof RecordValidationError));
});
