import type { ControllerStats } from '../../../metrics/controller-stats.ts';
import type { Logger } from '../../logger.ts';
import { BadVersionError } from '../zookeeper/zookeeper-errors.ts';
import type { ControllerContext, TopicPartition } from './controller-context.ts';
import type { ControllerRequestBatch } from './controller-request-batch.ts';
import { inBatches, type ControllerZk } from './controller-zk.ts';
import { initialLeaderAndIsr, NO_LEADER, newLeaderAndIsr, type LeaderAndIsr } from './leader-and-isr.ts';
import { electLeaderForOfflinePartition, type ElectionResult } from './partition-leader-election.ts';

/**
 * What one controller step works with: the context it changes, ZooKeeper it writes (fenced), the
 * batch of requests it sends when done, and the brokers' default for unclean election.
 */
export interface ControllerStep {
  readonly context: ControllerContext;
  readonly zk: ControllerZk;
  readonly batch: ControllerRequestBatch;
  readonly logger: Logger;
  /** unclean.leader.election.enable of the broker config: the default of every topic. */
  readonly uncleanLeaderElectionEnable: boolean;
  /** Counts unclean elections, with metrics on. */
  readonly stats?: ControllerStats | undefined;
}

/** How often a conditional write is retried over a fresh read before the step gives up on the partition. */
const WRITE_ATTEMPTS = 3;

/**
 * Writes the state `change` derives from the partition's current state, conditionally on its
 * version; on a stale version the state is read again and `change` asked again (Kafka's
 * updateLeaderAndIsr retry loop). Answers the written state, or undefined when `change` wants no
 * write. ControllerMovedError goes up: the step must stop.
 */
export async function changePartitionState(
  step: ControllerStep, topic: string, partition: number, change: (current: LeaderAndIsr) => LeaderAndIsr | undefined,
): Promise<LeaderAndIsr | undefined> {
  for (let attempt = 1; ; attempt++) {
    const current = step.context.state(topic, partition);
    if (current === undefined) return undefined;
    const next = change(current);
    if (next === undefined) return undefined;
    try {
      const written = await step.zk.updatePartitionState(topic, partition, next);
      step.context.setState(topic, partition, written);
      return written;
    } catch (error) {
      if (!(error instanceof BadVersionError) || attempt >= WRITE_ATTEMPTS) throw error;
      const fresh = await step.zk.partitionState(topic, partition);
      if (fresh === undefined) return undefined;
      step.context.setState(topic, partition, fresh);
    }
  }
}

/**
 * New partitions (Kafka's NewPartition -> OnlinePartition): the first live replica leads, the live
 * replicas are the ISR; the state znode is created and the replicas told (isNew). A partition with
 * no live replica waits without a state until one comes.
 */
export async function initializeNewPartitions(step: ControllerStep, partitions: readonly TopicPartition[]): Promise<void> {
  const online = new Set([...step.context.liveBrokers.keys()].filter((id) => step.context.isOnline(id)));
  await inBatches(partitions, async ({ topic, partition }) => {
    if (step.context.state(topic, partition) !== undefined) return;
    const replicas = step.context.replicas(topic, partition);
    const initial = initialLeaderAndIsr(replicas, online, step.context.epoch);
    if (initial === undefined) {
      step.logger.warn({ topic, partition, replicas }, 'no replica of a new partition is alive: it stays offline until one is');
      return;
    }
    const written = await step.zk.createPartitionState(topic, partition, initial);
    step.context.setState(topic, partition, written);
    step.batch.addLeaderAndIsr(replicas, topic, partition, true);
  });
}

/**
 * Partitions without a live leader get one from their ISR (Kafka's OfflinePartition ->
 * OnlinePartition); or, if the topic allows unclean election and no ISR member lives, from the
 * other live replicas. Partitions that never had a state are initialized. Those that cannot be
 * elected stay as they are.
 */
