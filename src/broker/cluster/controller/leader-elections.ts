import { ErrorCode } from '../../../protocol/errors.ts';
import type { ControllerContext, TopicPartition } from './controller-context.ts';
import { NO_LEADER } from './leader-and-isr.ts';
import { isBeingReassigned } from './partition-assignment.ts';
import { electLeaderForOfflinePartition, electPreferredLeader, type ElectionResult } from './partition-leader-election.ts';
import { changePartitionState, type ControllerStep } from './partition-state-changes.ts';

/**
 * Elections an operator asks for (ElectLeaders, kafka-leader-election.sh) and the controller's own
 * leadership rebalance (auto.leader.rebalance.enable), as Kafka's KafkaController does them in
 * ZooKeeper mode. PREFERRED moves leadership back to the first replica of the assignment, where
 * replica placement spread it, when that replica is alive and in sync; UNCLEAN gives a partition
 * without a live leader one from outside its ISR, accepting the loss of records only the ISR held.
 */

/** ElectLeaders' electionType. */
export const ElectionType = Object.freeze({ PREFERRED: 0, UNCLEAN: 1 });

export interface ElectionOutcome {
  readonly errorCode: number;
  readonly errorMessage: string | null;
}

/** Elects leaders for `partitions` by `electionType`; each partition's outcome, in order. */
export async function electLeaders(step: ControllerStep, electionType: number, partitions: readonly TopicPartition[]): Promise<ElectionOutcome[]> {
  const outcomes: ElectionOutcome[] = [];
  for (const tp of partitions) outcomes.push(await electOne(step, electionType, tp));
  return outcomes;
}

async function electOne(step: ControllerStep, electionType: number, tp: TopicPartition): Promise<ElectionOutcome> {
  const { context } = step;
  const state = context.state(tp.topic, tp.partition);
  if (!context.isLivePartition(tp.topic, tp.partition)) {
    return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: `The partition ${tp.topic}-${tp.partition} does not exist.` };
  }
  const replicas = context.replicas(tp.topic, tp.partition);
  const preferred = electionType === ElectionType.PREFERRED;
  if (state !== undefined && (preferred ? state.leader === replicas[0] : state.leader !== NO_LEADER && context.liveBrokers.has(state.leader))) {
    return { errorCode: ErrorCode.ELECTION_NOT_NEEDED, errorMessage: null };
  }
  let result: ElectionResult | undefined;
  const written = await changePartitionState(step, tp.topic, tp.partition, (current) => {
    result = preferred ? electPreferredLeader(current, replicas, context.electionContext()) : electLeaderForOfflinePartition(current, replicas, context.electionContext(), true);
    return result.elected ? result.leaderAndIsr : undefined;
  });
  if (written === undefined) {
    const reason = result !== undefined && !result.elected ? result.reason : 'the partition has no state yet';
    return {
      errorCode: preferred ? ErrorCode.PREFERRED_LEADER_NOT_AVAILABLE : ErrorCode.ELIGIBLE_LEADERS_NOT_AVAILABLE,
      errorMessage: `Failed to elect leader for partition ${tp.topic}-${tp.partition} under strategy ${preferred ? 'PreferredReplicaPartitionLeaderElectionStrategy' : 'OfflinePartitionLeaderElectionStrategy'}: ${reason}`,
    };
  }
  if (result?.elected === true && result.unclean) {
    step.stats?.uncleanLeaderElected();
    step.logger.warn({ ...tp, leader: written.leader }, 'unclean leader election asked for: records acknowledged by the old ISR may be lost');
  } else {
    step.logger.info({ ...tp, leader: written.leader, leaderEpoch: written.leaderEpoch }, `${preferred ? 'preferred' : 'unclean'} leader elected on request`);
  }
  step.batch.addLeaderAndIsr(replicas, tp.topic, tp.partition);
  return { errorCode: ErrorCode.NONE, errorMessage: null };
}

/**
 * Kafka's checkAndTriggerAutoLeaderRebalance: for every broker, the share of the partitions it is
 * the preferred leader of that another broker leads. Above leader.imbalance.per.broker.percentage,
 * those partitions whose preferred replica is online and in sync, and which no reassignment is
 * moving, get their preferred leader back.
 */
export function partitionsToRebalance(context: ControllerContext, imbalancePercentage: number): TopicPartition[] {
  const byPreferred = new Map<number, TopicPartition[]>();
  for (const tp of context.allPartitions()) {
    if (context.topicsToBeDeleted.has(tp.topic)) continue;
    const preferred = context.replicas(tp.topic, tp.partition)[0];
    if (preferred === undefined) continue;
    let list = byPreferred.get(preferred);
    if (list === undefined) byPreferred.set(preferred, list = []);
    list.push(tp);
  }
  const chosen: TopicPartition[] = [];
  for (const [broker, partitions] of byPreferred) {
    const notLed = partitions.filter(({ topic, partition }) => {
      const state = context.state(topic, partition);
      return state !== undefined && state.leader !== broker;
    });
    if (notLed.length / partitions.length <= imbalancePercentage / 100) continue;
    chosen.push(...notLed.filter(({ topic, partition }) =>
      context.isOnline(broker) && context.state(topic, partition)!.isr.includes(broker) && !isBeingReassigned(context.fullAssignment(topic, partition))));
  }
  return chosen;
}
