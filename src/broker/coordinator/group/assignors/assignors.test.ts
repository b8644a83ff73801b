import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { UniformAssignor } from './uniform-assignor.ts';
import { RangeAssignor } from './range-assignor.ts';
import type { AssignmentGroupSpec, AssignmentMemberSpec, GroupAssignment, SubscribedTopicDescriber } from './partition-assignor.ts';

function describer(counts: Record<string, number>): SubscribedTopicDescriber {
  return { numPartitions: (topicId) => counts[topicId] ?? -1 };
}

function member(memberId: string, topics: string[], assignment: Record<string, number[]> = {}, instanceId: string | null = null): AssignmentMemberSpec {
  return {
    memberId, instanceId, rackId: null, subscribedTopicIds: new Set(topics),
    assignment: new Map(Object.entries(assignment).map(([t, ps]) => [t, new Set(ps)])),
  };
}

function spec(members: AssignmentMemberSpec[]): AssignmentGroupSpec {
  return { members: new Map(members.map((m) => [m.memberId, m])) };
}

function sizes(result: GroupAssignment): Map<string, number> {
  return new Map([...result].map(([id, a]) => [id, [...a.values()].reduce((n, s) => n + s.size, 0)]));
}

function owners(result: GroupAssignment): Map<string, string[]> {
  const byPartition = new Map<string, string[]>();
  for (const [memberId, assignment] of result) {
    for (const [topicId, partitions] of assignment) {
      for (const p of partitions) {
        const key = `${topicId}:${p}`;
        byPartition.set(key, [...(byPartition.get(key) ?? []), memberId]);
      }
    }
  }
  return byPartition;
}

test('uniform: three members on six partitions get two each; a fourth takes one from two of them', () => {
  const uniform = new UniformAssignor();
  const topics = describer({ T: 6 });
  const first = uniform.assign(spec([member('a', ['T']), member('b', ['T']), member('c', ['T'])]), topics);
  assert.deepEqual([...sizes(first).values()], [2, 2, 2]);
  const current = (id: string): Record<string, number[]> => ({ T: [...(first.get(id)!.get('T') ?? [])] });
  const second = uniform.assign(spec([member('a', ['T'], current('a')), member('b', ['T'], current('b')), member('c', ['T'], current('c')), member('d', ['T'])]), topics);
  assert.deepEqual([...sizes(second).values()].sort(), [1, 1, 2, 2]);
  // Sticky: nobody lost a partition to anyone but the new member.
  for (const id of ['a', 'b', 'c']) {
    for (const p of second.get(id)!.get('T') ?? []) assert.ok(first.get(id)!.get('T')!.has(p));
  }
});

test('range: co-partitioned topics give each member the same partition numbers', () => {
  const result = new RangeAssignor().assign(spec([member('m2', ['A', 'B']), member('m1', ['A', 'B'])]), describer({ A: 3, B: 3 }));
  assert.deepEqual([...result.get('m1')!.get('A')!], [0, 1]);
  assert.deepEqual([...result.get('m1')!.get('B')!], [0, 1]);
  assert.deepEqual([...result.get('m2')!.get('A')!], [2]);
  assert.deepEqual([...result.get('m2')!.get('B')!], [2]);
});

test('assignors skip unknown topics and keep members without subscriptions empty', () => {
  for (const assignor of [new UniformAssignor(), new RangeAssignor()]) {
    const result = assignor.assign(spec([member('a', ['missing']), member('b', ['T'])]), describer({ T: 2 }));
    assert.equal(result.get('a')!.size, 0);
    assert.deepEqual([...result.get('b')!.get('T')!].sort(), [0, 1]);
  }
});

const groupArbitrary = fc.record({
  topics: fc.dictionary(fc.constantFrom('t1', 't2', 't3', 't4'), fc.integer({ min: 0, max: 12 }), { minKeys: 1 }),
  members: fc.uniqueArray(fc.string({ minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 8 }),
  heterogeneous: fc.boolean(),
  seed: fc.array(fc.nat(), { minLength: 64, maxLength: 64 }),
});

test('property: every subscribed partition is assigned exactly once, to a subscriber; uniform is balanced and sticky', () => {
  fc.assert(fc.property(groupArbitrary, ({ topics, members, heterogeneous, seed }) => {
    const topicIds = Object.keys(topics);
    const pick = (i: number): number => seed[i % seed.length]!;
    const subs = members.map((id, i) => heterogeneous ? topicIds.filter((_, j) => (pick(i + j) & 1) === 1 || j === 0) : topicIds);
    // A random (possibly overlapping, possibly stale) current assignment exercises stickiness.
    const current = members.map((_, i) => Object.fromEntries(topicIds.map((t, j) => [t, [pick(i * 3 + j) % 14, pick(i * 5 + j) % 14]])));
    const group = spec(members.map((id, i) => member(id, subs[i]!, current[i])));
    const describe = describer(topics);
    for (const assignor of [new UniformAssignor(), new RangeAssignor()]) {
      const result = assignor.assign(group, describe);
      const byPartition = owners(result);
      for (const [t, n] of Object.entries(topics)) {
        const subscribed = members.filter((_, i) => subs[i]!.includes(t));
        for (let p = 0; p < n; p++) {
          const o = byPartition.get(`${t}:${p}`) ?? [];
          if (subscribed.length === 0) assert.equal(o.length, 0);
          else {
            assert.equal(o.length, 1, `${assignor.name} ${t}:${p} owners ${o}`);
            assert.ok(subscribed.includes(o[0]!));
          }
        }
      }
      assert.equal([...byPartition.keys()].length, [...byPartition.keys()].filter((k) => { const [t, p] = k.split(':'); return Number(p) < topics[t!]!; }).length);
      if (assignor.name === 'uniform' && !heterogeneous) {
        const s = [...sizes(result).values()];
        assert.ok(Math.max(...s) - Math.min(...s) <= 1, `sizes ${s}`);
      }
    }
    // Stability: assigning again from the uniform result changes nothing.
    const uniform = new UniformAssignor();
    const once = uniform.assign(group, describe);
    const again = uniform.assign(spec(members.map((id, i) => ({ ...member(id, subs[i]!), assignment: once.get(id)! }))), describe);
    assert.deepEqual(owners(again), owners(once));
  }), { numRuns: 300 });
});