export async function electOfflinePartitions(step: ControllerStep, partitions: readonly TopicPartition[]): Promise<void> {
  const { context } = step;
  const fresh = partitions.filter(({ topic, partition }) => context.state(topic, partition) === undefined);
  // Partitions are independent: their writes go to ZooKeeper side by side.
  await inBatches(partitions, async (tp) => {
    const state = context.state(tp.topic, tp.partition);
    if (state === undefined || (state.leader !== NO_LEADER && context.liveBrokers.has(state.leader))) return;
    const replicas = context.replicas(tp.topic, tp.partition);
    let uncleanAllowed: boolean | undefined;
    let result: ElectionResult | undefined;
    const written = await changePartitionState(step, tp.topic, tp.partition, (current) => {
      result = electLeaderForOfflinePartition(current, replicas, context.electionContext(), uncleanAllowed ?? false);
      return result.elected ? result.leaderAndIsr : undefined;
    });
    if (written === undefined && result !== undefined && !result.elected && replicas.some((id) => context.isOnline(id))) {
      // Read the topic's own setting only when a clean election failed and an unclean one could help.
      uncleanAllowed = (await step.zk.topicUncleanLeaderElection(tp.topic)) ?? step.uncleanLeaderElectionEnable;
      if (uncleanAllowed) {
        const unclean = await changePartitionState(step, tp.topic, tp.partition, (current) => {
          result = electLeaderForOfflinePartition(current, replicas, context.electionContext(), true);
          return result.elected ? result.leaderAndIsr : undefined;
        });
        if (unclean !== undefined) {
          step.stats?.uncleanLeaderElected();
          step.logger.warn({ topic: tp.topic, partition: tp.partition, leader: unclean.leader }, 'unclean leader election: records acknowledged by the old ISR may be lost');
          step.batch.addLeaderAndIsr(replicas, tp.topic, tp.partition);
          return;
        }
      }
    }
    if (written !== undefined) {
      step.logger.info({ topic: tp.topic, partition: tp.partition, leader: written.leader, leaderEpoch: written.leaderEpoch, isr: written.isr }, 'elected a leader');
      step.batch.addLeaderAndIsr(replicas, tp.topic, tp.partition);
    } else if (result !== undefined && !result.elected) {
      step.logger.warn({ topic: tp.topic, partition: tp.partition, reason: result.reason }, 'partition stays offline');
    }
  });
  await initializeNewPartitions(step, fresh);
}

/**
 * Brokers' replicas going offline (Kafka's OfflineReplica): they leave the ISR of every partition
 * in `partitions`, a leader among them leaves the partition leaderless, and the ISR's last member
 * stays (it alone holds every acknowledged record). The other replicas hear of the new state.
 */
export async function removeReplicasFromIsr(step: ControllerStep, brokerIds: ReadonlySet<number>, partitions: readonly TopicPartition[]): Promise<void> {
  await inBatches(partitions, async ({ topic, partition }) => {
    const written = await changePartitionState(step, topic, partition, (current) => withoutReplicas(current, brokerIds, step.context.epoch));
    if (written === undefined) return;
    const recipients = step.context.replicas(topic, partition).filter((id) => !brokerIds.has(id));
    step.batch.addLeaderAndIsr(recipients, topic, partition);
  });
}

/** The state without `brokerIds` in the ISR or as leader, in the next leader epoch; undefined when none is there. */
export function withoutReplicas(state: LeaderAndIsr, brokerIds: ReadonlySet<number>, controllerEpoch: number): LeaderAndIsr | undefined {
  if (!state.isr.some((id) => brokerIds.has(id)) && !brokerIds.has(state.leader)) return undefined;
  const leader = brokerIds.has(state.leader) ? NO_LEADER : state.leader;
  const remaining = state.isr.filter((id) => !brokerIds.has(id));
  // Keep one member when all go: the old leader if it was one, as it has the longest log.
  const lastMember = state.isr.includes(state.leader) ? state.leader : state.isr[0];
  const isr = remaining.length > 0 ? remaining : (lastMember === undefined ? [] : [lastMember]);
  return newLeaderAndIsr(state, leader, isr, controllerEpoch);
}
