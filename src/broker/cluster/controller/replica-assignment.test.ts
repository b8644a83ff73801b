import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { ErrorCode, KafkaError } from '../../../protocol/errors.ts';
import {
  AdminOperationError, assignReplicasToBrokers, newPartitionsAssignment, rackAlternatedBrokerList, type BrokerMetadata,
} from './replica-assignment.ts';

const noRacks = (...ids: number[]): BrokerMetadata[] => ids.map((id) => ({ id, rack: null }));
const fixedStart = { random: () => 0 };
const kafkaError = (code: number, message?: string) => (error: unknown) =>
  error instanceof KafkaError && error.code === code && (message === undefined || error.message === message);

/** A random source that replays the given draws (then zeros), counting how many were taken. */
function replay(draws: readonly number[]): { random: () => number; taken: () => number } {
  let next = 0;
  return { random: () => draws[next++] ?? 0, taken: () => next };
}

test("Kafka's documented example: 5 brokers, 10 partitions, RF 3, start 0: leaders round robin, followers shift after each round", () => {
  assert.deepEqual(Object.fromEntries(assignReplicasToBrokers(noRacks(0, 1, 2, 3, 4), 10, 3, fixedStart)), {
    0: [0, 1, 2], 1: [1, 2, 3], 2: [2, 3, 4], 3: [3, 4, 0], 4: [4, 0, 1],
    5: [0, 2, 3], 6: [1, 3, 4], 7: [2, 4, 0], 8: [3, 0, 1], 9: [4, 1, 2],
  });
});

test('the random source picks the start index, then the follower shift; brokers are taken in id order', () => {
  const source = replay([0.4, 0.2]);
  // Brokers sorted: 10, 20, 30, 40, 50. Start index floor(0.4 * 5) = 2, shift floor(0.2 * 5) = 1.
  const assignment = assignReplicasToBrokers(noRacks(50, 10, 40, 20, 30), 2, 2, { random: source.random });
  assert.equal(source.taken(), 2);
  assert.deepEqual(Object.fromEntries(assignment), { 0: [30, 50], 1: [40, 10] });
});

test("rack-aware: Kafka's example, brokers alternate racks and partition 6 shifts its followers", () => {
  const racks: Record<number, string> = { 0: 'rack1', 1: 'rack3', 2: 'rack3', 3: 'rack2', 4: 'rack2', 5: 'rack1' };
  const brokers = Object.entries(racks).map(([id, rack]) => ({ id: Number(id), rack }));
  assert.deepEqual(rackAlternatedBrokerList(brokers), [0, 3, 1, 5, 4, 2]);
  assert.deepEqual(Object.fromEntries(assignReplicasToBrokers(brokers, 7, 3, fixedStart)), {
    0: [0, 3, 1], 1: [3, 1, 5], 2: [1, 5, 4], 3: [5, 4, 2], 4: [4, 2, 0], 5: [2, 0, 3], 6: [0, 4, 2],
  });
});

test('the rack-alternated list takes racks in name order and each rack in id order, skipping racks run dry', () => {
  const brokers = [{ id: 6, rack: 'c' }, { id: 1, rack: 'a' }, { id: 3, rack: 'b' }, { id: 0, rack: 'a' }, { id: 5, rack: 'c' }, { id: 7, rack: 'c' }];
  assert.deepEqual(rackAlternatedBrokerList(brokers), [0, 3, 5, 1, 6, 7]);
});

test('some brokers with a rack and some without: refused unless rack awareness is safe or disabled', () => {
  const mixed = [{ id: 0, rack: 'a' }, { id: 1, rack: null }, { id: 2, rack: 'b' }];
  assert.throws(() => assignReplicasToBrokers(mixed, 3, 2, fixedStart), (error: unknown) =>
    error instanceof AdminOperationError && error.message === 'Not all brokers have rack information for replica rack aware assignment.');
  const unaware = assignReplicasToBrokers(noRacks(0, 1, 2), 3, 2, fixedStart);
  assert.deepEqual(assignReplicasToBrokers(mixed, 3, 2, { ...fixedStart, rackAwareMode: 'safe' }), unaware);
  assert.deepEqual(assignReplicasToBrokers(mixed, 3, 2, { ...fixedStart, rackAwareMode: 'disabled' }), unaware);
  // Disabled ignores racks even when every broker has one.
  const racked = [{ id: 0, rack: 'a' }, { id: 1, rack: 'a' }, { id: 2, rack: 'b' }];
  assert.deepEqual(assignReplicasToBrokers(racked, 3, 2, { ...fixedStart, rackAwareMode: 'disabled' }), unaware);
});

