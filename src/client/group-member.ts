import { ErrorCode } from '../protocol/errors.ts';
import { Apis } from './apis.ts';
import { ASSIGNORS, assignorForProtocol, joinProtocolNames, type AssignorName, type LastAssignment, type MemberSubscription } from './assignors.ts';
import type { Cluster } from './cluster.ts';
import { decodeAssignment, decodeSubscription, encodeAssignment, encodeSubscription } from './consumer-protocol.ts';
import { KafkaClientError } from './errors.ts';
import type { TopicPartition } from './topic-partition.ts';
import { findCoordinator, type CommitMember } from './group-requests.ts';
import {
  coordinatorLost, FENCED_GROUP_ERRORS, isRetriableGroupError, minus, subscribedTopics, WakeableSleep, type GroupMemberHooks, type GroupMembership,
} from './group-membership.ts';

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

const FENCED = FENCED_GROUP_ERRORS;

/**
 * A consumer's membership in a classic group: JoinGroup, the leader's client-side assignment,
 * SyncGroup, then Heartbeats on the group connection until a rebalance, with eager or
 * cooperative (KIP-429) revocation as the assignors allow.
 */
export class GroupMember implements GroupMembership {
  readonly #cluster: Cluster;
  readonly #options: GroupMemberOptions;
  readonly #hooks: GroupMemberHooks;
  coordinatorId: number | null = null;
  #memberId = '';
  #generationId = -1;
  #owned: TopicPartition[] = [];
  /** Kept through eager revocation: the sticky assignor reports it in its userData. */
  #lastAssignment: LastAssignment | null = null;
  #joinedTopics: string[] = [];
  #running = false;
  #loop: Promise<void> | null = null;
  readonly #sleeper = new WakeableSleep();

  constructor(cluster: Cluster, options: GroupMemberOptions, hooks: GroupMemberHooks) {
    this.#cluster = cluster;
    this.#options = options;
    this.#hooks = hooks;
  }

