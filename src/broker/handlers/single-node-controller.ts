import { ErrorCode } from '../../protocol/errors.ts';
import type { MetadataStore } from '../cluster/metadata-store.ts';
import type { ProducerIdBlockSource } from '../coordinator/txn/producer-id-manager.ts';

/**
 * What the controller APIs answer on a single node, as a one-broker Kafka cluster answers them:
 * the node is the only replica and the leader of every partition, so no reassignment is ever in
 * progress, a reassignment onto itself alone has nothing to do, one onto any other broker names a
 * broker that is not alive, and every election finds its leader already elected.
 */
export class SingleNodeController {
  readonly #metadata: MetadataStore;
  readonly #nodeId: number;

  constructor(metadata: MetadataStore, nodeId: number) {
    this.#metadata = metadata;
    this.#nodeId = nodeId;
  }

  /** One partition of AlterPartitionReassignments (null replicas: a cancellation). */
  alterReassignment(topic: string, partition: number, replicas: readonly number[] | null): { errorCode: number; errorMessage: string | null } {
    if (!this.#exists(topic, partition)) return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: 'The partition does not exist.' };
    if (replicas === null) return { errorCode: ErrorCode.NO_REASSIGNMENT_IN_PROGRESS, errorMessage: `No reassignment is in progress for partition ${topic}-${partition}.` };
    if (replicas.length === 1 && replicas[0] === this.#nodeId) return { errorCode: ErrorCode.NONE, errorMessage: null };
    return {
      errorCode: ErrorCode.INVALID_REPLICA_ASSIGNMENT,
      errorMessage: `Replica assignment has brokers that are not alive. Replica list: [${replicas.join(', ')}], live broker list: [${this.#nodeId}]`,
    };
  }

  /** One partition of ElectLeaders: its leader is this node already. */
  electLeader(topic: string, partition: number): { errorCode: number; errorMessage: string | null } {
    if (!this.#exists(topic, partition)) return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: `The partition ${topic}-${partition} does not exist.` };
    return { errorCode: ErrorCode.ELECTION_NOT_NEEDED, errorMessage: null };
  }

  /**
   * AllocateProducerIds: this node is the only registered broker, and a single node's broker
   * epoch is -1; `allocate` takes the next block from the local metadata.
   */
  async allocateProducerIds(
    request: { brokerId: number; brokerEpoch: bigint }, allocate: ProducerIdBlockSource,
  ): Promise<{ errorCode: number; producerIdStart: bigint; producerIdLen: number }> {
    if (request.brokerId !== this.#nodeId) return { errorCode: ErrorCode.BROKER_ID_NOT_REGISTERED, producerIdStart: 0n, producerIdLen: 0 };
    if (request.brokerEpoch !== -1n) return { errorCode: ErrorCode.STALE_BROKER_EPOCH, producerIdStart: 0n, producerIdLen: 0 };
    const block = await allocate();
    return { errorCode: ErrorCode.NONE, producerIdStart: block.firstProducerId, producerIdLen: block.size };
  }

  /** Every partition, for an ElectLeaders that names none. */
  allPartitions(): Array<{ topic: string; partitions: number[] }> {
    return this.#metadata.topics().map((t) => ({ topic: t.name, partitions: Array.from({ length: t.partitionCount }, (_, i) => i) }));
  }

  #exists(topic: string, partition: number): boolean {
    const known = this.#metadata.topic(topic);
    return known !== undefined && Number.isInteger(partition) && partition >= 0 && partition < known.partitionCount;
  }
}
