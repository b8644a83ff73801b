import { Apis } from '../client/apis.ts';
import { Cluster } from '../client/cluster.ts';
import { KafkaClientError } from '../client/errors.ts';
import { findCoordinator } from '../client/group-requests.ts';
import { coordinatorLost, FENCED_GROUP_ERRORS, isRetriableGroupError, WakeableSleep } from '../client/group-membership.ts';
import type { ClusterOptions } from '../client/index.ts';
import { ErrorCode } from '../protocol/errors.ts';
import {
  assignLeader, decodeAssignment, DUPLICATE_URLS, encodeIdentity, identityUrl, NO_ERROR, PROTOCOL_NAME, PROTOCOL_TYPE,
  type SchemaRegistryIdentity,
} from './leader-election-protocol.ts';

/** The leader an assignment named: its URL, and whether it is this instance. */
export interface RegistryLeader {
  readonly url: string;
  readonly self: boolean;
}

export interface LeaderElectorOptions {
  readonly client: ClusterOptions;
  /** schema.registry.group.id */
  readonly groupId: string;
  readonly identity: SchemaRegistryIdentity;
  /** Confluent's kafkagroup session timeout (10 s); the heartbeat interval is a third of it. */
  readonly sessionTimeoutMs: number;
  /** Told of every change: null while no leader is known (joining, rebalancing, none eligible). */
  readonly onLeader: (leader: RegistryLeader | null) => void;
  readonly log: (message: string) => void;
}

/**
 * The registry instances' leader election over Kafka's classic group protocol, as Confluent's
 * KafkaGroupLeaderElector: every instance joins the group with its identity, the group leader picks
 * the registry leader (assignLeader), and each instance learns it from its assignment. A member
 * stops knowing a leader as soon as it rejoins, so two instances never both think they lead in one
 * generation; a leader that dies is dropped by the coordinator after the session timeout and the
 * rebalance that follows picks another.
 */
export class LeaderElector {
  readonly #options: LeaderElectorOptions;
  readonly #cluster: Cluster;
  readonly #sleeper = new WakeableSleep();
  #coordinatorId: number | null = null;
  #memberId = '';
  #generationId = -1;
  #running = false;
  #loop: Promise<void> | null = null;
  readonly #firstAssignment = Promise.withResolvers<void>();
  #assigned = false;

  constructor(options: LeaderElectorOptions) {
    this.#options = options;
    this.#cluster = new Cluster({ ...options.client, clientId: `${options.client.clientId ?? 'samsa-schema-registry'}-leader-elector` });
  }

