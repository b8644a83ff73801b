import { ErrorCode } from '../../../protocol/errors.ts';
import type { Logger } from '../../logger.ts';
import type { Time } from '../../time.ts';
import type { CoordinatorRecord, CoordinatorTimer } from '../runtime/coordinator-runtime.ts';
import type { Group } from './group.ts';
import { ClassicGroup } from './classic-group.ts';
import { EMPTY_ASSIGNMENT, type ClassicGroupMember } from './classic-group-member.ts';
import { groupMetadataRecord } from './classic-records.ts';
import { heartbeatKey, joinKey, syncKey, UNKNOWN_MEMBER_ID, type JoinGroupResponse } from './classic-types.ts';

/** The classic group settings (Kafka's group.* broker configs). */
export interface ClassicGroupSettings {
  readonly minSessionTimeoutMs: number;
  readonly maxSessionTimeoutMs: number;
  readonly initialRebalanceDelayMs: number;
  readonly maxSize: number;
  /** How long a new member's first JoinGroup may stay parked (Kafka's internal 5 minutes). */
  readonly newMemberJoinTimeoutMs: number;
}

export interface ClassicEnvironment {
  readonly time: Time;
  readonly timer: CoordinatorTimer;
  readonly logger: Logger;
  readonly settings: ClassicGroupSettings;
  readonly groups: Map<string, Group>;
  /** Member ids are `${clientId or group.instance.id}-${uuid}`. */
  readonly randomUuid: () => string;
}

/** What to do once a written GroupMetadata record is in the log (replayed), or when its append failed. */
interface PendingAppend {
  readonly onAppended: () => void;
  readonly onFailed: (errorCode: number) => CoordinatorRecord[];
}

/**
 * The rebalance machinery shared by JoinGroup, SyncGroup, Heartbeat, LeaveGroup and the timers, as
 * Kafka's GroupMetadataManager does it. The join phase is soft state (parked requests, who rejoined),
 * never written; a rebalance's outcome is, as a GroupMetadata record. What follows such a write
 * (answering SyncGroups, the move to Stable) runs when the record is replayed after its append,
 * which is how Kafka's append future works; an append that failed is noticed by a timer that runs
 * right after the operation, and undone as Kafka undoes it.
 */
export class ClassicRebalancer {
  readonly env: ClassicEnvironment;
  readonly #pendingAppends = new Map<string, PendingAppend[]>();

  constructor(env: ClassicEnvironment) {
    this.env = env;
  }

  get logger(): Logger { return this.env.logger; }
  now(): number { return this.env.time.now(); }

  classicGroup(groupId: string): ClassicGroup | undefined {
    const group = this.env.groups.get(groupId);
    return group instanceof ClassicGroup ? group : undefined;
  }

  /** Writes a GroupMetadata record of `group`; the callbacks run when it is replayed or its append fails. */
  write(group: ClassicGroup, record: CoordinatorRecord, onAppended: () => void = () => {}, onFailed: (errorCode: number) => CoordinatorRecord[] = () => []): CoordinatorRecord[] {
    const queue = this.#pendingAppends.get(group.groupId) ?? [];
    queue.push({ onAppended, onFailed });
    this.#pendingAppends.set(group.groupId, queue);
    // Runs right after this operation's append: if the record was not replayed by then, it failed.
    this.schedule(`classic-append-check-${group.groupId}`, 0, () => []);
    return [record];
  }

  /** Called by replay: true when the record was one this coordinator wrote (and its follow-up ran). */
  takePendingAppend(groupId: string): boolean {
    const queue = this.#pendingAppends.get(groupId);
    const pending = queue?.shift();
    if (queue !== undefined && queue.length === 0) this.#pendingAppends.delete(groupId);
    if (pending === undefined) return false;
    pending.onAppended();
    return true;
  }

