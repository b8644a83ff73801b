import { consumerProtocolSubscription } from '../../../protocol/generated/consumer-protocol-subscription.ts';
import type { JoinGroupResponseJoinGroupResponseMember } from '../../../protocol/generated/join-group.ts';
import { ErrorCode, KafkaError } from '../../../protocol/errors.ts';
import { Reader } from '../../../protocol/primitives/reader.ts';
import type { Group } from './group.ts';
import { ClassicGroupMember, type ClassicProtocol } from './classic-group-member.ts';
import { VALID_PREVIOUS_STATES, type ClassicGroupState, type JoinGroupResponse } from './classic-types.ts';

/** The protocol type of Kafka's consumer (ConsumerProtocol.PROTOCOL_TYPE). */
export const CONSUMER_PROTOCOL_TYPE = 'consumer';

export interface ClassicGroupInit {
  readonly groupId: string;
  readonly state: ClassicGroupState;
  readonly now: number;
  readonly generationId?: number;
  readonly protocolType?: string | null;
  readonly protocolName?: string | null;
  readonly leaderId?: string | null;
  readonly currentStateTimestamp?: number | null;
}

/**
 * A classic group (JoinGroup/SyncGroup protocol): Kafka's state machine, members, static members,
 * and the protocol vote. Invariants: `numAwaitingJoin` counts members with a parked JoinGroup;
 * `protocolCounts[name]` counts members supporting `name`; `staticMembers` maps each group
 * instance id to the one member id that holds it.
 */
export class ClassicGroup implements Group {
  readonly groupId: string;
  readonly type = 'classic' as const;
  readonly members = new Map<string, ClassicGroupMember>();
  readonly pendingJoinMembers = new Set<string>();
  readonly pendingSyncMembers = new Set<string>();
  #state: ClassicGroupState;
  #previousState: ClassicGroupState = 'Dead';
  #currentStateTimestamp: number | null;
  #protocolType: string | null;
  #protocolName: string | null;
  #generationId: number;
  #leaderId: string | null;
  readonly #staticMembers = new Map<string, string>();
  readonly #protocolCounts = new Map<string, number>();
  #numAwaitingJoin = 0;
  #subscribedTopics: Set<string> | null = null;
  /** The initial rebalance is extended while new members keep arriving (group.initial.rebalance.delay.ms). */
  newMemberAdded = false;

  constructor(init: ClassicGroupInit) {
    this.groupId = init.groupId;
    this.#state = init.state;
    this.#generationId = init.generationId ?? 0;
    this.#protocolType = init.protocolType ?? null;
    this.#protocolName = init.protocolName ?? null;
    this.#leaderId = init.leaderId ?? null;
    this.#currentStateTimestamp = init.currentStateTimestamp === undefined ? init.now : init.currentStateTimestamp;
  }

