import { ErrorCode } from '../../../protocol/errors.ts';
import type { ControllerContext, TopicPartition } from './controller-context.ts';
import { newLeaderAndIsr, NO_LEADER } from './leader-and-isr.ts';
import {
  isBeingReassigned, originReplicas, reassignTo, sameAssignment, settledAssignment, targetReplicas, topicAssignmentOf, type PartitionAssignment,
} from './partition-assignment.ts';
import { electLeaderForReassignment } from './partition-leader-election.ts';
import { changePartitionState, electOfflinePartitions, removeReplicasFromIsr, type ControllerStep } from './partition-state-changes.ts';

/**
 * Partition reassignment (KIP-455; Kafka's KafkaController.onPartitionReassignment, ZooKeeper
 * mode). Moving a partition from its origin replicas (ORS) to target replicas (TRS):
 *  A. while some target replica is not in the ISR: the topic znode records RS = TRS + ORS with the
 *     adding and removing replicas (so a new controller resumes), the leader epoch is bumped so that
 *     every replica learns RS, and the adding replicas are started (they fetch from the leader and
 *     join the ISR through the leader's AlterPartition);
 *  B. once every target replica is in sync: RS becomes TRS, leadership moves into TRS if the leader
 *     is leaving (or gone), the removing replicas leave the ISR and are deleted (StopReplica with
 *     deletePartition), the znode records TRS alone, and every broker hears of it.
 * A cancellation is a reassignment back to the origin. Each function adds its requests to the
 * step's batch, which the caller sends.
 */

export interface ReassignmentOutcome {
  readonly errorCode: number;
  readonly errorMessage: string | null;
}

const DONE: ReassignmentOutcome = { errorCode: ErrorCode.NONE, errorMessage: null };

/**
 * One partition of AlterPartitionReassignments: `target` null cancels. The checks are Kafka's:
 * the partition exists and is not being deleted; the target names each broker once, every one
 * alive (a reassignment onto a dead broker could never complete).
 */
export async function alterPartitionReassignment(step: ControllerStep, tp: TopicPartition, target: readonly number[] | null): Promise<ReassignmentOutcome> {
  const { context } = step;
  if (!context.isLivePartition(tp.topic, tp.partition)) {
    return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: 'The partition does not exist.' };
  }
  const current = context.fullAssignment(tp.topic, tp.partition);
  if (target === null) {
    if (!isBeingReassigned(current)) {
      return { errorCode: ErrorCode.NO_REASSIGNMENT_IN_PROGRESS, errorMessage: `No reassignment is in progress for partition ${tp.topic}-${tp.partition}.` };
    }
    step.logger.info({ ...tp, replicas: originReplicas(current) }, 'cancelling a partition reassignment');
    await onPartitionReassignment(step, tp, reassignTo(current, originReplicas(current)));
    return DONE;
  }
  const invalid = invalidTarget(context, target);
  if (invalid !== undefined) return { errorCode: ErrorCode.INVALID_REPLICA_ASSIGNMENT, errorMessage: invalid };
  step.logger.info({ ...tp, from: originReplicas(current), to: target }, 'reassigning a partition');
  await onPartitionReassignment(step, tp, reassignTo(current, target));
  return DONE;
}

function invalidTarget(context: ControllerContext, target: readonly number[]): string | undefined {
  if (target.length === 0) return 'Empty replica list specified in partition reassignment.';
  if (new Set(target).size !== target.length) return `Duplicate replica ids in partition reassignment replica list: [${target.join(', ')}]`;
  if (target.some((id) => id < 0)) return `Invalid broker id in replica list: [${target.join(', ')}]`;
  if (!target.every((id) => context.liveBrokers.has(id))) {
    return `Replica assignment has brokers that are not alive. Replica list: [${target.join(', ')}], live broker list: [${[...context.liveBrokers.keys()].sort((a, b) => a - b).join(', ')}]`;
  }
  return undefined;
}

/** Starts (or carries on) moving a partition to `reassignment`, completing it at once when its targets are in sync. */
export async function onPartitionReassignment(step: ControllerStep, tp: TopicPartition, reassignment: PartitionAssignment): Promise<void> {
  await updateCurrentReassignment(step, tp, reassignment);
  if (!isReassignmentComplete(step.context, tp)) {
    await updateLeaderEpochAndSendRequest(step, tp);
    step.batch.addLeaderAndIsr(reassignment.addingReplicas, tp.topic, tp.partition, true);
    return;
  }
  await completeReassignment(step, tp);
}

/** After ISR changes: the reassignments among `partitions` whose target replicas are all in sync now complete. */
export async function completeReassignmentsInSync(step: ControllerStep, partitions: readonly TopicPartition[]): Promise<void> {
  for (const tp of partitions) {
    if (step.context.topicsToBeDeleted.has(tp.topic) || !isBeingReassigned(step.context.fullAssignment(tp.topic, tp.partition))) continue;
    if (isReassignmentComplete(step.context, tp)) await completeReassignment(step, tp);
  }
}

/** A new controller carries on every reassignment the topic znodes record (Kafka's maybeResumeReassignments). */
export async function resumeReassignments(step: ControllerStep): Promise<void> {
  for (const tp of step.context.reassigningPartitions()) {
    if (step.context.topicsToBeDeleted.has(tp.topic)) continue;
    await onPartitionReassignment(step, tp, step.context.fullAssignment(tp.topic, tp.partition));
  }
}

