import type { BrokerNode, OngoingPartitionReassignment, TopicPartition } from '../client/index.ts';
import { assignReplicasToBrokers, type BrokerMetadata } from '../broker/cluster/controller/replica-assignment.ts';
import { compareTopicPartitions, formatAsReassignmentJson, partitionName, type PartitionTarget } from './reassignment-json.ts';

/**
 * What kafka-reassign-partitions computes before it asks the cluster for anything: the proposal of
 * --generate, the replication throttles of --execute --throttle, and the text it prints. Pure, so
 * each is tested on its own (reassignment-plan.test.ts).
 */

/** The dynamic configs the tool sets for a throttled reassignment and clears once it is over. */
export const BROKER_LEVEL_THROTTLES = [
  'leader.replication.throttled.rate', 'follower.replication.throttled.rate', 'replica.alter.log.dirs.io.max.bytes.per.second',
] as const;
export const TOPIC_LEVEL_THROTTLES = ['leader.replication.throttled.replicas', 'follower.replication.throttled.replicas'] as const;

const key = (tp: TopicPartition): string => `${tp.topic}\0${tp.partition}`;

/**
 * The brokers --generate may place replicas on: those of --broker-list the cluster knows (Kafka
 * drops unknown ids silently), with their racks unless rack awareness is off; a mix of racked
 * and rackless brokers is refused as Kafka refuses it.
 */
export function brokersForProposal(cluster: readonly BrokerNode[], brokerList: readonly number[], rackAware: boolean): BrokerMetadata[] {
  const wanted = new Set(brokerList);
  const brokers = cluster.filter((b) => wanted.has(b.nodeId)).map((b) => ({ id: b.nodeId, rack: rackAware ? b.rack : null }));
  const rackless = brokers.filter((b) => b.rack === null).length;
  if (rackAware && rackless !== 0 && rackless !== brokers.length) {
    throw new Error('Not all brokers have rack information. Add --disable-rack-aware in command line to make replica assignment without rack information.');
  }
  return brokers;
}

/**
 * --generate's proposal: each topic assigned afresh over `brokers`, as Kafka assigns a new topic
 * of the same partition count and replication factor (partition 0's), so the random start spreads
 * leadership differently from run to run as Kafka's does.
 */
export function proposeAssignment(current: readonly PartitionTarget[], brokers: readonly BrokerMetadata[], random: () => number): PartitionTarget[] {
  const topics = new Map<string, PartitionTarget[]>();
  for (const p of current) topics.set(p.topic, [...(topics.get(p.topic) ?? []), p]);
  const proposal: PartitionTarget[] = [];
  for (const [topic, partitions] of topics) {
    const first = [...partitions].sort(compareTopicPartitions)[0]!;
    const assignment = assignReplicasToBrokers(brokers, partitions.length, first.replicas.length, { random, rackAwareMode: 'enforced' });
    for (const [partition, replicas] of assignment) proposal.push({ topic, partition, replicas });
  }
  return proposal.sort(compareTopicPartitions);
}

/** A partition's move: the replicas it copies from (sources) and those it copies to (destinations). */
export interface PartitionMove { readonly sources: ReadonlySet<number>; readonly destinations: ReadonlySet<number> }

/** topic -> partition -> move. */
export type MoveMap = Map<string, Map<number, PartitionMove>>;

/**
 * Every partition moving once --execute has started: the reassignments already under way (their
 * sources are the replicas that are not being added) and the proposed ones. A proposed partition
 * already moving keeps its original sources, so the throttle still covers where its data is.
 */
export function proposedMoveMap(
  ongoing: readonly OngoingPartitionReassignment[], proposed: readonly PartitionTarget[], current: readonly PartitionTarget[],
): MoveMap {
  const moves: MoveMap = new Map();
  const movesOf = (topic: string) => {
    let map = moves.get(topic);
    if (map === undefined) moves.set(topic, map = new Map());
    return map;
  };
  for (const r of ongoing) {
    const adding = new Set(r.addingReplicas);
    movesOf(r.topic).set(r.partition, { sources: new Set(r.replicas.filter((b) => !adding.has(b))), destinations: adding });
  }
  const currentReplicas = new Map(current.map((p) => [key(p), p.replicas]));
  for (const p of proposed) {
    const partitionMoves = movesOf(p.topic);
    const sources = partitionMoves.get(p.partition)?.sources ?? new Set(currentReplicas.get(key(p)) ?? []);
    if (sources.size === 0) throw new Error(`Trying to reassign a topic partition ${partitionName(p)} with 0 replicas`);
    partitionMoves.set(p.partition, { sources, destinations: new Set(p.replicas.filter((b) => !sources.has(b))) });
  }
  return moves;
}

