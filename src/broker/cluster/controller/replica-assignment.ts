import {
  checkPartitionIncrease, checkPartitionsAndReplicationFactor, newPartitionsManualAssignment, type ReplicaAssignment,
} from './replica-assignment-checks.ts';

/**
 * Where a topic's replicas go: Kafka's assignReplicasToBrokers (AdminUtils, Kafka 3.x), so that a
 * Samsa cluster spreads partitions as a Kafka cluster of the same brokers would. Its goals, in
 * order: every broker leads about as many partitions as every other and holds about as many
 * replicas; the followers of the partitions one broker leads are spread over the other brokers;
 * and when every broker has a rack, a partition's replicas sit in as many different racks as they
 * can. Pure: the brokers and the random source are passed in.
 */

export interface BrokerMetadata {
  readonly id: number;
  /** broker.rack, or null when unset. */
  readonly rack: string | null;
}

/**
 * Kafka's RackAwareMode. `enforced` (what CreateTopics and CreatePartitions use) refuses a cluster
 * where only some brokers have a rack; `safe` then ignores racks; `disabled` always ignores them.
 */
export type RackAwareMode = 'enforced' | 'safe' | 'disabled';

/**
 * Kafka's AdminOperationException: a cluster whose brokers cannot be assigned as asked. Not a
 * KafkaError on purpose: Kafka's ZooKeeper-mode broker answers it with UNKNOWN_SERVER_ERROR and
 * logs it, as the operator, not the client, has to fix the brokers' racks.
 */
export class AdminOperationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AdminOperationError';
  }
}

/** Where the round robin starts: random for a new topic, fixed by partition 0 when a topic grows. */
interface RoundRobinStart {
  readonly startIndex: number;
  readonly nextReplicaShift: number;
  readonly startPartitionId: number;
}

/**
 * A new topic's assignment over the given (live) brokers. `random` returns a float in [0, 1), as
 * Math.random; it is called twice, for the start index and then the first follower shift, as
 * Kafka draws them.
 */
export function assignReplicasToBrokers(
  brokers: readonly BrokerMetadata[],
  partitionCount: number,
  replicationFactor: number,
  options: { readonly random: () => number; readonly rackAwareMode?: RackAwareMode },
): Map<number, number[]> {
  checkPartitionsAndReplicationFactor(partitionCount, replicationFactor, brokers.length);
  const eligible = brokersForAssignment(brokers, options.rackAwareMode ?? 'enforced');
  const start = {
    startIndex: randomIndex(options.random, eligible.length),
    nextReplicaShift: randomIndex(options.random, eligible.length),
    startPartitionId: 0,
  };
  return assignFrom(eligible, partitionCount, replicationFactor, start);
}

/**
 * The assignment of the partitions CreatePartitions adds to a topic (only the new ones): the
 * manual one checked, or else the round robin continued from partition count on, started at the
 * first broker whose id is at least partition 0's preferred leader, with that index as the shift
 * too. No randomness: Kafka grows a topic the same way every time.
 */
export function newPartitionsAssignment(
  existing: ReplicaAssignment,
  brokers: readonly BrokerMetadata[],
  requestedCount: number,
  manual: readonly (readonly number[])[] | null,
  rackAwareMode: RackAwareMode = 'enforced',
): Map<number, readonly number[]> {
  const partitionZero = existing.get(0);
  if (partitionZero === undefined || partitionZero.length === 0) {
    throw new AdminOperationError(`Unexpected existing replica assignment: partition id 0 is missing (partitions ${[...existing.keys()].join(', ')}).`);
  }
  const topic = { partitionCount: existing.size, replicationFactor: partitionZero.length };
  if (manual !== null) return newPartitionsManualAssignment(manual, topic, requestedCount, brokers.map((b) => b.id));
  checkPartitionIncrease(topic.partitionCount, requestedCount);
  const added = requestedCount - topic.partitionCount;
  checkPartitionsAndReplicationFactor(added, topic.replicationFactor, brokers.length);
  const eligible = brokersForAssignment(brokers, rackAwareMode);
  // Kafka looks the index up in the id-sorted broker list, whether or not racks reorder it later.
  const startIndex = Math.max(0, eligible.findIndex((b) => b.id >= partitionZero[0]!));
  return assignFrom(eligible, added, topic.replicationFactor, { startIndex, nextReplicaShift: startIndex, startPartitionId: topic.partitionCount });
}

/**
 * The brokers the assignment works over, sorted by id (Kafka's getBrokerMetadatas), with their
 * racks kept or dropped as the mode says.
 */
export function brokersForAssignment(brokers: readonly BrokerMetadata[], rackAwareMode: RackAwareMode): BrokerMetadata[] {
  const sorted = [...brokers].sort((a, b) => a.id - b.id);
  const withRack = sorted.filter((b) => b.rack !== null).length;
  const mixed = withRack > 0 && withRack < sorted.length;
  if (rackAwareMode === 'disabled' || (rackAwareMode === 'safe' && mixed)) {
    return sorted.map((b) => ({ id: b.id, rack: null }));
  }
  if (mixed) throw new AdminOperationError('Not all brokers have rack information for replica rack aware assignment.');
  return sorted;
}

