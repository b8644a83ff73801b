import { ErrorCode } from '../protocol/errors.ts';
import type { JoinGroupRequestJoinGroupRequestProtocol, JoinGroupResponseJoinGroupResponseMember } from '../protocol/generated/join-group.ts';
import type { SyncGroupRequestSyncGroupRequestAssignment } from '../protocol/generated/sync-group.ts';
import { Apis } from './apis.ts';
import type { Cluster } from './cluster.ts';
import { KafkaClientError } from './errors.ts';
import { coordinatorLost, FENCED_GROUP_ERRORS, WakeableSleep } from './group-membership.ts';
import { findCoordinator } from './group-requests.ts';

export type JoinGroupProtocol = JoinGroupRequestJoinGroupRequestProtocol;
export type JoinGroupMember = JoinGroupResponseJoinGroupResponseMember;
export type SyncGroupAssignment = SyncGroupRequestSyncGroupRequestAssignment;

export interface ClassicGroupCoordinatorOptions {
  readonly groupId: string;
  /** group.instance.id: a static member keeps its slot when it leaves; null for a dynamic one. */
  readonly groupInstanceId: string | null;
  /** 'consumer', or 'sr' for the schema registry: all members of a group must name the same. */
  readonly protocolType: string;
  readonly sessionTimeoutMs: number;
  /** How long the coordinator waits for every member to rejoin; JoinGroup and SyncGroup may take as long. */
  readonly rebalanceTimeoutMs: number;
  readonly heartbeatIntervalMs: number;
}

/**
 * What the loop does after a round failed: 'retry' backs off and runs again (looking the
 * coordinator up anew where the error says it is lost), 'stop' ends the loop quietly, 'fail' ends
 * it with the error, which goes to onFatalError.
 */
export type RoundErrorAction = 'retry' | 'stop' | 'fail';

/** What the owner of a membership adds to the protocol: the abstract methods of Java's AbstractCoordinator. */
export interface ClassicGroupCallbacks {
  /** Before each JoinGroup (Java's onJoinPrepare): give up what the next generation may hand to another member. */
  onJoinPrepare(): void | Promise<void>;
  /** The protocols this JoinGroup offers, most preferred first, each with its metadata (Java's metadata()). */
  joinProtocols(): JoinGroupProtocol[];
  /** The group leader's assignment for every member (Java's onLeaderElected). */
  performAssignment(protocolName: string, members: readonly JoinGroupMember[]): SyncGroupAssignment[] | Promise<SyncGroupAssignment[]>;
  /** This member's assignment of the generation arrived (Java's onJoinComplete). */
  onJoinComplete(generationId: number, memberId: string, protocolName: string, assignment: Buffer): void | Promise<void>;
  /** The coordinator fenced us (member id and generation are already forgotten): what we held is gone. */
  onMembershipLost?(): void | Promise<void>;
  /** Asked after every successful heartbeat: true rejoins at once (Java's rejoinNeededOrPending). */
  rejoinNeeded?(): Promise<boolean>;
  /** Decides the fate of an error a round threw; `running` is false once close() began. */
  onRoundError(error: unknown, running: boolean): RoundErrorAction;
  /** The loop ended with an error ('fail'). */
  onFatalError(error: Error): void;
  /** In close(), once the loop has stopped and before LeaveGroup (Java's onLeavePrepare). */
  onLeavePrepare?(): void | Promise<void>;
}

/**
 * A member of a classic group, as Java's AbstractCoordinator: one loop finds the coordinator,
 * joins (again with the member id a MEMBER_ID_REQUIRED answer names), lets the leader assign,
 * syncs, then heartbeats until a rebalance, a fence or a rejoin the owner asks for; failed rounds
 * back off from retry.backoff.ms to retry.backoff.max.ms (KIP-580). close() leaves the group.
 *
 * Composition rather than a base class: its two owners show different faces (the consumer's
 * GroupMembership; the registry's start(initTimeoutMs)/close()), which a base class would mix with
 * its own public start/close and the protected state a subclass needs. Here the loop's state stays
 * private, and what each owner adds is one ClassicGroupCallbacks object, read in one place.
 */
export class ClassicGroupCoordinator {
  readonly #cluster: Cluster;
  readonly #options: ClassicGroupCoordinatorOptions;
  readonly #callbacks: ClassicGroupCallbacks;
  readonly #sleeper = new WakeableSleep();
  #coordinatorId: number | null = null;
  #memberId = '';
  #generationId = -1;
  #rejoinRequested = false;
  #running = false;
  #loop: Promise<void> | null = null;

  constructor(cluster: Cluster, options: ClassicGroupCoordinatorOptions, callbacks: ClassicGroupCallbacks) {
    this.#cluster = cluster;
    this.#options = options;
    this.#callbacks = callbacks;
  }