  /**
   * Joins the group; resolves at the first assignment, rejects on an error no retry can fix or
   * after `initTimeoutMs` without one (Confluent's kafkastore.init.timeout.ms).
   */
  async start(initTimeoutMs: number): Promise<void> {
    this.#running = true;
    this.#loop = this.#run().catch((error: unknown) => {
      this.#firstAssignment.reject(error);
      this.#options.log(`leader election stopped: ${(error as Error).message}`);
    });
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('Timed out waiting for join group to complete')), initTimeoutMs);
    });
    try {
      await Promise.race([this.#firstAssignment.promise, timedOut]);
    } finally {
      clearTimeout(timer);
    }
  }

  async #run(): Promise<void> {
    let failures = 0;
    while (this.#running) {
      try {
        this.#coordinatorId ??= await findCoordinator(this.#cluster, this.#options.groupId);
        await this.#joinAndSync();
        await this.#heartbeatUntilRebalance();
        failures = 0;
      } catch (error) {
        if (!this.#running) return;
        // Before the first assignment an error no retry fixes (a session timeout the broker refuses,
        // say) fails the start; after it, as Confluent's poll loop since its elector thread could die
        // for good, everything is retried: an instance must not stay without a leader until restarted.
        if (!this.#assigned && !isRetriableGroupError(error)) throw error;
        // Cut off from the coordinator, we cannot know whether the group has moved on without us:
        // better no leader (writes answer 50004 until we rejoin) than two.
        this.#options.onLeader(null);
        if (error instanceof KafkaClientError && coordinatorLost(error)) this.#coordinatorId = null;
        this.#options.log(`leader election: ${(error as Error).message}, retrying`);
        await this.#sleeper.sleep(this.#cluster.retryBackoff.backoff(failures++));
      }
    }
  }

  #reset(): void {
    this.#memberId = '';
    this.#generationId = -1;
  }

  async #joinAndSync(): Promise<void> {
    const { groupId, sessionTimeoutMs } = this.#options;
    // Confluent's onRevoked: whatever we knew belongs to the generation we are leaving.
    this.#options.onLeader(null);
    const coordinator = this.#coordinatorId!;
    const join = await this.#cluster.send(coordinator, 'group', Apis.JoinGroup, {
      groupId, sessionTimeoutMs, rebalanceTimeoutMs: sessionTimeoutMs, memberId: this.#memberId, groupInstanceId: null,
      protocolType: PROTOCOL_TYPE, protocols: [{ name: PROTOCOL_NAME, metadata: encodeIdentity(this.#options.identity) }], reason: null,
    }, { extraTimeoutMs: sessionTimeoutMs });
    if (join.errorCode === ErrorCode.MEMBER_ID_REQUIRED) {
      this.#memberId = join.memberId;
      return;
    }
    if (FENCED_GROUP_ERRORS.has(join.errorCode)) return this.#reset();
    if (join.errorCode === ErrorCode.REBALANCE_IN_PROGRESS) return;
    if (join.errorCode !== ErrorCode.NONE) throw new KafkaClientError(join.errorCode, `JoinGroup ${groupId}`);
    this.#memberId = join.memberId;
    this.#generationId = join.generationId;
    const assignments = join.leader === join.memberId ? assignLeader(join.members) : [];
    const sync = await this.#cluster.send(coordinator, 'group', Apis.SyncGroup, {
      groupId, generationId: join.generationId, memberId: join.memberId, groupInstanceId: null,
      protocolType: PROTOCOL_TYPE, protocolName: PROTOCOL_NAME, assignments,
    }, { extraTimeoutMs: sessionTimeoutMs });
    if (FENCED_GROUP_ERRORS.has(sync.errorCode)) return this.#reset();
    if (sync.errorCode === ErrorCode.REBALANCE_IN_PROGRESS) return;
    if (sync.errorCode !== ErrorCode.NONE) throw new KafkaClientError(sync.errorCode, `SyncGroup ${groupId}`);
    const assignment = decodeAssignment(sync.assignment);
    if (assignment.error !== NO_ERROR) {
      // As Confluent's: no leader from this assignment, and a start waiting for it fails.
      const problem = new Error(assignment.error === DUPLICATE_URLS
        ? 'The schema registry group contained multiple members advertising the same URL. Give each instance a unique, routable --host-name or --listeners.'
        : `Unknown error ${assignment.error} returned from the schema registry coordination protocol`);
      this.#options.log(problem.message);
      this.#firstAssignment.reject(problem);
      return;
    }
    const leader = assignment.leaderIdentity === null ? null
      : { url: identityUrl(assignment.leaderIdentity), self: assignment.leader === this.#memberId };
    this.#options.log(leader === null ? 'no leader is eligible' : `leader is ${leader.url}${leader.self ? ' (this instance)' : ''}`);
    this.#options.onLeader(leader);
    this.#assigned = true;
    this.#firstAssignment.resolve();
  }

  async #heartbeatUntilRebalance(): Promise<void> {
    if (this.#generationId < 0) return;
    const intervalMs = Math.max(1, Math.floor(this.#options.sessionTimeoutMs / 3));
    while (this.#running) {
      await this.#sleeper.sleep(intervalMs);
      if (!this.#running) return;
      const response = await this.#cluster.send(this.#coordinatorId!, 'group', Apis.Heartbeat, {
        groupId: this.#options.groupId, generationId: this.#generationId, memberId: this.#memberId, groupInstanceId: null,
      });
      if (response.errorCode === ErrorCode.REBALANCE_IN_PROGRESS) return;
      if (FENCED_GROUP_ERRORS.has(response.errorCode)) return this.#reset();
      if (response.errorCode !== ErrorCode.NONE) throw new KafkaClientError(response.errorCode, `Heartbeat ${this.#options.groupId}`);
    }
  }

  /** Leaves the group, so the others elect a new leader now rather than after the session timeout. */
  async close(): Promise<void> {
    this.#running = false;
    this.#sleeper.wake();
    await this.#loop;
    this.#options.onLeader(null);
    if (this.#memberId !== '' && this.#coordinatorId !== null) {
      await this.#cluster.send(this.#coordinatorId, 'group', Apis.LeaveGroup, {
        groupId: this.#options.groupId, members: [{ memberId: this.#memberId, groupInstanceId: null, reason: 'schema registry closed' }],
      }).catch(() => {});
    }
    this.#reset();
    this.#cluster.close();
  }
}
