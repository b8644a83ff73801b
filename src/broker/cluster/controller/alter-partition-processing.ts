import type {
  AlterPartitionRequest, AlterPartitionRequestPartitionData, AlterPartitionResponse, AlterPartitionResponsePartitionData, AlterPartitionResponseTopicData,
} from '../../../protocol/generated/alter-partition.ts';
import { ErrorCode } from '../../../protocol/errors.ts';
import { BadVersionError } from '../zookeeper/zookeeper-errors.ts';
import { LeaderRecoveryState, type LeaderAndIsr } from './leader-and-isr.ts';
import type { ControllerStep } from './partition-state-changes.ts';

/**
 * The controller's side of AlterPartition (Kafka's KafkaController.processAlterPartition, ZooKeeper
 * mode): a leader proposes a new ISR for partitions it leads, each with the leader epoch and the
 * partition epoch (znode version) its view was built on. What must stay true:
 * - a proposal from an older leader epoch is FENCED_LEADER_EPOCH, from an older partition epoch
 *   INVALID_UPDATE_VERSION: only a leader with the current view changes the ISR;
 * - every proposed member must be alive and not shutting down (and, from v3, in the broker epoch
 *   the leader saw): else INELIGIBLE_REPLICA, so a dead broker is never put back in the ISR;
 * - the ISR change keeps the leader epoch (leaders and followers carry on) but bumps the partition
 *   epoch, which the answer carries; the brokers hear of it through UpdateMetadata.
 */
export async function processAlterPartition(step: ControllerStep, request: AlterPartitionRequest, apiVersion: number): Promise<AlterPartitionResponse> {
  const { context } = step;
  const useTopicIds = apiVersion >= 2;
  const requester = context.liveBrokers.get(request.brokerId);
  if (requester === undefined || (request.brokerEpoch !== -1n && request.brokerEpoch !== requester.brokerEpoch)) {
    return { throttleTimeMs: 0, errorCode: ErrorCode.STALE_BROKER_EPOCH, topics: [] };
  }
  const topics: AlterPartitionResponseTopicData[] = [];
  const changed: { topic: string; partition: number }[] = [];
  for (const topicData of request.topics) {
    const topic = useTopicIds ? context.topicIdToName(topicData.topicId ?? '') : topicData.topicName;
    const partitions: AlterPartitionResponsePartitionData[] = [];
    for (const data of topicData.partitions) {
      if (topic === undefined || !context.topics.has(topic)) {
        partitions.push(failed(data.partitionIndex, useTopicIds ? ErrorCode.UNKNOWN_TOPIC_ID : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION));
        continue;
      }
      const outcome = await alterOne(step, request.brokerId, topic, data);
      if (typeof outcome === 'number') {
        partitions.push(failed(data.partitionIndex, outcome));
        continue;
      }
      if (outcome.changed) changed.push({ topic, partition: data.partitionIndex });
      partitions.push({
        partitionIndex: data.partitionIndex,
        errorCode: ErrorCode.NONE,
        leaderId: outcome.state.leader,
        leaderEpoch: outcome.state.leaderEpoch,
        isr: [...outcome.state.isr],
        leaderRecoveryState: outcome.state.leaderRecoveryState,
        partitionEpoch: outcome.state.partitionEpoch,
      });
    }
    topics.push(useTopicIds ? { topicId: topicData.topicId, partitions } : { topicName: topicData.topicName, partitions });
  }
  if (changed.length > 0) {
    step.batch.addUpdateMetadata(context.liveBrokers.keys(), changed);
    step.logger.info({ brokerId: request.brokerId, partitions: changed.length }, 'ISR changed by AlterPartition');
  }
  return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, topics };
}

/** One partition's proposal: the state now in force, or an error code. */
async function alterOne(
  step: ControllerStep, brokerId: number, topic: string, data: AlterPartitionRequestPartitionData,
): Promise<{ state: LeaderAndIsr; changed: boolean } | number> {
  const { context } = step;
  const current = context.state(topic, data.partitionIndex);
  if (current === undefined || context.topicsToBeDeleted.has(topic)) return ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
  const proposedMembers = data.newIsrWithEpochs ?? (data.newIsr ?? []).map((id) => ({ brokerId: id, brokerEpoch: -1n }));
  const newIsr = proposedMembers.map((m) => m.brokerId);
  const recoveryState = data.leaderRecoveryState ?? LeaderRecoveryState.RECOVERED;
  if (data.leaderEpoch !== current.leaderEpoch) return ErrorCode.FENCED_LEADER_EPOCH;
  if (current.leader !== brokerId) return ErrorCode.NOT_LEADER_OR_FOLLOWER;
  // Applied already (the answer was lost): the leader gets the state in force.
  if (sameMembers(newIsr, current.isr) && recoveryState === current.leaderRecoveryState) return { state: current, changed: false };
  if (data.partitionEpoch !== current.partitionEpoch) return ErrorCode.INVALID_UPDATE_VERSION;
  if (recoveryState === LeaderRecoveryState.RECOVERING && (newIsr.length > 1 || current.leaderRecoveryState === LeaderRecoveryState.RECOVERED)) {
    return ErrorCode.INVALID_REQUEST;
  }
  if (!newIsr.includes(current.leader) || new Set(newIsr).size !== newIsr.length) return ErrorCode.INVALID_REQUEST;
  const replicas = context.replicas(topic, data.partitionIndex);
  const ineligible = proposedMembers.filter((m) => {
    const broker = context.liveBrokers.get(m.brokerId);
    return !replicas.includes(m.brokerId) || !context.isOnline(m.brokerId) || (m.brokerEpoch !== -1n && broker?.brokerEpoch !== m.brokerEpoch);
  });
  if (ineligible.length > 0) {
    step.logger.info({ topic, partition: data.partitionIndex, ineligible: ineligible.map((m) => m.brokerId) }, 'AlterPartition proposed ineligible replicas');
    return ErrorCode.INELIGIBLE_REPLICA;
  }
  const proposed: LeaderAndIsr = { ...current, isr: newIsr, controllerEpoch: context.epoch, leaderRecoveryState: recoveryState };
  try {
    const written = await step.zk.updatePartitionState(topic, data.partitionIndex, proposed);
    context.setState(topic, data.partitionIndex, written);
    return { state: written, changed: true };
  } catch (error) {
    if (!(error instanceof BadVersionError)) throw error;
    // Someone else wrote the znode: the context was stale. Read it afresh; the leader retries.
    const fresh = await step.zk.partitionState(topic, data.partitionIndex);
    if (fresh !== undefined) context.setState(topic, data.partitionIndex, fresh);
    return ErrorCode.INVALID_UPDATE_VERSION;
  }
}

function failed(partitionIndex: number, errorCode: number): AlterPartitionResponsePartitionData {
  return { partitionIndex, errorCode, leaderId: -1, leaderEpoch: -1, isr: [], leaderRecoveryState: 0, partitionEpoch: -1 };
}

function sameMembers(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((id) => b.includes(id));
}
