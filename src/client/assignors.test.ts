import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ASSIGNORS, assignorForProtocol, joinProtocolNames, rangeAssignor, roundRobinAssignor, type MemberSubscription } from './assignors.ts';
import type { TopicPartition } from './fetcher.ts';

const member = (memberId: string, topics: string[], owned: TopicPartition[] = []): MemberSubscription =>
  ({ memberId, groupInstanceId: null, topics, ownedPartitions: owned, generationId: 1 });

test('range matches Java: consecutive ranges, the first members take the remainder', () => {
  const plan = rangeAssignor.assign(new Map([['t', 5]]), [member('b', ['t']), member('a', ['t'])]);
  assert.deepEqual(plan.get('a')!.map((p) => p.partition), [0, 1, 2]);
  assert.deepEqual(plan.get('b')!.map((p) => p.partition), [3, 4]);
});

test('roundrobin deals partitions in turn', () => {
  const plan = roundRobinAssignor.assign(new Map([['t', 4], ['u', 1]]), [member('a', ['t', 'u']), member('b', ['t', 'u'])]);
  assert.deepEqual(plan.get('a'), [{ topic: 't', partition: 0 }, { topic: 't', partition: 2 }, { topic: 'u', partition: 0 }]);
  assert.deepEqual(plan.get('b'), [{ topic: 't', partition: 1 }, { topic: 't', partition: 3 }]);
});

const scenario = fc.record({
  topics: fc.array(fc.integer({ min: 1, max: 8 }), { minLength: 1, maxLength: 4 }),
  members: fc.array(fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }), { minLength: 1, maxLength: 6 }),
});

function build(s: { topics: number[]; members: boolean[][] }) {
  const partitions = new Map(s.topics.map((count, i) => [`t${i}`, count]));
  const members = s.members.map((subs, i) => member(`m${i}`, s.topics.map((_, t) => `t${t}`).filter((_, t) => subs[t] || t === 0)));
  return { partitions, members };
}

for (const [name, assignor] of Object.entries(ASSIGNORS)) {
  test(`${name}: every subscribed partition is assigned exactly once, to a subscriber`, () => {
    fc.assert(fc.property(scenario, (s) => {
      const { partitions, members } = build(s);
      const plan = assignor.assign(partitions, members);
      const seen = new Map<string, string>();
      for (const [memberId, list] of plan) {
        for (const tp of list) {
          const key = `${tp.topic}-${tp.partition}`;
          assert.ok(!seen.has(key), `${key} twice`);
          seen.set(key, memberId);
          assert.ok(members.find((m) => m.memberId === memberId)!.topics.includes(tp.topic));
        }
      }
      let expected = 0;
      for (const [topic, count] of partitions) if (members.some((m) => m.topics.includes(topic))) expected += count;
      assert.equal(seen.size, expected);
    }), { numRuns: 300 });
  });
}

test('sticky: with the same members, every member keeps what it owned', () => {
  fc.assert(fc.property(scenario, (s) => {
    const { partitions, members } = build(s);
    const first = ASSIGNORS.sticky.assign(partitions, members);
    const again = ASSIGNORS.sticky.assign(partitions, members.map((m) => ({ ...m, ownedPartitions: first.get(m.memberId)! })));
    for (const m of members) assert.deepEqual(new Set(again.get(m.memberId)!.map((p) => `${p.topic}-${p.partition}`)), new Set(first.get(m.memberId)!.map((p) => `${p.topic}-${p.partition}`)));
  }), { numRuns: 300 });
});

test('sticky: when a member joins, the others only lose partitions, and balance is within one', () => {
  const partitions = new Map([['t', 12]]);
  const two = [member('a', ['t']), member('b', ['t'])];
  const first = ASSIGNORS.sticky.assign(partitions, two);
  const three = [...two.map((m) => ({ ...m, ownedPartitions: first.get(m.memberId)! })), member('c', ['t'])];
  const next = ASSIGNORS.sticky.assign(partitions, three);
  for (const id of ['a', 'b']) {
    const before = new Set(first.get(id)!.map((p) => p.partition));
    for (const p of next.get(id)!) assert.ok(before.has(p.partition), 'no partition moves between the old members');
  }
  assert.deepEqual([...next.values()].map((l) => l.length), [4, 4, 4]);
});

test('cooperative-sticky holds back partitions that change owner until they are revoked', () => {
  const partitions = new Map([['t', 4]]);
  const owned = [member('a', ['t'], [0, 1, 2, 3].map((partition) => ({ topic: 't', partition }))), member('b', ['t'])];
  const round1 = ASSIGNORS['cooperative-sticky'].assign(partitions, owned);
  assert.equal(round1.get('a')!.length, 2);
  assert.equal(round1.get('b')!.length, 0, 'b waits: a must revoke first');
  const round2 = ASSIGNORS['cooperative-sticky'].assign(partitions, [
    member('a', ['t'], round1.get('a')!), member('b', ['t']),
  ]);
  assert.equal(round2.get('b')!.length, 2);
});

test('JoinGroup offers our names in preference order, then the aliases other clients use', () => {
  assert.deepEqual(joinProtocolNames(['range', 'cooperative-sticky']), ['range', 'cooperative-sticky']);
  assert.deepEqual(joinProtocolNames(['roundrobin']), ['roundrobin', 'RoundRobinAssigner']);
  assert.deepEqual(joinProtocolNames(['roundrobin', 'range']), ['roundrobin', 'range', 'RoundRobinAssigner']);
});

test('the protocol the coordinator chose maps back to its assignor, by name or alias', () => {
  assert.equal(assignorForProtocol('roundrobin'), roundRobinAssignor);
  assert.equal(assignorForProtocol('RoundRobinAssigner'), roundRobinAssignor);
  assert.equal(assignorForProtocol('range'), rangeAssignor);
  assert.equal(assignorForProtocol('no-such-assignor'), undefined);
});