/**
 * "partition:broker" pairs as a throttled-replicas config value, sorted as Kafka sorts them
 * (as strings, so "10:1" comes before "1:2").
 */
function throttledReplicas(moves: ReadonlyMap<number, PartitionMove>, side: 'sources' | 'destinations'): string {
  const pairs = new Set<string>();
  for (const [partition, move] of moves) for (const broker of move[side]) pairs.add(`${partition}:${broker}`);
  return [...pairs].sort().join(',');
}

/** leader.replication.throttled.replicas per topic: the replicas the data is copied from. */
export function leaderThrottles(moves: MoveMap): Map<string, string> {
  return new Map([...moves].map(([topic, partitions]) => [topic, throttledReplicas(partitions, 'sources')]));
}

/** follower.replication.throttled.replicas per topic: the new replicas the data is copied to. */
export function followerThrottles(moves: MoveMap): Map<string, string> {
  return new Map([...moves].map(([topic, partitions]) => [topic, throttledReplicas(partitions, 'destinations')]));
}

/** Every broker a move copies from or to: those whose replication rate the throttle caps. */
export function reassigningBrokers(moves: MoveMap): number[] {
  const brokers = new Set<number>();
  for (const partitions of moves.values()) for (const move of partitions.values()) for (const b of [...move.sources, ...move.destinations]) brokers.add(b);
  return [...brokers].sort((a, b) => a - b);
}

/** --execute's text before it starts anything: the current replicas of the partitions it moves, to roll back with. */
export function rollbackText(current: readonly PartitionTarget[]): string {
  return `Current partition replica assignment\n\n${formatAsReassignmentJson(current)}\n\nSave this to use as the --reassignment-json-file option during rollback\n`;
}

/** Where a partition of a reassignment file stands: `done` once the controller no longer reassigns it. */
export interface PartitionReassignmentState extends TopicPartition {
  readonly currentReplicas: readonly number[];
  readonly targetReplicas: readonly number[];
  readonly done: boolean;
}

/** --verify's report, one line per partition of the file. */
export function reassignmentStatesText(states: readonly PartitionReassignmentState[]): string {
  const lines = [...states].sort(compareTopicPartitions).map((s) => {
    if (!s.done) return `Reassignment of partition ${partitionName(s)} is still in progress.`;
    if (s.currentReplicas.join(',') === s.targetReplicas.join(',')) return `Reassignment of partition ${partitionName(s)} is completed.`;
    return `There is no active reassignment of partition ${partitionName(s)}, but replica set is ${s.currentReplicas.join(',')} rather than ${s.targetReplicas.join(',')}.`;
  });
  return ['Status of partition reassignment:', ...lines].join('\n') + '\n';
}

/** --list's report of the reassignments under way. */
export function ongoingReassignmentsText(ongoing: readonly OngoingPartitionReassignment[]): string {
  if (ongoing.length === 0) return 'No partition reassignments found.\n';
  const lines = [...ongoing].sort(compareTopicPartitions).map((r) => `${partitionName(r)}: replicas: ${r.replicas.join(',')}.` +
    (r.addingReplicas.length > 0 ? ` adding: ${r.addingReplicas.join(',')}.` : '') +
    (r.removingReplicas.length > 0 ? ` removing: ${r.removingReplicas.join(',')}.` : ''));
  return `Current partition reassignments:\n${lines.join('\n')}\n`;
}

/** "s" when `count` is not one, as the tool's messages pluralize. */
export const plural = (count: number): string => (count === 1 ? '' : 's');

/**
 * One line on a waiting reassignment (--wait): how many partitions are done, and what the rest
 * are still copying (e.g. "t-0 adding 4").
 */
export function progressLine(total: number, ongoing: readonly OngoingPartitionReassignment[]): string {
  const busy = [...ongoing].sort(compareTopicPartitions).slice(0, 3).map((r) => `${partitionName(r)} adding ${r.addingReplicas.join(',') || 'none'}`);
  const more = ongoing.length > 3 ? `, ${ongoing.length - 3} more` : '';
  return `Reassignment: ${total - ongoing.length} of ${total} partition${plural(total)} complete${busy.length > 0 ? ` (${busy.join(', ')}${more})` : ''}`;
}
