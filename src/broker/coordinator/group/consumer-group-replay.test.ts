import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ErrorCode } from '../../../protocol/errors.ts';
import { ConsumerGroupHarness } from './consumer-group-test-harness.ts';
import { ConsumerGroup } from './consumer-group.ts';

interface Client { memberId: string; memberEpoch: number; instanceId: string | null; owned: Array<{ topicId: string; partitions: number[] }>; topics: string[] }

/** Everything replay must rebuild, in a comparable form. */
function snapshot(h: ConsumerGroupHarness): unknown {
  const groups = [...h.groups].filter(([, g]) => g instanceof ConsumerGroup).sort(([a], [b]) => (a < b ? -1 : 1));
  return groups.map(([id, g]) => {
    const group = g as ConsumerGroup;
    const sortAssignment = (a: ReadonlyMap<string, ReadonlySet<number>>) => [...a].map(([t, ps]) => [t, [...ps].sort()]).sort();
    const partitionEpochs = [...h.topics.values()].flatMap(({ id: topicId, partitions }) =>
      Array.from({ length: partitions }, (_, p) => group.currentPartitionEpoch(topicId, p)));
    return {
      id, state: group.stateName(), groupEpoch: group.groupEpoch, assignmentEpoch: group.assignmentEpoch,
      subscriptionMetadata: [...group.subscriptionMetadata].sort(),
      staticMembers: [...group.staticMembers].sort(),
      target: [...group.targetAssignment].map(([m, a]) => [m, sortAssignment(a)]).sort(),
      members: [...group.members.values()].map((m) => ({
        ...m, assignedPartitions: sortAssignment(m.assignedPartitions), partitionsPendingRevocation: sortAssignment(m.partitionsPendingRevocation),
      })).sort((a, b) => (a.memberId < b.memberId ? -1 : 1)),
      partitionEpochs,
    };
  });
}

const action = fc.oneof(
  fc.record({ kind: fc.constant('join' as const), topics: fc.subarray(['A', 'B'], { minLength: 1 }), static: fc.boolean() }),
  fc.record({ kind: fc.constant('heartbeat' as const), who: fc.nat() }),
  fc.record({ kind: fc.constant('leave' as const), who: fc.nat(), temporary: fc.boolean() }),
  fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 1000, max: 50_000 }) }),
  fc.record({ kind: fc.constant('grow' as const), topic: fc.constantFrom('A', 'B'), by: fc.integer({ min: 1, max: 3 }) }),
);

test('property: replaying the records of a random history rebuilds the live state; no partition has two owners', () => {
  fc.assert(fc.property(fc.array(action, { minLength: 1, maxLength: 60 }), (actions) => {
    const h = new ConsumerGroupHarness();
    h.createTopic('A', 3);
    const clients: Client[] = [];
    let instances = 0;
    const send = (c: Client) => {
      const r = h.heartbeat({
        groupId: 'g', memberId: c.memberId, memberEpoch: c.memberEpoch, instanceId: c.instanceId, rebalanceTimeoutMs: 20_000,
        subscribedTopicNames: c.topics, topicPartitions: c.memberEpoch === 0 ? [] : c.owned,
      });
      if (r.errorCode === ErrorCode.NONE) {
        c.memberId = r.memberId ?? c.memberId;
        c.memberEpoch = r.memberEpoch;
        if (r.assignment !== null) c.owned = r.assignment.topicPartitions.map((t) => ({ topicId: t.topicId, partitions: [...t.partitions] }));
      } else if (r.errorCode === ErrorCode.FENCED_MEMBER_EPOCH || r.errorCode === ErrorCode.UNKNOWN_MEMBER_ID) {
        c.memberId = c.instanceId === null ? '' : c.memberId;
        c.memberEpoch = 0;
        c.owned = [];
        if (c.instanceId !== null) c.memberId = '';
      }
    };
    for (const a of actions) {
      if (a.kind === 'join') {
        const c: Client = { memberId: '', memberEpoch: 0, instanceId: a.static ? `i${instances++ % 3}` : null, owned: [], topics: a.topics };
        clients.push(c);
        send(c);
      } else if (a.kind === 'heartbeat' && clients.length > 0) {
        send(clients[a.who % clients.length]!);
      } else if (a.kind === 'leave' && clients.length > 0) {
        const c = clients.splice(a.who % clients.length, 1)[0]!;
        if (c.memberEpoch > 0) {
          h.heartbeat({ groupId: 'g', memberId: c.memberId, memberEpoch: a.temporary && c.instanceId !== null ? -2 : -1, instanceId: c.instanceId });
        }
      } else if (a.kind === 'advance') {
        h.advance(a.ms);
      } else if (a.kind === 'grow') {
        if (!h.topics.has(a.topic)) h.createTopic(a.topic, a.by);
        else h.topics.get(a.topic)!.partitions += a.by;
      }
      const group = h.groups.get('g') as ConsumerGroup | undefined;
      if (group !== undefined) {
        const seen = new Set<string>();
        for (const m of group.members.values()) {
          for (const assignment of [m.assignedPartitions, m.partitionsPendingRevocation]) {
            for (const [t, ps] of assignment) for (const p of ps) {
              assert.ok(!seen.has(`${t}:${p}`), `${t}:${p} owned twice`);
              seen.add(`${t}:${p}`);
            }
          }
        }
      }
    }
    const rebuilt = new ConsumerGroupHarness();
    for (const [name, topic] of h.topics) rebuilt.topics.set(name, { ...topic });
    rebuilt.apply(h.log);
    assert.deepEqual(snapshot(rebuilt), snapshot(h));
  }), { numRuns: 200 });
});

test('deleting an empty group: its tombstones leave nothing behind', () => {
  const h = new ConsumerGroupHarness();
  h.createTopic('A', 2);
  const r = h.heartbeat({ groupId: 'g', memberEpoch: 0, rebalanceTimeoutMs: 1000, subscribedTopicNames: ['A'], topicPartitions: [] });
  h.heartbeat({ groupId: 'g', memberId: r.memberId!, memberEpoch: -1 });
  assert.equal(h.groups.get('g')!.stateName(), 'Empty');
  h.apply(h.manager.groupTombstones('g'));
  assert.equal(h.groups.has('g'), false);
  const rebuilt = new ConsumerGroupHarness();
  rebuilt.apply(h.log);
  assert.equal(rebuilt.groups.has('g'), false);
});