test("too few brokers, no partitions or no replicas: Kafka's error codes and messages", () => {
  assert.throws(() => assignReplicasToBrokers(noRacks(1, 2), 1, 3, fixedStart),
    kafkaError(ErrorCode.INVALID_REPLICATION_FACTOR, 'Replication factor: 3 larger than available brokers: 2.'));
  assert.throws(() => assignReplicasToBrokers(noRacks(1, 2), 1, 0, fixedStart),
    kafkaError(ErrorCode.INVALID_REPLICATION_FACTOR, 'Replication factor must be larger than 0.'));
  for (const partitions of [0, -1]) {
    assert.throws(() => assignReplicasToBrokers(noRacks(1, 2), partitions, 1, fixedStart),
      kafkaError(ErrorCode.INVALID_PARTITIONS, 'Number of partitions must be larger than 0.'));
  }
  assert.throws(() => assignReplicasToBrokers([], 1, 1, fixedStart), kafkaError(ErrorCode.INVALID_REPLICATION_FACTOR));
});

test('CreatePartitions continues the round robin from partition 0\'s leader, so a grown topic matches one made at its size', () => {
  const brokers = noRacks(0, 1, 2, 3, 4);
  const made = assignReplicasToBrokers(brokers, 10, 3, fixedStart);
  const existing = new Map([0, 1, 2].map((p) => [p, made.get(p)!]));
  assert.deepEqual(newPartitionsAssignment(existing, brokers, 10, null), new Map([...made].filter(([p]) => p >= 3)));
  // Partition 0 led by broker 25 (gone): the start is the first broker with an id at least 25.
  const grown = newPartitionsAssignment(new Map([[0, [25, 10]]]), noRacks(10, 20, 30, 40), 3, null);
  assert.deepEqual(Object.fromEntries(grown), { 1: [40, 30], 2: [10, 40] });
});

test('CreatePartitions: manual assignments are checked against the topic and numbered after its partitions', () => {
  const existing = new Map([[0, [1, 2]], [1, [2, 3]]]);
  const brokers = noRacks(1, 2, 3);
  assert.deepEqual(Object.fromEntries(newPartitionsAssignment(existing, brokers, 4, [[3, 1], [1, 2]])), { 2: [3, 1], 3: [1, 2] });
  const refused: Array<[readonly (readonly number[])[], number, string]> = [
    [[[3, 1]], 4, 'Increasing the number of partitions by 2 but 1 assignments provided.'],
    [[[3, 1, 2]], 3, 'Inconsistent replication factor between partitions, partition 0 has 2 while partitions [2] have replication factors [3], respectively.'],
    [[[3, 9]], 3, 'Unknown broker(s) in replica assignment: 9.'],
    [[[3, 3]], 3, 'Duplicate brokers not allowed in replica assignment: 3, 3 for partition id 2.'],
    [[[]], 3, 'Cannot have replication factor of 0 for partition id 2.'],
  ];
  for (const [manual, count, message] of refused) {
    assert.throws(() => newPartitionsAssignment(existing, brokers, count, manual), kafkaError(ErrorCode.INVALID_REPLICA_ASSIGNMENT, message));
  }
});

test('CreatePartitions: only growth, and no more replicas than brokers', () => {
  const existing = new Map([[0, [1, 2]], [1, [2, 1]]]);
  assert.throws(() => newPartitionsAssignment(existing, noRacks(1, 2), 1, null),
    kafkaError(ErrorCode.INVALID_PARTITIONS, 'Topic currently has 2 partitions, which is higher than the requested 1.'));
  assert.throws(() => newPartitionsAssignment(existing, noRacks(1, 2), 2, null),
    kafkaError(ErrorCode.INVALID_PARTITIONS, 'Topic already has 2 partitions.'));
  assert.throws(() => newPartitionsAssignment(existing, noRacks(1), 3, null),
    kafkaError(ErrorCode.INVALID_REPLICATION_FACTOR, 'Replication factor: 2 larger than available brokers: 1.'));
  assert.throws(() => newPartitionsAssignment(new Map([[1, [1]]]), noRacks(1), 3, null), AdminOperationError);
});

// Properties: any cluster, any topic the cluster can hold, any random draws.
const brokerIds = fc.uniqueArray(fc.integer({ min: 0, max: 1000 }), { minLength: 1, maxLength: 12 });
const draws = fc.tuple(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }));
const topicOn = (ids: readonly number[]) => fc.record({
  partitionCount: fc.integer({ min: 1, max: 60 }),
  replicationFactor: fc.integer({ min: 1, max: ids.length }),
  draws,
});