  /**
   * Appends run right after the operation that wrote them, so a write still waiting for its replay
   * when another operation starts has failed. Every entry point calls this first.
   */
  failUnreplayedAppends(): CoordinatorRecord[] {
    if (this.#pendingAppends.size === 0) return [];
    const failed = [...this.#pendingAppends.values()].flat();
    this.#pendingAppends.clear();
    const records: CoordinatorRecord[] = [];
    // Kafka answers a failed group metadata append of a too large record with UNKNOWN_SERVER_ERROR.
    for (const pending of failed) records.push(...pending.onFailed(ErrorCode.UNKNOWN_SERVER_ERROR));
    return records;
  }

  /** A timer whose operation first settles failed appends (see failUnreplayedAppends). */
  schedule(key: string, delayMs: number, body: () => CoordinatorRecord[]): void {
    this.env.timer.schedule(key, delayMs, () => {
      const records = this.failUnreplayedAppends();
      records.push(...body());
      return { records, response: undefined };
    });
  }

  // --- heartbeats and member expiry ---

  rescheduleHeartbeat(group: ClassicGroup, member: ClassicGroupMember, timeoutMs: number = member.sessionTimeoutMs): void {
    const groupId = group.groupId;
    const memberId = member.memberId;
    this.schedule(heartbeatKey(groupId, memberId), timeoutMs, () => this.expireHeartbeat(groupId, memberId));
  }

  scheduleNewPendingMemberExpiry(group: ClassicGroup, memberId: string, timeoutMs: number): void {
    const groupId = group.groupId;
    this.schedule(heartbeatKey(groupId, memberId), timeoutMs, () => this.expireHeartbeat(groupId, memberId));
  }

  expireHeartbeat(groupId: string, memberId: string): CoordinatorRecord[] {
    const group = this.classicGroup(groupId);
    if (group === undefined || group.isInState('Dead')) return [];
    if (group.isPendingMember(memberId)) {
      this.logger.info({ groupId, memberId }, 'pending member removed after its session timeout');
      return this.removePendingMemberAndUpdate(group, memberId);
    }
    const member = group.member(memberId);
    if (member === undefined || member.hasSatisfiedHeartbeat()) return [];
    this.logger.info({ groupId, memberId }, 'member failed its session timeout; removing it from the group');
    return this.removeMemberAndUpdate(group, member, `removing member ${memberId} on heartbeat expiration`);
  }

  /** Removes a member (answering a parked JoinGroup with UNKNOWN_MEMBER_ID, so a live client rejoins) and moves the rebalance on. */
  removeMemberAndUpdate(group: ClassicGroup, member: ClassicGroupMember, reason: string): CoordinatorRecord[] {
    group.completeJoin(member, joinError(UNKNOWN_MEMBER_ID, ErrorCode.UNKNOWN_MEMBER_ID));
    group.remove(member.memberId);
    if (group.isInState('Stable') || group.isInState('CompletingRebalance')) return this.maybePrepareRebalanceOrCompleteJoin(group, reason);
    if (group.isInState('PreparingRebalance') && group.hasAllMembersJoined()) return this.completeJoin(group);
    return [];
  }

  removePendingMemberAndUpdate(group: ClassicGroup, memberId: string): CoordinatorRecord[] {
    group.remove(memberId);
    if (group.isInState('PreparingRebalance') && group.hasAllMembersJoined()) return this.completeJoin(group);
    return [];
  }

  /** A member leaving through LeaveGroup: timers off, a parked JoinGroup answered, then removed. */
  removeCurrentMember(group: ClassicGroup, memberId: string, reason: string): void {
    const member = group.member(memberId);
    if (member === undefined) return;
    this.env.timer.cancel(heartbeatKey(group.groupId, memberId));
    this.logger.info({ groupId: group.groupId, memberId, reason }, 'member left the group');
    group.completeJoin(member, joinError(UNKNOWN_MEMBER_ID, ErrorCode.UNKNOWN_MEMBER_ID));
    group.remove(memberId);
  }

  // --- the join phase ---

  maybePrepareRebalanceOrCompleteJoin(group: ClassicGroup, reason: string): CoordinatorRecord[] {
    return group.canRebalance() ? this.prepareRebalance(group, reason) : this.maybeCompleteJoinPhase(group);
  }

  prepareRebalance(group: ClassicGroup, reason: string): CoordinatorRecord[] {
    // Members waiting in SyncGroup must rejoin instead.
    if (group.isInState('CompletingRebalance')) this.resetAndPropagateAssignmentWithError(group, ErrorCode.REBALANCE_IN_PROGRESS);
    this.removeSyncExpiration(group);
    const isInitialRebalance = group.isInState('Empty');
    if (isInitialRebalance) {
      // A new group waits a little for more members, so the first assignment is not redone at once.
      const delayMs = this.env.settings.initialRebalanceDelayMs;
      const remainingMs = Math.max(group.rebalanceTimeoutMs() - delayMs, 0);
      this.#scheduleInitialRebalance(group.groupId, delayMs, remainingMs);
    }
    group.transitionTo('PreparingRebalance', this.now());
    this.logger.info({ groupId: group.groupId, generationId: group.generationId, reason }, 'preparing to rebalance group');
    return isInitialRebalance ? [] : this.maybeCompleteJoinElseSchedule(group);
  }

  maybeCompleteJoinElseSchedule(group: ClassicGroup): CoordinatorRecord[] {
    if (group.hasAllMembersJoined()) return this.completeJoin(group);
    const groupId = group.groupId;
    this.schedule(joinKey(groupId), group.rebalanceTimeoutMs(), () => this.#completeJoinOf(groupId));
    return [];
  }

  #scheduleInitialRebalance(groupId: string, delayMs: number, remainingMs: number): void {
    this.schedule(joinKey(groupId), delayMs, () => this.#tryCompleteInitialRebalance(groupId, delayMs, remainingMs));
  }

  #tryCompleteInitialRebalance(groupId: string, delayMs: number, remainingMs: number): CoordinatorRecord[] {
    const group = this.classicGroup(groupId);
    if (group === undefined) return [];
    if (group.newMemberAdded && remainingMs !== 0) {
      group.newMemberAdded = false;
      const newDelayMs = Math.min(this.env.settings.initialRebalanceDelayMs, remainingMs);
      const newRemainingMs = Math.max(remainingMs - delayMs, 0);
      this.#scheduleInitialRebalance(groupId, newDelayMs, newRemainingMs);
      return [];
    }
    return this.completeJoin(group);
  }

  /** Completes the join phase unless this is the initial rebalance (its delay runs) or someone has not rejoined yet. */
  maybeCompleteJoinPhase(group: ClassicGroup): CoordinatorRecord[] {
    if (!group.isInState('PreparingRebalance')) return [];
    if (group.previousState === 'Empty') return [];
    if (!group.hasAllMembersJoined()) return [];
    return this.completeJoin(group);
  }

  #completeJoinOf(groupId: string): CoordinatorRecord[] {
    const group = this.classicGroup(groupId);
    return group === undefined ? [] : this.completeJoin(group);
  }

  /**
   * Ends the join phase: dynamic members that did not rejoin are dropped, the generation moves on,
   * and every parked JoinGroup is answered (the leader gets all members' metadata). An emptied
   * group is written as such.
   */
  completeJoin(group: ClassicGroup): CoordinatorRecord[] {
    const groupId = group.groupId;
    this.env.timer.cancel(joinKey(groupId));
    for (const member of [...group.members.values()]) {
      if (!member.isAwaitingJoin() && !member.isStaticMember()) {
        group.remove(member.memberId);
        this.env.timer.cancel(heartbeatKey(groupId, member.memberId));
        this.logger.info({ groupId, memberId: member.memberId }, 'member did not rejoin in time; removed');
      }
    }
    if (group.isInState('Dead')) return [];
    if (!group.maybeElectNewJoinedLeader() && group.members.size > 0) {
      // Nobody rejoined: wait another rebalance timeout, until session timeouts clear the members out.
      this.schedule(joinKey(groupId), group.rebalanceTimeoutMs(), () => this.#completeJoinOf(groupId));
      return [];
    }
    group.initNextGeneration(this.now());
    if (group.isInState('Empty')) {
      this.logger.info({ groupId, generationId: group.generationId }, 'group is now empty');
      return this.write(group, groupMetadataRecord(group, new Map()));
    }
    this.logger.info({ groupId, generationId: group.generationId, members: group.members.size, protocol: group.protocolName }, 'group rebalanced; waiting for SyncGroup');
    for (const member of group.members.values()) {
      group.completeJoin(member, group.joinResponse(member.memberId, group.isLeader(member.memberId)));
      this.rescheduleHeartbeat(group, member);
      member.isNew = false;
      group.pendingSyncMembers.add(member.memberId);
    }
    this.schedulePendingSync(group);
    return [];
  }

  // --- the sync phase ---

  schedulePendingSync(group: ClassicGroup): void {
    const groupId = group.groupId;
    const generationId = group.generationId;
    this.schedule(syncKey(groupId), group.rebalanceTimeoutMs(), () => this.expirePendingSync(groupId, generationId));
  }

  /** Members that did not send SyncGroup within the rebalance timeout are removed, and the group rebalances. */
  expirePendingSync(groupId: string, generationId: number): CoordinatorRecord[] {
    const group = this.classicGroup(groupId);
    if (group === undefined || group.generationId !== generationId) return [];
    if (!group.isInState('CompletingRebalance') && !group.isInState('Stable')) return [];
    if (group.hasReceivedSyncFromAllMembers()) return [];
    const expired = [...group.pendingSyncMembers];
    for (const memberId of expired) {
      group.remove(memberId);
      this.env.timer.cancel(heartbeatKey(groupId, memberId));
    }
    return this.prepareRebalance(group, `removing ${expired.join(', ')} on pending sync request expiration`);
  }

  removeSyncExpiration(group: ClassicGroup): void {
    group.pendingSyncMembers.clear();
    this.env.timer.cancel(syncKey(group.groupId));
  }

  removePendingSyncMember(group: ClassicGroup, memberId: string): void {
    group.pendingSyncMembers.delete(memberId);
    const waitingForOthers = (group.isInState('CompletingRebalance') || group.isInState('Stable')) && !group.hasReceivedSyncFromAllMembers();
    if (!waitingForOthers) this.env.timer.cancel(syncKey(group.groupId));
  }

  resetAndPropagateAssignmentWithError(group: ClassicGroup, errorCode: number): void {
    for (const member of group.members.values()) member.assignment = EMPTY_ASSIGNMENT;
    this.propagateAssignment(group, errorCode);
  }

  setAndPropagateAssignment(group: ClassicGroup, assignment: ReadonlyMap<string, Buffer>): void {
    for (const member of group.members.values()) member.assignment = assignment.get(member.memberId) ?? EMPTY_ASSIGNMENT;
    this.propagateAssignment(group, ErrorCode.NONE);
  }

  /** Answers every parked SyncGroup; a member just answered gets a fresh session deadline. */
  propagateAssignment(group: ClassicGroup, errorCode: number): void {
    const ok = errorCode === ErrorCode.NONE;
    for (const member of group.members.values()) {
      const answered = member.completeSync({
        errorCode,
        protocolType: ok ? group.protocolTypeOrNull() : null,
        protocolName: ok ? group.protocolName : null,
        assignment: member.assignment,
      });
      if (answered) this.rescheduleHeartbeat(group, member);
    }
  }
}

export function joinError(memberId: string, errorCode: number): JoinGroupResponse {
  return { errorCode, generationId: -1, protocolType: null, protocolName: null, leader: '', skipAssignment: false, memberId, members: [] };
}
