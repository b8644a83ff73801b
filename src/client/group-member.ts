import { ErrorCode } from '../protocol/errors.ts';
import { ASSIGNORS, assignorForProtocol, joinProtocolNames, type AssignorName, type LastAssignment, type MemberSubscription } from './assignors.ts';
import { ClassicGroupCoordinator, type JoinGroupMember, type JoinGroupProtocol, type SyncGroupAssignment } from './classic-group-coordinator.ts';
import type { Cluster } from './cluster.ts';
import { decodeAssignment, decodeSubscription, encodeAssignment, encodeSubscription } from './consumer-protocol.ts';
import { KafkaClientError } from './errors.ts';
import type { TopicPartition } from './topic-partition.ts';
import type { CommitMember } from './group-requests.ts';
import { isRetriableGroupError, minus, subscribedTopics, type GroupMemberHooks, type GroupMembership } from './group-membership.ts';

export type { RebalanceListener } from './group-membership.ts';

export interface GroupMemberOptions {
  readonly groupId: string;
  readonly groupInstanceId: string | null;
  readonly subscription: readonly string[] | RegExp;
  readonly sessionTimeoutMs: number;
  readonly rebalanceTimeoutMs: number;
  readonly heartbeatIntervalMs: number;
  readonly assignors: readonly AssignorName[];
  /** client.rack, null when unset: written into the subscription for rack-aware assignors. */
  readonly rackId: string | null;
}

/**
 * A consumer's membership in a classic group, as Java's ConsumerCoordinator over the shared
 * ClassicGroupCoordinator: the subscription as JoinGroup metadata, the leader's client-side
 * assignment, and eager or cooperative (KIP-429) revocation as the assignors allow.
 */
export class GroupMember implements GroupMembership {
  readonly #cluster: Cluster;
  readonly #options: GroupMemberOptions;
  readonly #hooks: GroupMemberHooks;
  readonly #coordinator: ClassicGroupCoordinator;
  #owned: TopicPartition[] = [];
  /** Kept through eager revocation: the sticky assignor reports it in its userData. */
  #lastAssignment: LastAssignment | null = null;
  #joinedTopics: string[] = [];

