import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeCooperativeUserData, decodeStickyUserData, encodeCooperativeUserData, encodeStickyUserData } from './sticky-user-data.ts';

test("StickyAssignorUserData V1 is Java's layout: [topic string, [int32]] then the int32 generation", () => {
  const bytes = encodeStickyUserData({ partitions: [{ topic: 'ab', partition: 1 }, { topic: 'ab', partition: 3 }, { topic: 'c', partition: 0 }], generation: 7 });
  assert.deepEqual(bytes, Buffer.from([
    0, 0, 0, 2, // two topics
    0, 2, 0x61, 0x62, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 3, // "ab": [1, 3]
    0, 1, 0x63, 0, 0, 0, 1, 0, 0, 0, 0, // "c": [0]
    0, 0, 0, 7, // generation
  ]));
  assert.deepEqual(decodeStickyUserData(bytes).generation, 7);
});

test('StickyAssignorUserData V0 (no generation) reads as generation -1; unreadable bytes as nothing owned', () => {
  const v0 = Buffer.from([0, 0, 0, 1, 0, 1, 0x74, 0, 0, 0, 1, 0, 0, 0, 5]);
  assert.deepEqual(decodeStickyUserData(v0), { partitions: [{ topic: 't', partition: 5 }], generation: -1 });
  assert.deepEqual(decodeStickyUserData(Buffer.from([0, 0, 0, 9, 1])), { partitions: [], generation: -1 });
});

test('StickyAssignorUserData round-trips', () => {
  const partitions = fc.array(fc.record({ topic: fc.constantFrom('a', 'b', 'topic-c'), partition: fc.nat(1000) }), { maxLength: 20 });
  fc.assert(fc.property(partitions, fc.integer({ min: -1, max: 2 ** 31 - 1 }), (list, generation) => {
    // Encoding groups by topic, so compare per topic in first-seen order.
    const byTopic = [...new Set(list.map((p) => p.topic))].flatMap((t) => list.filter((p) => p.topic === t)).map((p) => ({ ...p }));
    assert.deepEqual(decodeStickyUserData(encodeStickyUserData({ partitions: list, generation })), { partitions: byTopic, generation });
  }));
});

test('StickyAssignorUserData decoding never throws and never claims more partitions than the bytes hold', () => {
  const valid = encodeStickyUserData({ partitions: [{ topic: 'x', partition: 2 }, { topic: 'y', partition: 4 }], generation: 3 });
  const mutated = fc.array(fc.record({ at: fc.nat(valid.length - 1), byte: fc.nat(255) }), { maxLength: 4 })
    .map((edits) => { const b = Buffer.from(valid); for (const e of edits) b[e.at] = e.byte; return b; });
  fc.assert(fc.property(fc.oneof(fc.uint8Array({ maxLength: 64 }).map((a) => Buffer.from(a)), mutated), (bytes) => {
    const decoded = decodeStickyUserData(bytes);
    assert.ok(decoded.partitions.length * 4 <= bytes.length);
  }), { numRuns: 2000 });
});

test("CooperativeStickyAssignor userData is Java's single int32 generation", () => {
  assert.deepEqual(encodeCooperativeUserData(5), Buffer.from([0, 0, 0, 5]));
  assert.equal(decodeCooperativeUserData(encodeCooperativeUserData(-1)), -1);
  assert.equal(decodeCooperativeUserData(null), -1);
  assert.equal(decodeCooperativeUserData(Buffer.from([1])), -1);
});
