import { ErrorCode } from '../protocol/errors.ts';
import type { Cluster } from './cluster.ts';
import { BrokerNotInMetadataError, KafkaClientError } from './errors.ts';
import { keyOf, type TopicPartition } from './topic-partition.ts';
import type { CommitMember } from './group-requests.ts';

/**
 * What the Consumer needs of its group membership, whichever rebalance protocol runs it: the
 * classic one (GroupMember: JoinGroup/SyncGroup/Heartbeat) or KIP-848's (ConsumerGroupMember:
 * ConsumerGroupHeartbeat). Both live in the same shape so consumer.ts only picks one.
 */
export interface GroupMembership {
  /** The group coordinator while known; commits and offset fetches go there. */
  readonly coordinatorId: number | null;
  start(): void;
  /** Revokes what the member owns (the hooks commit) and leaves the group. */
  leave(): Promise<void>;
  /** Who commits: generation and member id (classic) or member epoch and member id (consumer). */
  commitIdentity(): CommitMember;
}

export interface RebalanceListener {
  onPartitionsAssigned?(partitions: TopicPartition[]): void | Promise<void>;
  onPartitionsRevoked?(partitions: TopicPartition[]): void | Promise<void>;
  /** The group moved on without us (session expired, fenced): no chance to commit. */
  onPartitionsLost?(partitions: TopicPartition[]): void | Promise<void>;
}

export interface GroupMemberHooks {
  onAssigned(partitions: TopicPartition[]): Promise<void>;
  onRevoked(partitions: TopicPartition[]): Promise<void>;
  onLost(partitions: TopicPartition[]): Promise<void>;
  onError(error: Error): void;
}

/** The partitions of `a` that are not in `b`. */
export function minus<T extends TopicPartition>(a: readonly T[], b: readonly TopicPartition[]): T[] {
  const drop = new Set(b.map(keyOf));
  return a.filter((tp) => !drop.has(keyOf(tp)));
}

/** The member-id/generation reset errors: our membership is gone, and what it held with it. */
export const FENCED_GROUP_ERRORS: ReadonlySet<number> = new Set<number>([ErrorCode.UNKNOWN_MEMBER_ID, ErrorCode.ILLEGAL_GENERATION, ErrorCode.FENCED_INSTANCE_ID]);

const COORDINATOR_MOVED = new Set<number>([ErrorCode.NOT_COORDINATOR, ErrorCode.COORDINATOR_NOT_AVAILABLE, ErrorCode.COORDINATOR_LOAD_IN_PROGRESS]);

/**
 * After this error the coordinator must be looked up again: it moved, its connection broke, or its
 * broker has left the cluster's metadata (a dead coordinator's broker is dropped from it, after
 * which the connection is not even attempted, and only a new FindCoordinator finds the new one).
 */
export function coordinatorLost(error: KafkaClientError): boolean {
  return COORDINATOR_MOVED.has(error.code) || error.errorName === 'NETWORK_EXCEPTION' || error instanceof BrokerNotInMetadataError;
}

/** The topics a subscription names now: the list itself, or the cluster's non-internal topics a pattern matches. */
export async function subscribedTopics(cluster: Cluster, subscription: readonly string[] | RegExp): Promise<string[]> {
  if (!(subscription instanceof RegExp)) return [...new Set(subscription)].sort();
  const meta = await cluster.fetchAllTopics();
  return [...meta.topics.values()].filter((t) => !t.isInternal && subscription.test(t.name)).map((t) => t.name).sort();
}

/** A sleep that leave() can cut short, so closing never waits out a heartbeat interval. */
export class WakeableSleep {
  #wake: (() => void) | null = null;

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => { this.#wake = null; resolve(); }, ms);
      this.#wake = () => { clearTimeout(timer); this.#wake = null; resolve(); };
    });
  }

  wake(): void {
    this.#wake?.();
  }
}

/** True for errors a membership loop retries after a backoff; anything else is fatal to the member. */
export function isRetriableGroupError(error: unknown): error is KafkaClientError {
  return error instanceof KafkaClientError && error.retriable;
}

/** The consumer settings that belong to one group protocol only. */
export interface GroupProtocolOptions {
  readonly groupProtocol?: 'classic' | 'consumer';
  readonly groupRemoteAssignor?: string;
  readonly sessionTimeoutMs?: number;
  readonly heartbeatIntervalMs?: number;
  readonly partitionAssignmentStrategy?: readonly string[];
}

/** Java's ConsumerConfig refuses the settings the chosen group.protocol ignores, rather than ignoring them silently. */
export function checkGroupProtocolOptions(options: GroupProtocolOptions): void {
  const unsupported = options.groupProtocol === 'consumer'
    ? ([['partitionAssignmentStrategy', 'partition.assignment.strategy'], ['sessionTimeoutMs', 'session.timeout.ms'], ['heartbeatIntervalMs', 'heartbeat.interval.ms']] as const)
    : ([['groupRemoteAssignor', 'group.remote.assignor']] as const);
  for (const [option, config] of unsupported) {
    if (options[option] !== undefined) throw new Error(`${option} (${config}) is not supported with groupProtocol '${options.groupProtocol ?? 'classic'}'`);
  }
}