  constructor(cluster: Cluster, options: GroupMemberOptions, hooks: GroupMemberHooks) {
    this.#cluster = cluster;
    this.#options = options;
    this.#hooks = hooks;
    this.#coordinator = new ClassicGroupCoordinator(cluster, { ...options, protocolType: 'consumer' }, {
      onJoinPrepare: () => this.#onJoinPrepare(),
      joinProtocols: () => this.#joinProtocols(),
      performAssignment: (protocolName, members) => this.#assign(protocolName, members),
      onJoinComplete: (generationId, _memberId, _protocolName, assignment) => this.#onJoinComplete(generationId, assignment),
      onMembershipLost: () => this.#lose(),
      rejoinNeeded: async () => this.#options.subscription instanceof RegExp && (await this.#topics()).join('\0') !== this.#joinedTopics.join('\0'),
      onRoundError: (error) => (isRetriableGroupError(error) ? 'retry' : 'fail'),
      onFatalError: (error) => this.#hooks.onError(error),
      onLeavePrepare: () => this.#revokeAll(),
    });
  }

  get coordinatorId(): number | null { return this.#coordinator.coordinatorId; }
  get memberId(): string { return this.#coordinator.memberId; }
  get generationId(): number { return this.#coordinator.generationId; }

  commitIdentity(): CommitMember {
    return { generationId: this.#coordinator.generationId, memberId: this.#coordinator.memberId, groupInstanceId: this.#options.groupInstanceId };
  }

  start(): void {
    this.#coordinator.start();
  }

  get #cooperative(): boolean {
    return this.#options.assignors.every((name) => ASSIGNORS[name].rebalanceProtocol === 'cooperative');
  }

  #topics(): Promise<string[]> {
    return subscribedTopics(this.#cluster, this.#options.subscription);
  }

  async #lose(): Promise<void> {
    const lost = this.#owned;
    this.#owned = [];
    if (lost.length > 0) await this.#hooks.onLost(lost);
  }

  async #onJoinPrepare(): Promise<void> {
    const topics = await this.#topics();
    this.#joinedTopics = topics;
    if (topics.length > 0) await this.#cluster.refreshMetadata(topics);
    if (!this.#cooperative && this.#owned.length > 0) {
      const revoked = this.#owned;
      this.#owned = [];
      await this.#hooks.onRevoked(revoked);
    }
  }

  /** One subscription per protocol: each assignor writes its own userData, as in Java. */
  #joinProtocols(): JoinGroupProtocol[] {
    const ownedByTopic = new Map<string, number[]>();
    for (const tp of this.#owned) ownedByTopic.set(tp.topic, [...(ownedByTopic.get(tp.topic) ?? []), tp.partition]);
    return joinProtocolNames(this.#options.assignors).map((name) => ({
      name,
      metadata: encodeSubscription({
        topics: this.#joinedTopics, userData: assignorForProtocol(name)?.subscriptionUserData?.(this.#lastAssignment) ?? null,
        ownedPartitions: [...ownedByTopic].map(([topic, partitions]) => ({ topic, partitions })),
        generationId: this.#coordinator.generationId, rackId: this.#options.rackId,
      }),
    }));
  }

  async #onJoinComplete(generationId: number, assignment: Buffer): Promise<void> {
    const assigned = decodeAssignment(assignment).assignedPartitions.flatMap((t) => t.partitions.map((partition) => ({ topic: t.topic, partition })));
    const revoked = minus(this.#owned, assigned);
    const added = minus(assigned, this.#owned);
    if (revoked.length > 0) await this.#hooks.onRevoked(revoked);
    this.#owned = assigned;
    this.#lastAssignment = { partitions: assigned, generationId };
    await this.#hooks.onAssigned(added);
    // Cooperative: what we gave up may now go to another member, which needs another round.
    if (revoked.length > 0) this.#coordinator.requestRejoin();
  }

  async #assign(protocolName: string, members: readonly JoinGroupMember[]): Promise<SyncGroupAssignment[]> {
    const assignor = assignorForProtocol(protocolName);
    if (assignor === undefined) throw new KafkaClientError(ErrorCode.INCONSISTENT_GROUP_PROTOCOL, `assign group ${this.#options.groupId}`, `unknown assignor ${protocolName}`, { retriable: false });
    const subscriptions: MemberSubscription[] = members.map((m) => {
      const sub = decodeSubscription(m.metadata);
      return {
        memberId: m.memberId, groupInstanceId: m.groupInstanceId ?? null, topics: sub.topics,
        ownedPartitions: (sub.ownedPartitions ?? []).flatMap((t) => t.partitions.map((partition) => ({ topic: t.topic, partition }))),
        generationId: sub.generationId ?? -1, userData: sub.userData,
      };
    });
    const allTopics = [...new Set(subscriptions.flatMap((s) => s.topics))];
    const meta = await this.#cluster.refreshMetadata(allTopics);
    const partitionsPerTopic = new Map<string, number>();
    for (const topic of allTopics) {
      const t = meta.topics.get(topic);
      if (t !== undefined && t.errorCode === ErrorCode.NONE) partitionsPerTopic.set(topic, t.partitions.length);
    }
    const plan = assignor.assign(partitionsPerTopic, subscriptions);
    return [...plan].map(([memberId, partitions]) => {
      const byTopic = new Map<string, number[]>();
      for (const tp of partitions) byTopic.set(tp.topic, [...(byTopic.get(tp.topic) ?? []), tp.partition]);
      return { memberId, assignment: encodeAssignment({ assignedPartitions: [...byTopic].map(([topic, ps]) => ({ topic, partitions: ps })), userData: null }) };
    });
  }

  async #revokeAll(): Promise<void> {
    if (this.#owned.length === 0) return;
    const revoked = this.#owned;
    this.#owned = [];
    await this.#hooks.onRevoked(revoked).catch(() => {});
  }

  /** Revokes what we own and leaves the group (static members keep their slot, as in Java). */
  leave(): Promise<void> {
    return this.#coordinator.close('consumer closed');
  }
}
