import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode } from '../../../protocol/errors.ts';
import type { ConsumerGroupHeartbeatResponse } from '../../../protocol/generated/consumer-group-heartbeat.ts';
import { ConsumerGroupHarness } from './consumer-group-test-harness.ts';
import { ConsumerGroup } from './consumer-group.ts';

type Owned = Array<{ topicId: string; partitions: number[] }>;

function owned(response: ConsumerGroupHeartbeatResponse): Owned {
  return (response.assignment?.topicPartitions ?? []).map(({ topicId, partitions }) => ({ topicId, partitions: [...partitions] }));
}

function count(assignment: Owned): number {
  return assignment.reduce((n, t) => n + t.partitions.length, 0);
}

/** A consumer as the protocol expects one to behave: full requests, acknowledging what it was given. */
class Consumer {
  readonly h: ConsumerGroupHarness;
  memberId = '';
  memberEpoch = 0;
  assignment: Owned = [];
  last!: ConsumerGroupHeartbeatResponse;
  readonly instanceId: string | null;

  constructor(h: ConsumerGroupHarness, instanceId: string | null = null) {
    this.h = h;
    this.instanceId = instanceId;
  }

  heartbeat(topics = ['T']): ConsumerGroupHeartbeatResponse {
    this.last = this.h.heartbeat({
      groupId: 'g', memberId: this.memberId, memberEpoch: this.memberEpoch, instanceId: this.instanceId, rebalanceTimeoutMs: 30_000,
      subscribedTopicNames: topics, topicPartitions: this.memberEpoch === 0 ? [] : this.assignment,
    });
    if (this.last.errorCode === ErrorCode.NONE) {
      this.memberId = this.last.memberId ?? this.memberId;
      this.memberEpoch = this.last.memberEpoch;
      if (this.last.assignment !== null) this.assignment = owned(this.last);
    }
    return this.last;
  }
}

function settle(consumers: Consumer[], rounds = 6): void {
  for (let i = 0; i < rounds; i++) for (const c of consumers) c.heartbeat();
}

function group(h: ConsumerGroupHarness): ConsumerGroup {
  return h.groups.get('g') as ConsumerGroup;
}

test('three members on a 6-partition topic get two partitions each; the group is Stable', () => {
  const h = new ConsumerGroupHarness();
  h.createTopic('T', 6);
  const consumers = [new Consumer(h), new Consumer(h), new Consumer(h)];
  const first = consumers[0]!.heartbeat();
  assert.equal(first.errorCode, ErrorCode.NONE);
  assert.equal(first.memberId, 'member-1');
  assert.equal(first.memberEpoch, 1);
  assert.equal(first.heartbeatIntervalMs, 5000);
  assert.equal(count(owned(first)), 6);
  settle(consumers);
  assert.deepEqual(consumers.map((c) => count(c.assignment)), [2, 2, 2]);
  const all = consumers.flatMap((c) => c.assignment.flatMap((t) => t.partitions)).sort();
  assert.deepEqual(all, [0, 1, 2, 3, 4, 5]);
  assert.equal(group(h).stateName(), 'Stable');
  assert.equal(group(h).groupEpoch, 3);
});

test('a fourth member: partitions are revoked from their owners before the new member gets them', () => {
  const h = new ConsumerGroupHarness();
  h.createTopic('T', 6);
  const consumers = [new Consumer(h), new Consumer(h), new Consumer(h)];
  settle(consumers);
  const fourth = new Consumer(h);
  const joined = fourth.heartbeat();
  // Its target partitions are still owned by others: it waits with nothing.
  assert.equal(count(owned(joined)), 0);
  assert.equal(group(h).stateName(), 'Reconciling');
  const revoking = consumers.map((c) => c.heartbeat());
  // One member is asked to give a partition up (2+2+1+1), keeping its epoch until it does.
  assert.equal(revoking.filter((r) => count(owned(r)) === 1).length, 1);
  assert.equal(group(h).stateName(), 'Reconciling');
  // The new member still gets nothing while the others have not acknowledged (their next heartbeat does).
  settle([...consumers, fourth]);
  assert.deepEqual([...consumers, fourth].map((c) => count(c.assignment)).sort(), [1, 1, 2, 2]);
  const all = [...consumers, fourth].flatMap((c) => c.assignment.flatMap((t) => t.partitions)).sort();
  assert.deepEqual(all, [0, 1, 2, 3, 4, 5]);
  assert.equal(group(h).stateName(), 'Stable');
});