function counts(ids: readonly number[], picked: Iterable<number>): number[] {
  const byBroker = new Map(ids.map((id) => [id, 0]));
  for (const id of picked) byBroker.set(id, byBroker.get(id)! + 1);
  return [...byBroker.values()];
}

test('property: every partition gets RF distinct brokers of the cluster, leaders spread within one, deterministic per random source', () => {
  fc.assert(fc.property(brokerIds.chain((ids) => fc.tuple(fc.constant(ids), topicOn(ids))), ([ids, topic]) => {
    const brokers = noRacks(...ids);
    const assign = () => assignReplicasToBrokers(brokers, topic.partitionCount, topic.replicationFactor, { random: replay(topic.draws).random });
    const assignment = assign();
    assert.deepEqual([...assignment.keys()], Array.from({ length: topic.partitionCount }, (_, p) => p));
    for (const replicas of assignment.values()) {
      assert.equal(replicas.length, topic.replicationFactor);
      assert.equal(new Set(replicas).size, replicas.length);
      assert.ok(replicas.every((id) => ids.includes(id)));
    }
    const leaders = counts(ids, [...assignment.values()].map((replicas) => replicas[0]!));
    assert.ok(Math.max(...leaders) - Math.min(...leaders) <= 1, `leaders per broker ${leaders}`);
    if (topic.partitionCount % ids.length === 0) {
      // Whole rounds: every broker leads, and holds, exactly its share.
      const replicas = counts(ids, [...assignment.values()].flat());
      assert.ok(leaders.every((n) => n === topic.partitionCount / ids.length), `leaders per broker ${leaders}`);
      assert.ok(replicas.every((n) => n === topic.partitionCount * topic.replicationFactor / ids.length), `replicas per broker ${replicas}`);
    }
    assert.deepEqual(assign(), assignment);
  }));
});

test('property: rack-aware, replicas take distinct racks when there are at least RF racks, and every rack when RF is at least the racks', () => {
  const cluster = fc.uniqueArray(fc.integer({ min: 0, max: 1000 }), { minLength: 1, maxLength: 12 }).chain((ids) =>
    fc.tuple(fc.constant(ids), fc.array(fc.constantFrom('r1', 'r2', 'r3', 'r4'), { minLength: ids.length, maxLength: ids.length }), topicOn(ids)));
  fc.assert(fc.property(cluster, ([ids, racks, topic]) => {
    const brokers = ids.map((id, i) => ({ id, rack: racks[i]! }));
    const rackOf = new Map(brokers.map((b) => [b.id, b.rack]));
    const rackCount = new Set(racks).size;
    const assignment = assignReplicasToBrokers(brokers, topic.partitionCount, topic.replicationFactor, { random: replay(topic.draws).random });
    assert.equal(assignment.size, topic.partitionCount);
    for (const replicas of assignment.values()) {
      assert.equal(replicas.length, topic.replicationFactor);
      assert.equal(new Set(replicas).size, replicas.length);
      const replicaRacks = new Set(replicas.map((id) => rackOf.get(id)));
      assert.equal(replicaRacks.size, Math.min(rackCount, topic.replicationFactor), `replicas ${replicas} over racks ${[...replicaRacks]}`);
    }
    const leaders = counts(ids, [...assignment.values()].map((replicas) => replicas[0]!));
    assert.ok(Math.max(...leaders) - Math.min(...leaders) <= 1, `leaders per broker ${leaders}`);
  }));
});

test('property: a grown topic keeps its replication factor and numbering, on distinct brokers of the cluster', () => {
  const growth = brokerIds.chain((ids) => fc.tuple(fc.constant(ids), topicOn(ids), fc.integer({ min: 1, max: 30 })));
  fc.assert(fc.property(growth, ([ids, topic, added]) => {
    const brokers = noRacks(...ids);
    const existing = assignReplicasToBrokers(brokers, topic.partitionCount, topic.replicationFactor, { random: replay(topic.draws).random });
    const grown = newPartitionsAssignment(existing, brokers, topic.partitionCount + added, null);
    assert.deepEqual([...grown.keys()], Array.from({ length: added }, (_, i) => topic.partitionCount + i));
    for (const replicas of grown.values()) {
      assert.equal(replicas.length, topic.replicationFactor);
      assert.equal(new Set(replicas).size, replicas.length);
      assert.ok(replicas.every((id) => ids.includes(id)));
    }
  }));
});