  get memberId(): string { return this.#memberId; }
  get generationId(): number { return this.#generationId; }

  commitIdentity(): CommitMember {
    return { generationId: this.#generationId, memberId: this.#memberId, groupInstanceId: this.#options.groupInstanceId };
  }

  start(): void {
    this.#running = true;
    this.#loop = this.#run().catch((error: unknown) => this.#hooks.onError(error as Error));
  }

  get #cooperative(): boolean {
    return this.#options.assignors.every((name) => ASSIGNORS[name].rebalanceProtocol === 'cooperative');
  }

  #topics(): Promise<string[]> {
    return subscribedTopics(this.#cluster, this.#options.subscription);
  }

  async #run(): Promise<void> {
    // Consecutive failures: the wait grows from retry.backoff.ms to retry.backoff.max.ms (KIP-580).
    let failures = 0;
    while (this.#running) {
      try {
        this.coordinatorId ??= await findCoordinator(this.#cluster, this.#options.groupId);
        await this.#joinAndSync();
        await this.#heartbeatUntilRebalance();
        failures = 0;
      } catch (error) {
        if (!isRetriableGroupError(error)) throw error;
        if (coordinatorLost(error)) this.coordinatorId = null;
        if (this.#running) await this.#sleeper.sleep(this.#cluster.retryBackoff.backoff(failures++));
      }
    }
  }

  async #lose(): Promise<void> {
    this.#memberId = '';
    this.#generationId = -1;
    const lost = this.#owned;
    this.#owned = [];
    if (lost.length > 0) await this.#hooks.onLost(lost);
  }

  async #joinAndSync(): Promise<void> {
    const groupId = this.#options.groupId;
    const topics = await this.#topics();
    this.#joinedTopics = topics;
    if (topics.length > 0) await this.#cluster.refreshMetadata(topics);
    if (!this.#cooperative && this.#owned.length > 0) {
      const revoked = this.#owned;
      this.#owned = [];
      await this.#hooks.onRevoked(revoked);
    }
    const ownedByTopic = new Map<string, number[]>();
    for (const tp of this.#owned) ownedByTopic.set(tp.topic, [...(ownedByTopic.get(tp.topic) ?? []), tp.partition]);
    // One subscription per protocol: each assignor writes its own userData, as in Java.
    const metadata = (name: string) => encodeSubscription({
      topics, userData: assignorForProtocol(name)?.subscriptionUserData?.(this.#lastAssignment) ?? null,
      ownedPartitions: [...ownedByTopic].map(([topic, partitions]) => ({ topic, partitions })),
      generationId: this.#generationId, rackId: this.#options.rackId,
    });
    const coordinator = this.coordinatorId!;
    const join = await this.#cluster.send(coordinator, 'group', Apis.JoinGroup, {
      groupId, sessionTimeoutMs: this.#options.sessionTimeoutMs, rebalanceTimeoutMs: this.#options.rebalanceTimeoutMs,
      memberId: this.#memberId, groupInstanceId: this.#options.groupInstanceId, protocolType: 'consumer',
      protocols: joinProtocolNames(this.#options.assignors).map((name) => ({ name, metadata: metadata(name) })), reason: null,
    }, { extraTimeoutMs: this.#options.rebalanceTimeoutMs });
    if (join.errorCode === ErrorCode.MEMBER_ID_REQUIRED) {
      this.#memberId = join.memberId;
      return;
    }
    if (FENCED.has(join.errorCode)) {
      await this.#lose();
      return;
    }
    if (join.errorCode === ErrorCode.REBALANCE_IN_PROGRESS) return;
    if (join.errorCode !== ErrorCode.NONE) throw new KafkaClientError(join.errorCode, `JoinGroup ${groupId}`);
    this.#memberId = join.memberId;
    this.#generationId = join.generationId;
    const protocolName = join.protocolName ?? this.#options.assignors[0]!;
    let assignments: Array<{ memberId: string; assignment: Buffer }> = [];
    if (join.leader === join.memberId && !(join.skipAssignment ?? false)) assignments = await this.#assign(protocolName, join.members);
    const sync = await this.#cluster.send(coordinator, 'group', Apis.SyncGroup, {
      groupId, generationId: join.generationId, memberId: join.memberId, groupInstanceId: this.#options.groupInstanceId,
      protocolType: 'consumer', protocolName, assignments,
    }, { extraTimeoutMs: this.#options.rebalanceTimeoutMs });
    if (FENCED.has(sync.errorCode)) {
      await this.#lose();
      return;
    }
    if (sync.errorCode === ErrorCode.REBALANCE_IN_PROGRESS) return;
    if (sync.errorCode !== ErrorCode.NONE) throw new KafkaClientError(sync.errorCode, `SyncGroup ${groupId}`);
    const assigned = decodeAssignment(sync.assignment).assignedPartitions.flatMap((t) => t.partitions.map((partition) => ({ topic: t.topic, partition })));
    const revoked = minus(this.#owned, assigned);
    const added = minus(assigned, this.#owned);
    if (revoked.length > 0) await this.#hooks.onRevoked(revoked);
    this.#owned = assigned;
    this.#lastAssignment = { partitions: assigned, generationId: join.generationId };
    await this.#hooks.onAssigned(added);
    // Cooperative: what we gave up may now go to another member, which needs another round.
    this.#rejoinNeeded = revoked.length > 0;
  }

  #rejoinNeeded = false;

  async #assign(protocolName: string, members: ReadonlyArray<{ memberId: string; groupInstanceId?: string | null; metadata: Buffer }>): Promise<Array<{ memberId: string; assignment: Buffer }>> {
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

  async #heartbeatUntilRebalance(): Promise<void> {
    if (this.#generationId < 0) return;
    while (this.#running && !this.#rejoinNeeded) {
      await this.#sleeper.sleep(this.#options.heartbeatIntervalMs);
      if (!this.#running) return;
      const response = await this.#cluster.send(this.coordinatorId!, 'group', Apis.Heartbeat, {
        groupId: this.#options.groupId, generationId: this.#generationId, memberId: this.#memberId, groupInstanceId: this.#options.groupInstanceId,
      });
      if (response.errorCode === ErrorCode.REBALANCE_IN_PROGRESS) return;
      if (FENCED.has(response.errorCode)) {
        await this.#lose();
        return;
      }
      if (response.errorCode !== ErrorCode.NONE) throw new KafkaClientError(response.errorCode, `Heartbeat ${this.#options.groupId}`);
      if (this.#options.subscription instanceof RegExp && (await this.#topics()).join('\0') !== this.#joinedTopics.join('\0')) return;
    }
    this.#rejoinNeeded = false;
  }

  /** Revokes what we own and leaves the group (static members keep their slot, as in Java). */
  async leave(): Promise<void> {
    this.#running = false;
    this.#sleeper.wake();
    await this.#loop;
    if (this.#owned.length > 0) {
      const revoked = this.#owned;
      this.#owned = [];
      await this.#hooks.onRevoked(revoked).catch(() => {});
    }
    if (this.#memberId !== '' && this.#options.groupInstanceId === null && this.coordinatorId !== null) {
      await this.#cluster.send(this.coordinatorId, 'group', Apis.LeaveGroup, {
        groupId: this.#options.groupId, members: [{ memberId: this.#memberId, groupInstanceId: null, reason: 'consumer closed' }],
      }).catch(() => {});
    }
    this.#memberId = '';
    this.#generationId = -1;
  }
}
