import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, parseBrokerConfig } from '../config.ts';
import { compareCaughtUp, RACK_AWARE_REPLICA_SELECTOR, rackAwareReplicaSelector, replicaSelectorFor, type ClientMetadata, type ReplicaView } from './replica-selector.ts';
import { findPreferredReadReplica, type LedPartition } from './preferred-read-replica.ts';
import { emptyReplicaState, type ReplicaState } from './replica-state.ts';

function client(rackId: string): ClientMetadata {
  return { rackId, clientId: 'c', listenerName: 'PLAINTEXT' };
}

function replica(brokerId: number, rack: string | null, logEndOffset = 100, timeSinceLastCaughtUpMs = 0): ReplicaView {
  return { brokerId, rack, logEndOffset, timeSinceLastCaughtUpMs };
}

const leader = replica(1, 'a');

test('a consumer without a rack, or in a rack no replica stands in, reads from the leader', () => {
  const partition = { leader, replicas: [leader, replica(2, 'b'), replica(3, 'c')] };
  assert.equal(rackAwareReplicaSelector.select(client(''), partition), leader);
  assert.equal(rackAwareReplicaSelector.select(client('z'), partition), leader);
});

test('a consumer in the leader\'s rack reads from the leader even when a follower there is as caught up', () => {
  const partition = { leader, replicas: [replica(2, 'a', 100), leader, replica(3, 'b')] };
  assert.equal(rackAwareReplicaSelector.select(client('a'), partition), leader);
});

test('otherwise the most caught-up replica in the consumer\'s rack: log end offset, then the latest caught up, then the broker id', () => {
  const behind = replica(2, 'b', 90);
  const ahead = replica(3, 'b', 95);
  assert.equal(rackAwareReplicaSelector.select(client('b'), { leader, replicas: [leader, behind, ahead] }), ahead);
  const lately = replica(4, 'b', 95, 10);
  const longAgo = replica(5, 'b', 95, 500);
  assert.equal(rackAwareReplicaSelector.select(client('b'), { leader, replicas: [leader, longAgo, lately] }), lately);
  assert.ok(compareCaughtUp(replica(7, 'b'), replica(6, 'b')) > 0, 'a full tie goes to the larger broker id, whatever the order given');
  assert.equal(rackAwareReplicaSelector.select(client('b'), { leader, replicas: [leader, replica(7, 'b'), replica(6, 'b')] })?.brokerId, 7);
  assert.equal(rackAwareReplicaSelector.select(client('b'), { leader, replicas: [leader, replica(6, 'b'), replica(7, 'b')] })?.brokerId, 7);
});

test('replica.selector.class takes Kafka\'s class name and refuses classes Samsa does not have', () => {
  assert.equal(parseBrokerConfig({}).replicaSelectorClass, null);
  assert.equal(replicaSelectorFor(null), undefined);
  const config = parseBrokerConfig({ 'replica.selector.class': RACK_AWARE_REPLICA_SELECTOR });
  assert.equal(replicaSelectorFor(config.replicaSelectorClass), rackAwareReplicaSelector);
  assert.throws(() => parseBrokerConfig({ 'replica.selector.class': 'com.example.NearestReplicaSelector' }),
    (error: unknown) => error instanceof ConfigError && error.key === 'replica.selector.class');
});

/** A leader (broker 1, rack a) with followers 2 (rack b) and 3 (rack c), as their last fetches told it. */
function ledPartition(followers: readonly ReplicaState[], { isr = [1, 2, 3], isLeader = true, logEndOffset = 100 } = {}): LedPartition {
  return { isLeader, leaderId: 1, logEndOffset, isr, replication: { followers: new Map(followers.map((f) => [f.brokerId, f])) } };
}

function follower(brokerId: number, logEndOffset: number, { logStartOffset = 0, lastCaughtUpTimeMs = 1000 } = {}): ReplicaState {
  return { ...emptyReplicaState(brokerId), logEndOffset, logStartOffset, lastCaughtUpTimeMs, lastFetchTimeMs: lastCaughtUpTimeMs };
}

const RACKS: Record<number, string> = { 1: 'a', 2: 'b', 3: 'c' };
const allAlive = (id: number): string | undefined => RACKS[id];

test('the leader names the in-sync follower in the consumer\'s rack, never itself', () => {
  const partition = ledPartition([follower(2, 100), follower(3, 100)]);
  assert.equal(findPreferredReadReplica(partition, client('b'), 50, rackAwareReplicaSelector, allAlive, 2000), 2);
  assert.equal(findPreferredReadReplica(partition, client('c'), 50, rackAwareReplicaSelector, allAlive, 2000), 3);
  assert.equal(findPreferredReadReplica(partition, client('a'), 50, rackAwareReplicaSelector, allAlive, 2000), undefined);
  assert.equal(findPreferredReadReplica(partition, client(''), 50, rackAwareReplicaSelector, allAlive, 2000), undefined);
});

test('followers out of the ISR, not holding the fetch offset, or not alive on the consumer\'s listener are passed over', () => {
  const inSync = [follower(2, 100), follower(3, 100)];
  assert.equal(findPreferredReadReplica(ledPartition(inSync, { isr: [1, 3] }), client('b'), 50, rackAwareReplicaSelector, allAlive, 2000), undefined);
  assert.equal(findPreferredReadReplica(ledPartition([follower(2, 40), follower(3, 100)]), client('b'), 50, rackAwareReplicaSelector, allAlive, 2000), undefined,
    'its log ends before the offset asked');
  assert.equal(findPreferredReadReplica(ledPartition([follower(2, 100, { logStartOffset: 60 })]), client('b'), 50, rackAwareReplicaSelector, allAlive, 2000), undefined,
    'its log starts after the offset asked');
  assert.equal(findPreferredReadReplica(ledPartition(inSync), client('b'), 50, rackAwareReplicaSelector, (id) => (id === 2 ? undefined : RACKS[id]), 2000), undefined);
  assert.equal(findPreferredReadReplica(ledPartition([emptyReplicaState(2)]), client('b'), 0, rackAwareReplicaSelector, allAlive, 2000), undefined,
    'a follower not heard from yet');
  assert.equal(findPreferredReadReplica(ledPartition(inSync, { isLeader: false }), client('b'), 50, rackAwareReplicaSelector, allAlive, 2000), undefined,
    'only a leader sends consumers elsewhere');
});

test('two followers in the consumer\'s rack: the one with more of the log, then the one that caught up last', () => {
  const sameRack = (id: number): string | undefined => (id === 1 ? 'a' : 'b');
  assert.equal(findPreferredReadReplica(ledPartition([follower(2, 90), follower(3, 100)]), client('b'), 50, rackAwareReplicaSelector, sameRack, 2000), 3);
  assert.equal(findPreferredReadReplica(ledPartition([follower(2, 100, { lastCaughtUpTimeMs: 1900 }), follower(3, 100, { lastCaughtUpTimeMs: 1500 })]),
    client('b'), 50, rackAwareReplicaSelector, sameRack, 2000), 2);
});
