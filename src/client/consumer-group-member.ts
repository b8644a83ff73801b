import { ErrorCode } from '../protocol/errors.ts';
import type { ConsumerGroupHeartbeatResponse } from '../protocol/generated/consumer-group-heartbeat.ts';
import { Apis } from './apis.ts';
import type { Cluster } from './cluster.ts';
import { HeartbeatState, JOIN_GROUP_MEMBER_EPOCH, leaveRequest } from './consumer-heartbeat-state.ts';
import { reconcile, topicPartitions, type OwnedPartition, type TopicIdPartitions } from './consumer-reconciliation.ts';
import { KafkaClientError } from './errors.ts';
import { findCoordinator, type CommitMember } from './group-requests.ts';
import {
  coordinatorLost, isRetriableGroupError, minus, subscribedTopics, WakeableSleep, type GroupMemberHooks, type GroupMembership,
} from './group-membership.ts';

export interface ConsumerGroupMemberOptions {
  readonly groupId: string;
  readonly groupInstanceId: string | null;
  readonly subscription: readonly string[] | RegExp;
  /** max.poll.interval.ms: how long the coordinator waits for us to revoke partitions. */
  readonly rebalanceTimeoutMs: number;
  /** group.remote.assignor: null lets the coordinator pick its default. */
  readonly serverAssignor: string | null;
  /** client.rack, null when unset. */
  readonly rackId: string | null;
}

/** Our membership is gone (or our epoch is stale): what we own is lost; rejoin with epoch 0. */
const FENCED = new Set<number>([ErrorCode.FENCED_MEMBER_EPOCH, ErrorCode.UNKNOWN_MEMBER_ID]);

/**
 * A consumer's membership in a KIP-848 consumer group, as Java's AsyncKafkaConsumer keeps it: the
 * coordinator assigns, the member only reports what it wants and owns. One loop joins with epoch 0
 * and the whole subscription, then heartbeats every heartbeat interval the coordinator names with
 * only the fields that changed. When a heartbeat brings a target assignment the member reconciles
 * towards it: revokes first (the hooks commit), then takes the new partitions, and acknowledges at
 * once by sending what it now owns. The coordinator never gives a partition to a member before its
 * previous owner acknowledged giving it up, so no partition is consumed by two members at a time.
 *
 * Topic patterns are matched here against the cluster's topics and sent as names: v0 of the API,
 * the one brokers serve as stable, has no regex field. The hooks run between heartbeats; one that
 * takes longer than the session timeout gets the member fenced (its partitions are then lost).
 */
export class ConsumerGroupMember implements GroupMembership {
  readonly #cluster: Cluster;
  readonly #options: ConsumerGroupMemberOptions;
  readonly #hooks: GroupMemberHooks;
  readonly #state = new HeartbeatState();
  readonly #sleeper = new WakeableSleep();
  coordinatorId: number | null = null;
  #memberId = '';
  #memberEpoch = JOIN_GROUP_MEMBER_EPOCH;
  #heartbeatIntervalMs: number;
  #owned: OwnedPartition[] = [];
  /** The latest assignment the coordinator sent that is not reconciled yet. */
  #target: readonly TopicIdPartitions[] | null = null;
  #topics: string[] = [];
  #running = false;
  #loop: Promise<void> | null = null;

  constructor(cluster: Cluster, options: ConsumerGroupMemberOptions, hooks: GroupMemberHooks, initialHeartbeatIntervalMs = 3_000) {
    this.#cluster = cluster;
    this.#options = options;
    this.#hooks = hooks;
    this.#heartbeatIntervalMs = initialHeartbeatIntervalMs;
  }