  /** The group coordinator while known. */
  get coordinatorId(): number | null { return this.#coordinatorId; }
  get memberId(): string { return this.#memberId; }
  get generationId(): number { return this.#generationId; }

  start(): void {
    this.#running = true;
    this.#loop = this.#run().catch((error: unknown) => this.#callbacks.onFatalError(error as Error));
  }

  /** Skips the heartbeats after the assignment being completed: the member joins again at once. */
  requestRejoin(): void {
    this.#rejoinRequested = true;
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
        const action = this.#callbacks.onRoundError(error, this.#running);
        if (action === 'fail') throw error;
        if (action === 'stop') return;
        if (error instanceof KafkaClientError && coordinatorLost(error)) this.#coordinatorId = null;
        if (this.#running) await this.#sleeper.sleep(this.#cluster.retryBackoff.backoff(failures++));
      }
    }
  }

  async #lose(): Promise<void> {
    this.#memberId = '';
    this.#generationId = -1;
    await this.#callbacks.onMembershipLost?.();
  }

  async #joinAndSync(): Promise<void> {
    const { groupId, groupInstanceId, protocolType, sessionTimeoutMs, rebalanceTimeoutMs } = this.#options;
    await this.#callbacks.onJoinPrepare();
    const protocols = this.#callbacks.joinProtocols();
    const coordinator = this.#coordinatorId!;
    const join = await this.#cluster.send(coordinator, 'group', Apis.JoinGroup, {
      groupId, sessionTimeoutMs, rebalanceTimeoutMs, memberId: this.#memberId, groupInstanceId, protocolType, protocols, reason: null,
    }, { extraTimeoutMs: rebalanceTimeoutMs });
    if (join.errorCode === ErrorCode.MEMBER_ID_REQUIRED) {
      this.#memberId = join.memberId;
      return;
    }
    if (FENCED_GROUP_ERRORS.has(join.errorCode)) return this.#lose();
    if (join.errorCode === ErrorCode.REBALANCE_IN_PROGRESS) return;
    if (join.errorCode !== ErrorCode.NONE) throw new KafkaClientError(join.errorCode, `JoinGroup ${groupId}`);
    this.#memberId = join.memberId;
    this.#generationId = join.generationId;
    // Nullable since JoinGroup v7, but a successful join names the protocol the group chose.
    const protocolName = join.protocolName ?? protocols[0]!.name;
    // skipAssignment (KIP-814): a static leader rejoining unchanged; the coordinator keeps the assignment.
    const assignments = join.leader === join.memberId && !(join.skipAssignment ?? false)
      ? await this.#callbacks.performAssignment(protocolName, join.members) : [];
    const sync = await this.#cluster.send(coordinator, 'group', Apis.SyncGroup, {
      groupId, generationId: join.generationId, memberId: join.memberId, groupInstanceId, protocolType, protocolName, assignments,
    }, { extraTimeoutMs: rebalanceTimeoutMs });
    if (FENCED_GROUP_ERRORS.has(sync.errorCode)) return this.#lose();
    if (sync.errorCode === ErrorCode.REBALANCE_IN_PROGRESS) return;
    if (sync.errorCode !== ErrorCode.NONE) throw new KafkaClientError(sync.errorCode, `SyncGroup ${groupId}`);
    await this.#callbacks.onJoinComplete(join.generationId, join.memberId, protocolName, sync.assignment);
  }

  async #heartbeatUntilRebalance(): Promise<void> {
    if (this.#generationId < 0) return;
    while (this.#running && !this.#rejoinRequested) {
      await this.#sleeper.sleep(this.#options.heartbeatIntervalMs);
      if (!this.#running) return;
      const response = await this.#cluster.send(this.#coordinatorId!, 'group', Apis.Heartbeat, {
        groupId: this.#options.groupId, generationId: this.#generationId, memberId: this.#memberId, groupInstanceId: this.#options.groupInstanceId,
      });
      if (response.errorCode === ErrorCode.REBALANCE_IN_PROGRESS) return;
      if (FENCED_GROUP_ERRORS.has(response.errorCode)) return this.#lose();
      if (response.errorCode !== ErrorCode.NONE) throw new KafkaClientError(response.errorCode, `Heartbeat ${this.#options.groupId}`);
      if (await this.#callbacks.rejoinNeeded?.()) return;
    }
    this.#rejoinRequested = false;
  }

  /**
   * Stops the loop and leaves the group, so the others rebalance now rather than after the session
   * timeout; a static member keeps its slot instead, as in Java.
   */
  async close(reason: string): Promise<void> {
    this.#running = false;
    this.#sleeper.wake();
    await this.#loop;
    await this.#callbacks.onLeavePrepare?.();
    if (this.#memberId !== '' && this.#options.groupInstanceId === null && this.#coordinatorId !== null) {
      await this.#cluster.send(this.#coordinatorId, 'group', Apis.LeaveGroup, {
        groupId: this.#options.groupId, members: [{ memberId: this.#memberId, groupInstanceId: null, reason }],
      }).catch(() => {});
    }
    this.#memberId = '';
    this.#generationId = -1;
  }
}