  get state(): ClassicGroupState { return this.#state; }
  get previousState(): ClassicGroupState { return this.#previousState; }
  get generationId(): number { return this.#generationId; }
  get protocolName(): string | null { return this.#protocolName; }
  get leaderId(): string | null { return this.#leaderId; }
  get currentStateTimestamp(): number | null { return this.#currentStateTimestamp; }
  get numAwaitingJoin(): number { return this.#numAwaitingJoin; }
  get subscribedTopics(): ReadonlySet<string> | null { return this.#subscribedTopics; }

  stateName(): string { return this.#state; }
  /** The protocol type, "" when none (a simple group, or an empty group after a rebalance). */
  protocolType(): string { return this.#protocolType ?? ''; }
  protocolTypeOrNull(): string | null { return this.#protocolType; }
  isInState(state: ClassicGroupState): boolean { return this.#state === state; }
  isEmpty(): boolean { return this.#state === 'Empty'; }
  isLeader(memberId: string): boolean { return this.#leaderId === memberId; }
  hasMember(memberId: string): boolean { return this.members.has(memberId); }
  member(memberId: string): ClassicGroupMember | undefined { return this.members.get(memberId); }
  numMembers(): number { return this.members.size; }
  /** A group created for offsets only (simple consumers, admin): no protocol, no members, nobody joining. */
  isSimpleGroup(): boolean { return this.#protocolType === null && this.isEmpty() && this.pendingJoinMembers.size === 0; }
  staticMemberId(groupInstanceId: string): string | undefined { return this.#staticMembers.get(groupInstanceId); }
  hasStaticMember(groupInstanceId: string): boolean { return this.#staticMembers.has(groupInstanceId); }
  isPendingMember(memberId: string): boolean { return this.pendingJoinMembers.has(memberId); }
  canRebalance(): boolean { return VALID_PREVIOUS_STATES.PreparingRebalance.includes(this.#state); }
  hasAllMembersJoined(): boolean { return this.members.size === this.#numAwaitingJoin && this.pendingJoinMembers.size === 0; }
  hasReceivedSyncFromAllMembers(): boolean { return this.pendingSyncMembers.size === 0; }

  transitionTo(state: ClassicGroupState, now: number): void {
    if (!VALID_PREVIOUS_STATES[state].includes(this.#state)) {
      throw new Error(`group ${this.groupId}: invalid transition from ${this.#state} to ${state}`);
    }
    this.#previousState = this.#state;
    this.#state = state;
    this.#currentStateTimestamp = now;
  }

  /** The largest rebalance timeout of the members: how long a rebalance waits for rejoins. */
  rebalanceTimeoutMs(): number {
    let max = 0;
    for (const member of this.members.values()) max = Math.max(max, member.rebalanceTimeoutMs);
    return max;
  }

  add(member: ClassicGroupMember, awaitingJoin: ((response: JoinGroupResponse) => void) | null): void {
    if (member.groupInstanceId !== null) {
      if (this.#staticMembers.has(member.groupInstanceId)) throw new Error(`static member ${member.groupInstanceId} is already in group ${this.groupId}`);
      this.#staticMembers.set(member.groupInstanceId, member.memberId);
    }
    if (this.members.size === 0) this.#protocolType = member.protocolType;
    if (this.#leaderId === null) this.#leaderId = member.memberId;
    this.members.set(member.memberId, member);
    this.#countProtocols(member.supportedProtocols, 1);
    member.awaitingJoin = awaitingJoin;
    if (member.isAwaitingJoin()) this.#numAwaitingJoin++;
    this.pendingJoinMembers.delete(member.memberId);
  }

  remove(memberId: string): void {
    const removed = this.members.get(memberId);
    if (removed !== undefined) {
      this.members.delete(memberId);
      this.#countProtocols(removed.supportedProtocols, -1);
      if (removed.isAwaitingJoin()) this.#numAwaitingJoin--;
      if (removed.groupInstanceId !== null) this.#staticMembers.delete(removed.groupInstanceId);
    }
    if (this.isLeader(memberId)) {
      const next = this.members.keys().next();
      this.#leaderId = next.done ? null : next.value;
    }
    this.pendingJoinMembers.delete(memberId);
    this.pendingSyncMembers.delete(memberId);
  }

  addPendingMember(memberId: string): void {
    if (this.hasMember(memberId)) throw new Error(`pending member ${memberId} is already a member of ${this.groupId}`);
    this.pendingJoinMembers.add(memberId);
  }

  /** Parks (or unparks, with null) a member's JoinGroup and takes its new protocols and timeouts. */
  updateMember(member: ClassicGroupMember, protocols: readonly ClassicProtocol[], rebalanceTimeoutMs: number, sessionTimeoutMs: number,
    awaitingJoin: ((response: JoinGroupResponse) => void) | null): void {
    this.#countProtocols(member.supportedProtocols, -1);
    member.supportedProtocols = protocols;
    this.#countProtocols(protocols, 1);
    member.rebalanceTimeoutMs = rebalanceTimeoutMs;
    member.sessionTimeoutMs = sessionTimeoutMs;
    if (awaitingJoin !== null && !member.isAwaitingJoin()) this.#numAwaitingJoin++;
    else if (awaitingJoin === null && member.isAwaitingJoin()) this.#numAwaitingJoin--;
    member.awaitingJoin = awaitingJoin;
  }

  completeJoin(member: ClassicGroupMember, response: JoinGroupResponse): boolean {
    if (!member.completeJoin(response)) return false;
    this.#numAwaitingJoin--;
    return true;
  }

  /**
   * A static member came back with a new member id: the new id takes the old one's place (and
   * leadership). Whoever still waits with the old id is fenced.
   */
  replaceStaticMember(groupInstanceId: string, oldMemberId: string, newMemberId: string): ClassicGroupMember {
    const old = this.members.get(oldMemberId);
    if (old === undefined) throw new Error(`cannot replace unknown member ${oldMemberId}`);
    this.members.delete(oldMemberId);
    // Its protocol counts stay: the replacement supports the same protocols.
    this.completeJoin(old, { errorCode: ErrorCode.FENCED_INSTANCE_ID, generationId: -1, protocolName: null, protocolType: null, leader: '', memberId: oldMemberId, members: [], skipAssignment: false });
    old.completeSync({ errorCode: ErrorCode.FENCED_INSTANCE_ID, protocolType: null, protocolName: null, assignment: Buffer.alloc(0) });
    const replacement = new ClassicGroupMember({
      memberId: newMemberId,
      groupInstanceId: old.groupInstanceId,
      clientId: old.clientId,
      clientHost: old.clientHost,
      rebalanceTimeoutMs: old.rebalanceTimeoutMs,
      sessionTimeoutMs: old.sessionTimeoutMs,
      protocolType: old.protocolType,
      supportedProtocols: old.supportedProtocols,
      assignment: old.assignment,
    });
    this.members.set(newMemberId, replacement);
    if (this.isLeader(oldMemberId)) this.#leaderId = newMemberId;
    this.#staticMembers.set(groupInstanceId, newMemberId);
    return replacement;
  }

  /**
   * UNKNOWN_MEMBER_ID or FENCED_INSTANCE_ID unless `memberId` (and `groupInstanceId`, when given)
   * name a current member (Kafka's ClassicGroup.validateMember).
   */
  validateMember(memberId: string, groupInstanceId: string | null | undefined): void {
    if (groupInstanceId !== null && groupInstanceId !== undefined) {
      const existing = this.#staticMembers.get(groupInstanceId);
      if (existing === undefined) throw new KafkaError(ErrorCode.UNKNOWN_MEMBER_ID, `no static member ${groupInstanceId} in group ${this.groupId}`);
      if (existing !== memberId) throw new KafkaError(ErrorCode.FENCED_INSTANCE_ID, `member ${memberId} of ${groupInstanceId} is fenced by ${existing}`);
    }
    if (!this.members.has(memberId)) throw new KafkaError(ErrorCode.UNKNOWN_MEMBER_ID, `member ${memberId} is not in group ${this.groupId}`);
  }

  /** Whether a member of `protocolType` offering `protocols` can join: same type, and a protocol every member supports. */
  supportsProtocols(protocolType: string, protocols: ReadonlySet<string>): boolean {
    if (this.isEmpty()) return protocolType !== '' && protocols.size > 0;
    if (this.#protocolType !== protocolType) return false;
    for (const name of protocols) if ((this.#protocolCounts.get(name) ?? 0) === this.members.size) return true;
    return false;
  }

  /** Kafka's vote: among the protocols all members support, each member votes for its first; most votes wins, ties to the first counted. */
  selectProtocol(): string {
    if (this.members.size === 0) throw new Error(`cannot select a protocol for empty group ${this.groupId}`);
    const candidates = new Set<string>();
    for (const [name, count] of this.#protocolCounts) if (count === this.members.size) candidates.add(name);
    const votes = new Map<string, number>();
    for (const member of this.members.values()) {
      const choice = member.vote(candidates);
      votes.set(choice, (votes.get(choice) ?? 0) + 1);
    }
    let best: string | null = null;
    let bestVotes = -1;
    for (const [name, count] of votes) {
      if (count > bestVotes) {
        best = name;
        bestVotes = count;
      }
    }
    return best!;
  }

  /** If the leader did not rejoin, a member that did takes over; false when nobody rejoined. */
  maybeElectNewJoinedLeader(): boolean {
    if (this.#leaderId === null) return false;
    const leader = this.members.get(this.#leaderId);
    if (leader !== undefined && leader.isAwaitingJoin()) return true;
    for (const member of this.members.values()) {
      if (member.isAwaitingJoin()) {
        this.#leaderId = member.memberId;
        return true;
      }
    }
    return false;
  }

  /** Next generation: the protocol is chosen again, and the group waits for SyncGroup (or is empty). */
  initNextGeneration(now: number): void {
    this.#generationId++;
    if (this.members.size > 0) {
      this.#protocolName = this.selectProtocol();
      this.#subscribedTopics = this.computeSubscribedTopics();
      this.transitionTo('CompletingRebalance', now);
    } else {
      this.#protocolName = null;
      this.#subscribedTopics = this.computeSubscribedTopics();
      this.transitionTo('Empty', now);
    }
    this.pendingSyncMembers.clear();
  }

  /** The members as the leader sees them in its JoinGroup answer: ids and the chosen protocol's metadata. */
  /** A JoinGroup answer for the current generation; the leader's (withMembers) lists every member's metadata. */
  joinResponse(memberId: string, withMembers: boolean): JoinGroupResponse {
    return {
      errorCode: ErrorCode.NONE,
      generationId: this.generationId,
      protocolType: this.protocolTypeOrNull(),
      protocolName: this.protocolName,
      leader: this.leaderId ?? '',
      skipAssignment: false,
      memberId,
      members: withMembers ? this.currentMembersForLeader() : [],
    };
  }

  currentMembersForLeader(): JoinGroupResponseJoinGroupResponseMember[] {
    const protocol = this.#protocolName;
    if (protocol === null) throw new Error(`group ${this.groupId} has no protocol in state ${this.#state}`);
    return [...this.members.values()].map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, metadata: m.metadata(protocol) }));
  }

  groupAssignment(): Map<string, Buffer> {
    return new Map([...this.members.values()].map((m) => [m.memberId, m.assignment]));
  }

  /**
   * The topics the members subscribe to, read from their consumer protocol metadata (the v0 prefix
   * every version shares); null when unknown (not a consumer group, or metadata not parsable).
   */
  computeSubscribedTopics(): Set<string> | null {
    if (this.#protocolType !== CONSUMER_PROTOCOL_TYPE) return null;
    if (this.members.size === 0) return new Set();
    const protocol = this.#protocolName;
    if (protocol === null) return null;
    const topics = new Set<string>();
    try {
      for (const member of this.members.values()) {
        const reader = new Reader(member.metadata(protocol));
        reader.int16();
        for (const topic of consumerProtocolSubscription.decode(reader, 0).topics) topics.add(topic);
      }
    } catch {
      return null;
    }
    return topics;
  }

  refreshSubscribedTopics(): void {
    this.#subscribedTopics = this.computeSubscribedTopics();
  }

  /** Sets what a GroupMetadata record carries (load/replay); members are managed with add/remove. */
  restorePersistedFields(fields: { generationId: number; protocolType: string | null; protocolName: string | null; leaderId: string | null; currentStateTimestamp: number | null }): void {
    this.#generationId = fields.generationId;
    this.#protocolType = fields.protocolType;
    this.#protocolName = fields.protocolName;
    this.#leaderId = fields.leaderId;
    this.#currentStateTimestamp = fields.currentStateTimestamp;
  }

  // --- Group interface: the checks offsets and admin APIs make against this group ---

  validateOffsetCommit(memberId: string, groupInstanceId: string | null, generationId: number, isTransactional: boolean, _apiVersion: number): void {
    if (this.isInState('Dead')) throw new KafkaError(ErrorCode.COORDINATOR_NOT_AVAILABLE, `group ${this.groupId} is dead`);
    // Generation -1: an admin client or a consumer without group management; allowed while empty.
    if (generationId < 0 && this.isEmpty()) return;
    if (generationId >= 0 || memberId !== '' || groupInstanceId !== null) {
      this.validateMember(memberId, groupInstanceId);
      if (generationId !== this.#generationId) throw new KafkaError(ErrorCode.ILLEGAL_GENERATION, `generation ${generationId} is not ${this.#generationId}`);
    } else if (!isTransactional && !this.isEmpty()) {
      throw new KafkaError(ErrorCode.UNKNOWN_MEMBER_ID, `group ${this.groupId} is not empty`);
    }
    if (!isTransactional && this.isInState('CompletingRebalance')) {
      throw new KafkaError(ErrorCode.REBALANCE_IN_PROGRESS, `group ${this.groupId} is completing a rebalance`);
    }
  }

  validateOffsetFetch(_memberId: string | null, _memberEpoch: number): void {
    if (this.isInState('Dead')) throw new KafkaError(ErrorCode.GROUP_ID_NOT_FOUND, `group ${this.groupId} is dead`);
  }

  validateOffsetDelete(): void {
    if (this.isInState('Dead')) throw new KafkaError(ErrorCode.GROUP_ID_NOT_FOUND, `group ${this.groupId} is dead`);
    if (!this.isEmpty() && this.#protocolType !== CONSUMER_PROTOCOL_TYPE) throw new KafkaError(ErrorCode.NON_EMPTY_GROUP, `group ${this.groupId} is not empty`);
  }

  isSubscribedToTopic(topic: string): boolean {
    if (this.#subscribedTopics !== null) return this.#subscribedTopics.has(topic);
    return this.#protocolType === CONSUMER_PROTOCOL_TYPE;
  }

  /**
   * Kafka's offsetExpirationCondition: from when retention counts for an offset committed at
   * `commitTimestampMs`, or null while offsets must not expire (a group with members that cannot
   * tell which topics it consumes).
   */
  offsetExpirationBaseTimestampMs(commitTimestampMs: number): number | null {
    if (this.#protocolType === null) return commitTimestampMs;
    if (this.isEmpty()) return this.#currentStateTimestamp ?? commitTimestampMs;
    if (this.#protocolType === CONSUMER_PROTOCOL_TYPE && this.#subscribedTopics !== null && this.isInState('Stable')) return commitTimestampMs;
    return null;
  }

  validateDeleteGroup(): void {
    if (this.isInState('Dead')) throw new KafkaError(ErrorCode.GROUP_ID_NOT_FOUND, `group ${this.groupId} is dead`);
    if (!this.isEmpty()) throw new KafkaError(ErrorCode.NON_EMPTY_GROUP, `group ${this.groupId} is not empty`);
  }

  #countProtocols(protocols: readonly ClassicProtocol[], delta: number): void {
    for (const p of protocols) this.#protocolCounts.set(p.name, (this.#protocolCounts.get(p.name) ?? 0) + delta);
  }
}
