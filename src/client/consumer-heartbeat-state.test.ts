import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HeartbeatState, leaveRequest, type HeartbeatMember } from './consumer-heartbeat-state.ts';

const member = (over: Partial<HeartbeatMember> = {}): HeartbeatMember => ({
  groupId: 'g', memberId: '', memberEpoch: 0, instanceId: null, rackId: null, rebalanceTimeoutMs: 300_000,
  subscribedTopicNames: ['b', 'a'], serverAssignor: 'uniform', owned: [], ...over,
});

test('a join sends everything; the next heartbeats only what changed', () => {
  const state = new HeartbeatState();
  const join = state.request(member());
  assert.deepEqual(join, {
    groupId: 'g', memberId: '', memberEpoch: 0, instanceId: null, rackId: null, rebalanceTimeoutMs: 300_000,
    subscribedTopicNames: ['a', 'b'], serverAssignor: 'uniform', topicPartitions: [],
  });
  const joined = member({ memberId: 'm', memberEpoch: 1 });
  const quiet = state.request(joined);
  assert.deepEqual([quiet.rebalanceTimeoutMs, quiet.subscribedTopicNames, quiet.serverAssignor, quiet.topicPartitions], [-1, null, null, null]);
  const resubscribed = state.request({ ...joined, subscribedTopicNames: ['a', 'b', 'c'] });
  assert.deepEqual(resubscribed.subscribedTopicNames, ['a', 'b', 'c']);
  assert.equal(resubscribed.topicPartitions, null);
});

test('owned partitions go out once after they change: the acknowledgement', () => {
  const state = new HeartbeatState();
  state.request(member());
  const owned = [{ topic: 't', partition: 1, topicId: 'id-t' }, { topic: 't', partition: 0, topicId: 'id-t' }];
  assert.equal(state.ownedChanged(owned), true);
  const ack = state.request(member({ memberId: 'm', memberEpoch: 1, owned }));
  assert.deepEqual(ack.topicPartitions, [{ topicId: 'id-t', partitions: [0, 1] }]);
  assert.equal(state.ownedChanged([...owned].reverse()), false);
  assert.equal(state.request(member({ memberId: 'm', memberEpoch: 1, owned })).topicPartitions, null);
});

test('after a failure (reset) the next heartbeat is a full one again', () => {
  const state = new HeartbeatState();
  state.request(member());
  state.request(member({ memberId: 'm', memberEpoch: 3 }));
  state.reset();
  const full = state.request(member({ memberId: 'm', memberEpoch: 3 }));
  assert.deepEqual([full.rebalanceTimeoutMs, full.subscribedTopicNames, full.serverAssignor, full.topicPartitions], [300_000, ['a', 'b'], 'uniform', []]);
});

test('a static member always names its instance id; it leaves with epoch -2, a dynamic one with -1', () => {
  const state = new HeartbeatState();
  state.request(member({ instanceId: 'i' }));
  assert.equal(state.request(member({ memberId: 'm', memberEpoch: 1, instanceId: 'i' })).instanceId, 'i');
  assert.equal(leaveRequest('g', 'm', 'i').memberEpoch, -2);
  assert.equal(leaveRequest('g', 'm', null).memberEpoch, -1);
});

test('client.rack goes with the join and with the first heartbeat after a failure, not with every one', () => {
  const state = new HeartbeatState();
  assert.equal(state.request(member({ rackId: 'rack-a' })).rackId, 'rack-a');
  const joined = member({ memberId: 'm', memberEpoch: 1, rackId: 'rack-a' });
  assert.equal(state.request(joined).rackId, null);
  state.reset();
  assert.equal(state.request(joined).rackId, 'rack-a');
  assert.equal(state.request(joined).rackId, null);
});
