import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ASSIGNORS, assignorForProtocol, joinProtocolNames, rangeAssignor, roundRobinAssignor, type MemberSubscription } from './assignors.ts';
import type { TopicPartition } from './topic-partition.ts';

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