  get memberId(): string { return this.#memberId; }
  get memberEpoch(): number { return this.#memberEpoch; }

  /** OffsetCommit v9+ takes the member epoch where classic groups take the generation. */
  commitIdentity(): CommitMember {
    const joined = this.#memberEpoch > 0;
    return { generationId: joined ? this.#memberEpoch : -1, memberId: joined ? this.#memberId : '', groupInstanceId: this.#options.groupInstanceId };
  }

  start(): void {
    this.#running = true;
    this.#loop = this.#run().catch(async (error: unknown) => {
      // Fatal (UNRELEASED_INSTANCE_ID, GROUP_MAX_SIZE_REACHED, UNSUPPORTED_ASSIGNOR, ...): we are out of the group.
      this.#running = false;
      await this.#lose().catch(() => {});
      this.#hooks.onError(error as Error);
    });
  }

  async #run(): Promise<void> {
    // Consecutive failures: the wait grows from retry.backoff.ms to retry.backoff.max.ms (KIP-580).
    let failures = 0;
    while (this.#running) {
      try {
        this.coordinatorId ??= await findCoordinator(this.#cluster, this.#options.groupId);
        this.#topics = await subscribedTopics(this.#cluster, this.#options.subscription);
        if (this.#memberEpoch === JOIN_GROUP_MEMBER_EPOCH) {
          // A join needs at least one topic (the coordinator refuses an empty subscription): a pattern waits for a match.
          if (this.#topics.length === 0) {
            await this.#sleeper.sleep(this.#heartbeatIntervalMs);
            continue;
          }
          // Metadata for the subscribed topics, which also lets the broker create missing ones (allow.auto.create.topics).
          await this.#cluster.refreshMetadata(this.#topics);
        }
        const fenced = await this.#heartbeat();
        failures = 0;
        if (this.#target !== null && this.#running) await this.#reconcile();
        // Rejoining after a fence and acknowledging a reconciliation do not wait for the interval.
        if (!fenced && !this.#state.ownedChanged(this.#owned) && this.#running) await this.#sleeper.sleep(this.#heartbeatIntervalMs);
      } catch (error) {
        if (!isRetriableGroupError(error)) throw error;
        if (coordinatorLost(error)) this.coordinatorId = null;
        this.#state.reset();
        if (this.#running) await this.#sleeper.sleep(this.#cluster.retryBackoff.backoff(failures++));
      }
    }
  }

  /** One heartbeat; true when it found us fenced (what we owned is lost, the next one rejoins). */
  async #heartbeat(): Promise<boolean> {
    const { groupId, groupInstanceId, rebalanceTimeoutMs, serverAssignor, rackId } = this.#options;
    const request = this.#state.request({
      groupId, memberId: this.#memberId, memberEpoch: this.#memberEpoch, instanceId: groupInstanceId, rackId, rebalanceTimeoutMs,
      subscribedTopicNames: this.#topics, serverAssignor, owned: this.#owned,
    });
    const response: ConsumerGroupHeartbeatResponse = await this.#cluster.send(this.coordinatorId!, 'group', Apis.ConsumerGroupHeartbeat, request);
    if (response.errorCode === ErrorCode.NONE) {
      this.#memberId = response.memberId ?? this.#memberId;
      this.#memberEpoch = response.memberEpoch;
      if (response.heartbeatIntervalMs > 0) this.#heartbeatIntervalMs = response.heartbeatIntervalMs;
      if (response.assignment !== null) this.#target = response.assignment.topicPartitions;
      return false;
    }
    this.#state.reset();
    if (FENCED.has(response.errorCode)) {
      // Fenced while joining: the coordinator still knows our id at a later epoch; join under a new id instead.
      if (this.#memberEpoch === JOIN_GROUP_MEMBER_EPOCH) this.#memberId = '';
      await this.#lose();
      return true;
    }
    throw new KafkaClientError(response.errorCode, `ConsumerGroupHeartbeat for group ${groupId}`, response.errorMessage);
  }

  /** Gives up what we own without revoking (no commit: the group has moved on) and rejoins as a new member epoch. */
  async #lose(): Promise<void> {
    this.#memberEpoch = JOIN_GROUP_MEMBER_EPOCH;
    this.#target = null;
    const lost = this.#owned;
    this.#owned = [];
    if (lost.length > 0) await this.#call('onLost', lost);
  }

  /** A hook that throws (the user's listener) is reported to poll() as Java does, and membership goes on. */
  async #call(hook: 'onAssigned' | 'onRevoked' | 'onLost', partitions: readonly OwnedPartition[]): Promise<void> {
    try {
      await this.#hooks[hook](topicPartitions(partitions));
    } catch (error) {
      this.#hooks.onError(error as Error);
    }
  }

  /** Moves what we own to the target: revoke, then assign; topics the metadata cannot name yet wait for a refresh. */
  async #reconcile(): Promise<void> {
    const target = this.#target!;
    let plan = reconcile(this.#owned, target, (id) => this.#topicName(id));
    if (plan.unresolved.length > 0) {
      await this.#cluster.refreshMetadata(this.#topics);
      plan = reconcile(this.#owned, target, (id) => this.#topicName(id));
    }
    if (plan.revoked.length > 0) {
      this.#owned = minus(this.#owned, plan.revoked);
      await this.#call('onRevoked', plan.revoked);
    }
    if (plan.added.length > 0) {
      this.#owned = [...this.#owned, ...plan.added];
      await this.#call('onAssigned', plan.added);
    }
    // No heartbeat runs during a reconciliation, so the target is still the one planned for.
    if (plan.unresolved.length === 0) this.#target = null;
  }

  #topicName(topicId: string): string | undefined {
    for (const topic of this.#cluster.metadata.topics.values()) if (topic.topicId === topicId) return topic.name;
    return undefined;
  }

  /** Revokes what we own (the hooks commit with our epoch, still valid) and leaves: epoch -1, or -2 for a static member. */
  async leave(): Promise<void> {
    this.#running = false;
    this.#sleeper.wake();
    await this.#loop;
    if (this.#owned.length > 0) {
      const revoked = this.#owned;
      this.#owned = [];
      await this.#hooks.onRevoked(topicPartitions(revoked)).catch(() => {});
    }
    if (this.#memberEpoch > 0 && this.coordinatorId !== null) {
      await this.#cluster.send(this.coordinatorId, 'group', Apis.ConsumerGroupHeartbeat,
        leaveRequest(this.#options.groupId, this.#memberId, this.#options.groupInstanceId)).catch(() => {});
    }
    this.#memberEpoch = JOIN_GROUP_MEMBER_EPOCH;
    this.#target = null;
  }
}