/**
 * Brokers taken one rack at a time (racks in name order, each rack's brokers in id order), so
 * that consecutive positions are in different racks for as long as every rack has brokers left.
 * Racks 1: [0, 1], 2: [3], 3: [5, 6] give 0, 3, 5, 1, 6.
 */
export function rackAlternatedBrokerList(brokers: readonly BrokerMetadata[]): number[] {
  const byRack = new Map<string, number[]>();
  for (const broker of [...brokers].sort((a, b) => a.id - b.id)) {
    const rack = broker.rack ?? '';
    byRack.set(rack, [...(byRack.get(rack) ?? []), broker.id]);
  }
  const racks = [...byRack.keys()].sort().map((rack) => byRack.get(rack)!);
  const longest = Math.max(...racks.map((ids) => ids.length));
  const alternated: number[] = [];
  for (let round = 0; round < longest; round++) {
    for (const ids of racks) if (round < ids.length) alternated.push(ids[round]!);
  }
  return alternated;
}

function assignFrom(brokers: readonly BrokerMetadata[], partitionCount: number, replicationFactor: number, start: RoundRobinStart): Map<number, number[]> {
  return brokers.every((b) => b.rack === null)
    ? assignRackUnaware(brokers.map((b) => b.id), partitionCount, replicationFactor, start)
    : assignRackAware(brokers, partitionCount, replicationFactor, start);
}

/**
 * Leaders round robin over the brokers; each partition's followers follow its leader at a
 * distance (the shift) that grows by one after every full round of leaders, so the partitions a
 * broker leads do not all have the same followers.
 */
function assignRackUnaware(brokerIds: readonly number[], partitionCount: number, replicationFactor: number, start: RoundRobinStart): Map<number, number[]> {
  const assignment = new Map<number, number[]>();
  const n = brokerIds.length;
  let shift = start.nextReplicaShift;
  for (let partition = start.startPartitionId; partition < start.startPartitionId + partitionCount; partition++) {
    if (partition > 0 && partition % n === 0) shift += 1;
    const first = (partition + start.startIndex) % n;
    const replicas = [brokerIds[first]!];
    for (let j = 0; j < replicationFactor - 1; j++) replicas.push(brokerIds[followerIndex(first, shift, j, n)]!);
    assignment.set(partition, replicas);
  }
  return assignment;
}

/**
 * The same round robin over the rack-alternated list. A follower candidate is passed over while
 * its rack already holds a replica of the partition and some rack holds none, or while it holds
 * one itself and some broker holds none; so replicas take distinct racks first, then distinct
 * brokers. The shift moves in steps of the rack count, keeping leader and followers rack-apart.
 */
function assignRackAware(brokers: readonly BrokerMetadata[], partitionCount: number, replicationFactor: number, start: RoundRobinStart): Map<number, number[]> {
  const rackOf = new Map(brokers.map((b) => [b.id, b.rack!]));
  const rackCount = new Set(rackOf.values()).size;
  const arranged = rackAlternatedBrokerList(brokers);
  const n = arranged.length;
  const assignment = new Map<number, number[]>();
  let shift = start.nextReplicaShift;
  for (let partition = start.startPartitionId; partition < start.startPartitionId + partitionCount; partition++) {
    if (partition > 0 && partition % n === 0) shift += 1;
    const first = (partition + start.startIndex) % n;
    const leader = arranged[first]!;
    const replicas = [leader];
    const racksUsed = new Set([rackOf.get(leader)!]);
    const brokersUsed = new Set([leader]);
    // k keeps counting across followers: the scan resumes where the last follower was found.
    let k = 0;
    while (replicas.length < replicationFactor) {
      const candidate = arranged[followerIndex(first, shift * rackCount, k, n)]!;
      const rack = rackOf.get(candidate)!;
      k += 1;
      if (racksUsed.has(rack) && racksUsed.size < rackCount) continue;
      if (brokersUsed.has(candidate) && brokersUsed.size < n) continue;
      replicas.push(candidate);
      racksUsed.add(rack);
      brokersUsed.add(candidate);
    }
    assignment.set(partition, replicas);
  }
  return assignment;
}

/** The position of follower `j`: 1 to n-1 places after the leader, never the leader's own. */
function followerIndex(firstReplicaIndex: number, shift: number, j: number, brokerCount: number): number {
  const distance = 1 + ((shift + j) % (brokerCount - 1));
  return (firstReplicaIndex + distance) % brokerCount;
}

function randomIndex(random: () => number, size: number): number {
  return Math.min(size - 1, Math.floor(random() * size));
}