test('no partition is ever owned by two members during a rebalance', () => {
  const h = new ConsumerGroupHarness();
  h.createTopic('T', 7);
  const consumers = [new Consumer(h), new Consumer(h)];
  settle(consumers);
  for (let round = 0; round < 4; round++) {
    consumers.push(new Consumer(h));
    for (let i = 0; i < 8; i++) {
      for (const c of consumers) {
        c.heartbeat();
        const seen = consumers.flatMap((x) => x.assignment.flatMap((t) => t.partitions));
        assert.equal(new Set(seen).size, seen.length, `overlap ${seen}`);
      }
    }
  }
  assert.deepEqual(consumers.map((c) => count(c.assignment)).sort(), [1, 1, 1, 1, 1, 2]);
});

test('session expiry fences a silent member; the others take its partitions', () => {
  const h = new ConsumerGroupHarness();
  h.createTopic('T', 6);
  const consumers = [new Consumer(h), new Consumer(h), new Consumer(h)];
  settle(consumers);
  const epochBefore = group(h).groupEpoch;
  for (let i = 0; i < 10; i++) {
    h.advance(5000);
    consumers[0]!.heartbeat();
    consumers[1]!.heartbeat();
  }
  assert.equal(group(h).members.size, 2);
  assert.equal(group(h).groupEpoch, epochBefore + 1);
  assert.deepEqual(consumers.slice(0, 2).map((c) => count(c.assignment)), [3, 3]);
  assert.equal(consumers[2]!.heartbeat().errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
});

test('leave: the member is removed at once and the group epoch bumped; the last leaving makes it Empty', () => {
  const h = new ConsumerGroupHarness();
  h.createTopic('T', 4);
  const [a, b] = [new Consumer(h), new Consumer(h)];
  settle([a, b]);
  const left = h.heartbeat({ groupId: 'g', memberId: a.memberId, memberEpoch: -1 });
  assert.equal(left.errorCode, ErrorCode.NONE);
  assert.equal(left.memberEpoch, -1);
  settle([b], 3);
  assert.equal(count(b.assignment), 4);
  h.heartbeat({ groupId: 'g', memberId: b.memberId, memberEpoch: -1 });
  assert.equal(group(h).stateName(), 'Empty');
  assert.equal(h.isScheduled(`consumer-session-timeout-g-${b.memberId}`), false);
});

test('static member: a temporary leave (-2) keeps its partitions; its restart takes them back without moving the others', () => {
  const h = new ConsumerGroupHarness();
  h.createTopic('T', 6);
  const s = new Consumer(h, 'instance-1');
  const others = [new Consumer(h), new Consumer(h)];
  settle([s, ...others]);
  const mine = s.assignment;
  const theirs = others.map((c) => c.assignment);
  const epoch = group(h).groupEpoch;
  assert.equal(h.heartbeat({ groupId: 'g', memberId: s.memberId, memberEpoch: -2, instanceId: 'instance-1' }).memberEpoch, -2);
  settle(others, 2);
  const restarted = new Consumer(h, 'instance-1');
  const rejoin = restarted.heartbeat();
  assert.equal(rejoin.errorCode, ErrorCode.NONE);
  assert.notEqual(rejoin.memberId, s.memberId);
  assert.deepEqual(owned(rejoin), mine);
  settle([restarted, ...others], 2);
  assert.deepEqual(others.map((c) => c.assignment), theirs);
  assert.equal(group(h).groupEpoch, epoch);
  assert.equal(group(h).members.size, 3);
  assert.equal(group(h).stateName(), 'Stable');
  // A second instance with the same id while the first is active is refused.
  assert.equal(new Consumer(h, 'instance-1').heartbeat().errorCode, ErrorCode.UNRELEASED_INSTANCE_ID);
});

test('a topic created or grown after the join changes the target assignment', () => {
  const h = new ConsumerGroupHarness();
  const [a, b] = [new Consumer(h), new Consumer(h)];
  a.heartbeat(['T']);
  b.heartbeat(['T']);
  assert.equal(count(a.assignment) + count(b.assignment), 0);
  h.createTopic('T', 2);
  settle([a, b]);
  assert.deepEqual([count(a.assignment), count(b.assignment)], [1, 1]);
  h.topics.get('T')!.partitions = 6;
  settle([a, b]);
  assert.deepEqual([count(a.assignment), count(b.assignment)], [3, 3]);
});

test('errors: fenced epochs, unknown members, bad requests, assignors, group size, classic groups', () => {
  const h = new ConsumerGroupHarness({ 'group.consumer.max.size': 2 });
  h.createTopic('T', 2);
  const a = new Consumer(h);
  a.heartbeat();
  const hb = (fields: object) => h.heartbeat({ groupId: 'g', memberId: a.memberId, memberEpoch: a.memberEpoch, ...fields }).errorCode;
  assert.equal(hb({ memberEpoch: a.memberEpoch + 1 }), ErrorCode.FENCED_MEMBER_EPOCH);
  assert.equal(hb({ memberId: 'nobody' }), ErrorCode.UNKNOWN_MEMBER_ID);
  assert.equal(hb({ memberEpoch: 0, memberId: '', rebalanceTimeoutMs: -1, subscribedTopicNames: ['T'], topicPartitions: [] }), ErrorCode.INVALID_REQUEST);
  assert.equal(hb({ memberEpoch: 0, memberId: '', rebalanceTimeoutMs: 1, subscribedTopicNames: [], topicPartitions: [] }), ErrorCode.INVALID_REQUEST);
  assert.equal(hb({ memberEpoch: 0, memberId: '', rebalanceTimeoutMs: 1, subscribedTopicNames: ['T'], topicPartitions: null }), ErrorCode.INVALID_REQUEST);
  assert.equal(hb({ memberEpoch: -3 }), ErrorCode.INVALID_REQUEST);
  assert.equal(hb({ memberId: '' }), ErrorCode.INVALID_REQUEST);
  assert.equal(hb({ groupId: '' }), ErrorCode.INVALID_REQUEST);
  assert.equal(hb({ subscribedTopicRegex: 'T.*' }), ErrorCode.INVALID_REQUEST);
  assert.equal(hb({ serverAssignor: 'sticky' }), ErrorCode.UNSUPPORTED_ASSIGNOR);
  assert.equal(hb({ groupId: 'other' }), ErrorCode.GROUP_ID_NOT_FOUND);
  assert.equal(hb({ memberEpoch: -2, instanceId: 'x' }), ErrorCode.UNKNOWN_MEMBER_ID);
  new Consumer(h).heartbeat();
  assert.equal(new Consumer(h).heartbeat().errorCode, ErrorCode.GROUP_MAX_SIZE_REACHED);
  // The previous epoch is accepted while the member owns nothing it should not (a lost response).
  const before = a.memberEpoch;
  a.heartbeat();
  if (a.memberEpoch !== before) assert.equal(hb({ memberEpoch: before, topicPartitions: [] }), ErrorCode.NONE);

  const fakeClassic = (empty: boolean) => ({ groupId: 'c', type: 'classic' as const, isEmpty: () => empty } as never);
  h.groups.set('c', fakeClassic(false));
  const join = { groupId: 'c', memberEpoch: 0, rebalanceTimeoutMs: 1000, subscribedTopicNames: ['T'], topicPartitions: [] };
  assert.equal(h.heartbeat(join).errorCode, ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
  assert.equal(h.heartbeat({ ...join, memberEpoch: 1, memberId: 'm' }).errorCode, ErrorCode.GROUP_ID_NOT_FOUND);
  h.groups.set('c', fakeClassic(true));
  const converted = h.heartbeat(join);
  assert.equal(converted.errorCode, ErrorCode.NONE);
  assert.ok(h.groups.get('c') instanceof ConsumerGroup);
});

test('validateOffsetCommit: epoch checks as Kafka (STALE_MEMBER_EPOCH, UNKNOWN_MEMBER_ID, v9+)', () => {
  const h = new ConsumerGroupHarness();
  h.createTopic('T', 2);
  const a = new Consumer(h);
  a.heartbeat();
  const g = group(h);
  assert.doesNotThrow(() => g.validateOffsetCommit(a.memberId, null, a.memberEpoch, false, 9));
  assert.throws(() => g.validateOffsetCommit(a.memberId, null, a.memberEpoch - 1, false, 9), { code: ErrorCode.STALE_MEMBER_EPOCH });
  assert.throws(() => g.validateOffsetCommit('x', null, 1, false, 9), { code: ErrorCode.UNKNOWN_MEMBER_ID });
  assert.throws(() => g.validateOffsetCommit(a.memberId, null, a.memberEpoch, false, 8), { code: ErrorCode.UNSUPPORTED_VERSION });
  assert.throws(() => g.validateOffsetCommit('', null, -1, false, 9), { code: ErrorCode.UNKNOWN_MEMBER_ID });
  assert.throws(() => g.validateDeleteGroup(), { code: ErrorCode.NON_EMPTY_GROUP });
  assert.equal(g.isSubscribedToTopic('T'), true);
});

test('ConsumerGroupDescribe shows members with current and target assignments', () => {
  const h = new ConsumerGroupHarness();
  h.createTopic('T', 2);
  const a = new Consumer(h);
  a.heartbeat();
  const [described, missing] = h.manager.describe(['g', 'nope']);
  assert.equal(described!.groupState, 'Stable');
  assert.equal(described!.assignorName, 'uniform');
  assert.equal(described!.members[0]!.memberId, a.memberId);
  assert.deepEqual(described!.members[0]!.assignment.topicPartitions[0]!.partitions, [0, 1]);
  assert.equal(described!.members[0]!.targetAssignment.topicPartitions[0]!.topicName, 'T');
  assert.equal(missing!.errorCode, ErrorCode.GROUP_ID_NOT_FOUND);
});

test('rebalance timeout: a member that does not give up revoked partitions in time is fenced', () => {
  const h = new ConsumerGroupHarness();
  h.createTopic('T', 4);
  const [a, b] = [new Consumer(h), new Consumer(h)];
  settle([a]);
  assert.equal(count(a.assignment), 4);
  const kept = a.assignment;
  b.heartbeat();
  const revoking = h.heartbeat({ groupId: 'g', memberId: a.memberId, memberEpoch: a.memberEpoch, topicPartitions: kept });
  assert.equal(count(owned(revoking)), 2);
  assert.equal(group(h).members.get(a.memberId)!.state, 1);
  for (let elapsed = 0; elapsed < 30_000; elapsed += 5000) {
    h.advance(5000);
    // a keeps claiming all four; b keeps heartbeating and waits for the unreleased ones.
    h.heartbeat({ groupId: 'g', memberId: a.memberId, memberEpoch: a.memberEpoch, topicPartitions: kept });
    b.heartbeat();
    if (!group(h).members.has(a.memberId)) break;
  }
  assert.equal(group(h).members.has(a.memberId), false);
  settle([b], 3);
  assert.equal(count(b.assignment), 4);
});
