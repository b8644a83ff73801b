import { ErrorCode } from '../../../protocol/errors.ts';
import type { TopicPartition } from './controller-context.ts';
import { inBatches } from './controller-zk.ts';
import { NO_LEADER } from './leader-and-isr.ts';
import { electLeaderForControlledShutdown } from './partition-leader-election.ts';
import { changePartitionState, electOfflinePartitions, removeReplicasFromIsr, type ControllerStep } from './partition-state-changes.ts';

/**
 * What the controller does when brokers die, start, or ask to stop (Kafka's onBrokerFailure,
 * onBrokerStartup and doControlledShutdown). The context's live brokers are already updated by
 * the caller; each function adds its requests to the step's batch, which the caller sends.
 */

/**
 * Dead brokers: partitions they led get a new leader from the ISR (a bumped leader epoch), they
 * leave every ISR, and every live broker hears of the partitions they held.
 */
export async function onBrokerFailure(step: ControllerStep, deadBrokers: ReadonlySet<number>): Promise<void> {
  const { context } = step;
  for (const id of deadBrokers) context.shuttingDownBrokers.delete(id);
  const affected = context.partitionsOn(deadBrokers);
  const leaderless = affected.filter(({ topic, partition }) => {
    const state = context.state(topic, partition);
    return state !== undefined && (state.leader === NO_LEADER || deadBrokers.has(state.leader));
  });
  await electOfflinePartitions(step, leaderless);
  await removeReplicasFromIsr(step, deadBrokers, affected);
  step.batch.addUpdateMetadata(context.liveBrokers.keys(), affected);
}

/**
 * Started brokers (new, or back with a new epoch): they get the whole metadata and a LeaderAndIsr
 * for every replica they hold; partitions that were offline may get a leader now.
 */
export async function onBrokerStartup(step: ControllerStep, newBrokers: ReadonlySet<number>): Promise<void> {
  const { context } = step;
  for (const { topic, partition } of context.partitionsOn(newBrokers)) {
    if (context.topicsToBeDeleted.has(topic)) continue;
    step.batch.addLeaderAndIsr(context.replicas(topic, partition).filter((id) => newBrokers.has(id)), topic, partition);
  }
  await electOfflinePartitions(step, offlinePartitions(step));
}

/** Partitions with no live leader (or no state yet), not being deleted. */
export function offlinePartitions(step: ControllerStep): TopicPartition[] {
  const { context } = step;
  return [...context.allPartitions()].filter(({ topic, partition }) => {
    if (context.topicsToBeDeleted.has(topic)) return false;
    const state = context.state(topic, partition);
    return state === undefined || state.leader === NO_LEADER || !context.liveBrokers.has(state.leader);
  });
}

export interface ControlledShutdownResult {
  readonly errorCode: number;
  /** Partitions the broker still leads: no other replica is in sync. */
  readonly remainingPartitions: readonly TopicPartition[];
}

/**
 * A broker about to stop: its leaderships move to other ISR members (leader epochs bumped), it
 * leaves the ISR of what it follows and stops fetching (StopReplica without deleting). It stays
 * alive meanwhile but can be neither leader nor ISR member until it registers anew.
 */
export async function controlledShutdown(step: ControllerStep, brokerId: number, brokerEpoch: bigint): Promise<ControlledShutdownResult> {
  const { context } = step;
  const broker = context.liveBrokers.get(brokerId);
  if (broker === undefined) return { errorCode: ErrorCode.BROKER_NOT_AVAILABLE, remainingPartitions: [] };
  if (brokerEpoch !== -1n && brokerEpoch < broker.brokerEpoch) return { errorCode: ErrorCode.STALE_BROKER_EPOCH, remainingPartitions: [] };
  context.shuttingDownBrokers.add(brokerId);
  step.logger.info({ brokerId }, 'controlled shutdown: moving leaderships off the broker');
  const shuttingDown = new Set([brokerId]);
  // Single-replica partitions have nowhere to go: the broker takes them down with it.
  const partitions = context.partitionsOn(shuttingDown).filter(({ topic, partition }) =>
    context.replicas(topic, partition).length > 1 && context.state(topic, partition) !== undefined && !context.topicsToBeDeleted.has(topic));
  const led = partitions.filter(({ topic, partition }) => context.state(topic, partition)?.leader === brokerId);
  const followed = partitions.filter(({ topic, partition }) => context.state(topic, partition)?.leader !== brokerId);
  await inBatches(led, async ({ topic, partition }) => {
    const replicas = context.replicas(topic, partition);
    const written = await changePartitionState(step, topic, partition, (current) => {
      const result = electLeaderForControlledShutdown(current, replicas, context.electionContext());
      return result.elected ? result.leaderAndIsr : undefined;
    });
    if (written !== undefined) step.batch.addLeaderAndIsr(replicas, topic, partition);
  });
  for (const { topic, partition } of followed) step.batch.addStopReplica(shuttingDown, topic, partition, false);
  await removeReplicasFromIsr(step, shuttingDown, followed);
  const remainingPartitions = partitions.filter(({ topic, partition }) => context.state(topic, partition)?.leader === brokerId);
  return { errorCode: ErrorCode.NONE, remainingPartitions };
}