/** The partitions being reassigned among `partitions` (all when null), with their full assignments. */
export function ongoingReassignments(context: ControllerContext, partitions: readonly TopicPartition[] | null): Array<TopicPartition & { assignment: PartitionAssignment }> {
  const candidates = partitions ?? context.reassigningPartitions();
  return candidates.flatMap(({ topic, partition }) => {
    const assignment = context.topics.get(topic)?.assignment.get(partition);
    return assignment !== undefined && isBeingReassigned(assignment) ? [{ topic, partition, assignment }] : [];
  });
}

function isReassignmentComplete(context: ControllerContext, tp: TopicPartition): boolean {
  const assignment = context.fullAssignment(tp.topic, tp.partition);
  if (!isBeingReassigned(assignment)) return true;
  const isr = context.state(tp.topic, tp.partition)?.isr ?? [];
  return targetReplicas(assignment).every((id) => isr.includes(id));
}

/**
 * Records `reassignment` in ZooKeeper and the context when it differs from the current one. Replicas
 * an earlier reassignment was adding and this one does not want are stopped and deleted now.
 */
async function updateCurrentReassignment(step: ControllerStep, tp: TopicPartition, reassignment: PartitionAssignment): Promise<void> {
  const current = step.context.fullAssignment(tp.topic, tp.partition);
  if (sameAssignment(current, reassignment)) return;
  await setAssignment(step, tp, reassignment);
  const unneeded = current.replicas.filter((id) => !reassignment.replicas.includes(id));
  if (unneeded.length > 0) await stopRemovedReplicas(step, tp, unneeded);
}

/** Phase B: the target replicas are in sync; the partition settles on them. */
async function completeReassignment(step: ControllerStep, tp: TopicPartition): Promise<void> {
  const { context } = step;
  const reassignment = context.fullAssignment(tp.topic, tp.partition);
  const completed = settledAssignment(targetReplicas(reassignment));
  context.setFullAssignment(tp.topic, tp.partition, completed);
  await moveLeaderIfRequired(step, tp);
  if (reassignment.removingReplicas.length > 0) await stopRemovedReplicas(step, tp, reassignment.removingReplicas);
  await setAssignment(step, tp, completed);
  step.batch.addUpdateMetadata(context.liveBrokers.keys(), [tp]);
  step.logger.info({ ...tp, replicas: completed.replicas }, 'partition reassignment completed');
}

/** The leader stays if it is a target replica and online (the epoch bump tells everyone RS shrank); else one is elected among the targets. */
async function moveLeaderIfRequired(step: ControllerStep, tp: TopicPartition): Promise<void> {
  const { context } = step;
  const replicas = context.replicas(tp.topic, tp.partition);
  const leader = context.state(tp.topic, tp.partition)?.leader ?? NO_LEADER;
  if (replicas.includes(leader) && context.isOnline(leader)) {
    await updateLeaderEpochAndSendRequest(step, tp);
    return;
  }
  const written = await changePartitionState(step, tp.topic, tp.partition, (current) => {
    const result = electLeaderForReassignment(current, replicas, context.electionContext());
    if (!result.elected) step.logger.warn({ ...tp, reason: result.reason }, 'no target replica can lead the reassigned partition yet');
    return result.elected ? result.leaderAndIsr : undefined;
  });
  if (written !== undefined) step.batch.addLeaderAndIsr(replicas, tp.topic, tp.partition);
}

/**
 * The replicas leave the ISR (Kafka's OfflineReplica) and are deleted (ReplicaDeletionStarted): a
 * StopReplica with deletePartition removes their logs. A partition whose leader was among them
 * gets a new one from the ISR. A replica on a dead broker is not told: its log outlives it.
 */
async function stopRemovedReplicas(step: ControllerStep, tp: TopicPartition, removed: readonly number[]): Promise<void> {
  const ids = new Set(removed);
  await removeReplicasFromIsr(step, ids, [tp]);
  if (step.context.state(tp.topic, tp.partition)?.leader === NO_LEADER) await electOfflinePartitions(step, [tp]);
  step.batch.addStopReplica(ids, tp.topic, tp.partition, true);
}

/**
 * The leader and ISR stay; the leader epoch goes up, so that brokers take the LeaderAndIsr carrying
 * the new replica set (a broker ignores one that is not newer than what it has).
 */
async function updateLeaderEpochAndSendRequest(step: ControllerStep, tp: TopicPartition): Promise<void> {
  const written = await changePartitionState(step, tp.topic, tp.partition, (current) =>
    newLeaderAndIsr(current, current.leader, current.isr, step.context.epoch));
  if (written !== undefined) step.batch.addLeaderAndIsr(step.context.replicas(tp.topic, tp.partition), tp.topic, tp.partition);
}

/** Writes the topic znode with `assignment` for the partition, then the context. */
async function setAssignment(step: ControllerStep, tp: TopicPartition, assignment: PartitionAssignment): Promise<void> {
  const info = step.context.topics.get(tp.topic);
  if (info === undefined) return;
  const assignments = new Map(info.assignment).set(tp.partition, assignment);
  await step.zk.setTopicAssignment(tp.topic, topicAssignmentOf(info.topicId, assignments));
  step.context.setFullAssignment(tp.topic, tp.partition, assignment);
}
