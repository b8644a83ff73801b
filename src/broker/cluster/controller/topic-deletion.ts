import type { StopReplicaResponse } from '../../../protocol/generated/stop-replica.ts';
import { ErrorCode } from '../../../protocol/errors.ts';
import type { ControllerStep } from './partition-state-changes.ts';

/**
 * Topic deletion (Kafka's TopicDeletionManager), started by a child of /admin/delete_topics:
 * 1. every live broker is told the topic is going (UpdateMetadata with leader -2), so clients stop
 *    seeing it; every replica gets StopReplica with deletePartition=true;
 * 2. each replica's successful answer marks it deleted; a replica on a dead broker waits until that
 *    broker returns (its log would otherwise outlive the topic);
 * 3. once every replica is deleted, the topic's znodes, its config and the deletion request go.
 * The pending replicas live only in the active controller: a new controller starts over at 1.
 */
export class TopicDeletion {
  /** Topic -> replicas ("partition:broker") not yet deleted. */
  readonly #pending = new Map<string, Set<string>>();
  /** Topic -> replicas sent a StopReplica whose answer has not come. */
  readonly #inFlight = new Map<string, Set<string>>();

  get topics(): string[] {
    return [...this.#pending.keys()];
  }

  /** Starts deleting `topics` (those the context knows; others' requests are dropped). */
  async enqueue(step: ControllerStep, topics: readonly string[]): Promise<void> {
    const { context } = step;
    for (const topic of topics) {
      if (this.#pending.has(topic)) continue;
      const info = context.topics.get(topic);
      if (info === undefined) {
        await step.zk.deleteTopicDeletion(topic);
        continue;
      }
      step.logger.info({ topic }, 'deleting topic');
      context.topicsToBeDeleted.add(topic);
      const replicas = new Set<string>();
      for (const [partition, { replicas: ids }] of info.assignment) for (const id of ids) replicas.add(`${partition}:${id}`);
      this.#pending.set(topic, replicas);
      this.#inFlight.set(topic, new Set());
      step.batch.addUpdateMetadata(context.liveBrokers.keys(), [...info.assignment.keys()].map((partition) => ({ topic, partition })));
    }
    await this.resume(step);
  }

  /** Sends StopReplica for every pending replica on a live broker that has none in flight; completes finished topics. */
  async resume(step: ControllerStep): Promise<void> {
    for (const [topic, replicas] of this.#pending) {
      if (replicas.size === 0) {
        await this.#complete(step, topic);
        continue;
      }
      const inFlight = this.#inFlight.get(topic)!;
      for (const replica of replicas) {
        if (inFlight.has(replica)) continue;
        const [partition, brokerId] = replica.split(':').map(Number) as [number, number];
        if (!step.context.liveBrokers.has(brokerId)) continue;
        inFlight.add(replica);
        step.batch.addStopReplica([brokerId], topic, partition, true);
      }
    }
  }

  /** A broker's answer to StopReplica: deleted replicas are done; failed ones are retried on the next resume. */
  async onStopReplicaResponse(step: ControllerStep, brokerId: number, response: StopReplicaResponse): Promise<void> {
    for (const { topicName, partitionIndex, errorCode } of response.partitionErrors) {
      const replica = `${partitionIndex}:${brokerId}`;
      if (!this.#pending.has(topicName)) continue;
      this.#inFlight.get(topicName)?.delete(replica);
      // A broker that does not have the partition has nothing left to delete.
      const ok = response.errorCode === ErrorCode.NONE && (errorCode === ErrorCode.NONE || errorCode === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
      if (ok) this.#pending.get(topicName)!.delete(replica);
      else step.logger.warn({ topic: topicName, partition: partitionIndex, brokerId, errorCode: errorCode || response.errorCode }, 'a replica of a deleted topic was not deleted; retrying later');
    }
    for (const [topic, replicas] of this.#pending) if (replicas.size === 0) await this.#complete(step, topic);
  }

  /** A dead broker's StopReplica will not be answered: it is sent again when the broker returns. */
  onBrokersRemoved(brokerIds: ReadonlySet<number>): void {
    for (const inFlight of this.#inFlight.values()) {
      for (const replica of inFlight) if (brokerIds.has(Number(replica.split(':')[1]))) inFlight.delete(replica);
    }
  }

  async #complete(step: ControllerStep, topic: string): Promise<void> {
    await step.zk.deleteTopic(topic);
    this.#pending.delete(topic);
    this.#inFlight.delete(topic);
    step.context.topics.delete(topic);
    step.context.topicsToBeDeleted.delete(topic);
    step.logger.info({ topic }, 'deleted topic');
  }
}
