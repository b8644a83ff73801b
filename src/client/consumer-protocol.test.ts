import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { ASSIGNMENT_VERSION, decodeAssignment, decodeSubscription, encodeAssignment, encodeSubscription } from './consumer-protocol.ts';

// KafkaJS's own codec for the "consumer" protocol: mixed groups exchange these bytes through the coordinator.
const require = createRequire(import.meta.url);
interface KafkaJsAssignerProtocol {
  MemberMetadata: {
    encode(value: { version: number; topics: string[]; userData?: Buffer }): Buffer;
    decode(bytes: Buffer): { version: number; topics: string[]; userData: Buffer | null };
  };
  MemberAssignment: {
    encode(value: { version: number; assignment: Record<string, number[]>; userData?: Buffer }): Buffer;
    decode(bytes: Buffer): { version: number; assignment: Record<string, number[]>; userData: Buffer | null } | null;
  };
}
const kafkajs = require('kafkajs/src/consumer/assignerProtocol.js') as KafkaJsAssignerProtocol;

test('an assignment starts with its int16 version, and our decoder reads it back', () => {
  const bytes = encodeAssignment({ assignedPartitions: [{ topic: 't', partitions: [0, 2] }], userData: null });
  assert.equal(bytes.readInt16BE(0), ASSIGNMENT_VERSION);
  assert.deepEqual(decodeAssignment(bytes), { assignedPartitions: [{ topic: 't', partitions: [0, 2] }], userData: null });
  assert.deepEqual(decodeAssignment(Buffer.alloc(0)), { assignedPartitions: [], userData: null });
});

test('KafkaJS reads the assignment our leader encodes', () => {
  const bytes = encodeAssignment({ assignedPartitions: [{ topic: 'a', partitions: [1, 3] }, { topic: 'b', partitions: [0] }], userData: null });
  const decoded = kafkajs.MemberAssignment.decode(bytes);
  assert.deepEqual(decoded?.assignment, { a: [1, 3], b: [0] });
});

test('we read the assignment a KafkaJS leader encodes (version 0)', () => {
  const bytes = kafkajs.MemberAssignment.encode({ version: 0, assignment: { mixed: [0, 2] } });
  assert.deepEqual(decodeAssignment(bytes).assignedPartitions, [{ topic: 'mixed', partitions: [0, 2] }]);
});

test('subscriptions cross both ways: KafkaJS reads our v3 topics, we read its v0 metadata', () => {
  const ours = encodeSubscription({ topics: ['x', 'y'], userData: null, ownedPartitions: [{ topic: 'x', partitions: [1] }], generationId: 4, rackId: null });
  assert.deepEqual(kafkajs.MemberMetadata.decode(ours).topics, ['x', 'y']);
  const theirs = kafkajs.MemberMetadata.encode({ version: 0, topics: ['mixed'] });
  const decoded = decodeSubscription(theirs);
  assert.deepEqual(decoded.topics, ['mixed']);
  assert.deepEqual(decoded.ownedPartitions ?? [], []);
});
