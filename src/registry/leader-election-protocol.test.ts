import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  assignLeader, decodeAssignment, decodeIdentity, DUPLICATE_URLS, encodeAssignment, encodeIdentity, NO_ERROR,
  type SchemaRegistryIdentity,
} from './leader-election-protocol.ts';

const identity = (port: number, leaderEligibility = true): SchemaRegistryIdentity => ({ version: 1, host: '127.0.0.1', port, scheme: 'http', leaderEligibility });

test("identity and assignment JSON are Confluent's, and round-trip", () => {
  const me = identity(8081);
  assert.deepEqual(JSON.parse(encodeIdentity(me).toString()), { version: 1, host: '127.0.0.1', port: 8081, scheme: 'http', leader_eligibility: true });
  assert.deepEqual(decodeIdentity(encodeIdentity(me)), me);
  const assignment = { version: 1, error: NO_ERROR, leader: 'sr-1-abc', leaderIdentity: me };
  assert.deepEqual(JSON.parse(encodeAssignment(assignment).toString()), {
    version: 1, error: 0, leader: 'sr-1-abc', leader_identity: { version: 1, host: '127.0.0.1', port: 8081, scheme: 'http', leader_eligibility: true },
  });
  assert.deepEqual(decodeAssignment(encodeAssignment(assignment)), assignment);
});

test('older registries\' "master" spelling is read; unreadable metadata names no one', () => {
  const old = Buffer.from('{"version":1,"error":0,"master":"m-1","master_identity":{"version":1,"host":"h","port":1,"scheme":"http","master_eligibility":false}}');
  assert.deepEqual(decodeAssignment(old), { version: 1, error: 0, leader: 'm-1', leaderIdentity: { version: 1, host: 'h', port: 1, scheme: 'http', leaderEligibility: false } });
  for (const bytes of [null, Buffer.alloc(0), Buffer.from('not json'), Buffer.from('[]'), Buffer.from('{"host":3}')]) {
    assert.equal(decodeIdentity(bytes), null);
    assert.equal(decodeAssignment(bytes).leader, null);
  }
});

test('the leader is the eligible member with the smallest URL, whatever the member ids; every member gets the same assignment', () => {
  const members = [
    { memberId: 'a', metadata: encodeIdentity(identity(8083)) },
    { memberId: 'b', metadata: encodeIdentity(identity(8081, false)) },
    { memberId: 'c', metadata: encodeIdentity(identity(8082)) },
  ];
  const assigned = assignLeader(members);
  assert.deepEqual(assigned.map((a) => a.memberId), ['a', 'b', 'c']);
  for (const { assignment } of assigned) assert.deepEqual(decodeAssignment(assignment), { version: 1, error: NO_ERROR, leader: 'c', leaderIdentity: identity(8082) });
});

test('no eligible member: no leader; two members with one URL: DUPLICATE_URLS', () => {
  const none = decodeAssignment(assignLeader([{ memberId: 'a', metadata: encodeIdentity(identity(1, false)) }])[0]!.assignment);
  assert.deepEqual(none, { version: 1, error: NO_ERROR, leader: null, leaderIdentity: null });
  const twins = decodeAssignment(assignLeader([
    { memberId: 'a', metadata: encodeIdentity(identity(1)) }, { memberId: 'b', metadata: encodeIdentity(identity(1)) },
  ])[0]!.assignment);
  // As Confluent's: the error is set and the members refuse the assignment (LeaderElector).
  assert.equal(twins.error, DUPLICATE_URLS);
});

test('fuzz: random and mutated metadata decodes to an identity or null, an assignment or none, never a throw', () => {
  const seed = encodeAssignment({ version: 1, error: NO_ERROR, leader: 'm', leaderIdentity: identity(8081) });
  let state = 0x2545f491;
  const random = (n: number): number => {
    state ^= state << 13; state ^= state >>> 17; state ^= state << 5;
    return (state >>> 0) % n;
  };
  for (let i = 0; i < 2_000; i++) {
    const bytes = i % 2 === 0 ? Buffer.from(seed) : Buffer.from(Array.from({ length: random(64) }, () => random(256)));
    for (let flips = random(4); flips >= 0 && bytes.length > 0; flips--) bytes[random(bytes.length)] = random(256);
    const assignment = decodeAssignment(bytes);
    assert.ok(assignment.leader === null || typeof assignment.leader === 'string');
    const decoded = decodeIdentity(bytes);
    assert.ok(decoded === null || typeof decoded.host === 'string');
    assert.doesNotThrow(() => assignLeader([{ memberId: 'x', metadata: bytes }]));
  }
});
