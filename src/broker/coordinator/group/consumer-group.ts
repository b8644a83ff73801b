import { ErrorCode, KafkaError } from '../../../protocol/errors.ts';
import type { Group } from './group.ts';
import {
  EMPTY_ASSIGNMENT, isReconciledTo, type Assignment, type ConsumerGroupMember,
} from './consumer-group-member.ts';
import type { SubscriptionMetadata } from './consumer-group-records.ts';
import { unknownMember } from './consumer-group-errors.ts';

export type ConsumerGroupState = 'Empty' | 'Assigning' | 'Reconciling' | 'Stable' | 'Dead';

/**
 * A KIP-848 consumer group. Its fields change only through the replay methods (setGroupEpoch,
 * updateMember, ...), which the manager calls while replaying records; operations read it and
 * compute records. The derived indexes (static members, partition epochs, subscribed topic counts)
 * are rebuilt by the same calls, so a group loaded from the log equals the live one.
 */
export class ConsumerGroup implements Group {
  readonly groupId: string;
  readonly type = 'consumer' as const;
  groupEpoch = 0;
  assignmentEpoch = 0;
  readonly members = new Map<string, ConsumerGroupMember>();
  /** instanceId -> memberId. */
  readonly staticMembers = new Map<string, string>();
  readonly targetAssignment = new Map<string, Assignment>();
  subscriptionMetadata: SubscriptionMetadata = new Map();
  /** topicId -> partition -> epoch of the member that owns it (assigned or pending revocation). */
  private readonly partitionEpochs = new Map<string, Map<number, number>>();
  /** Set once the group's records are all tombstoned. */
  dead = false;

  constructor(groupId: string) {
    this.groupId = groupId;
  }

  state(): ConsumerGroupState {
    if (this.dead) return 'Dead';
    if (this.members.size === 0) return 'Empty';
    if (this.groupEpoch > this.assignmentEpoch) return 'Assigning';
    for (const member of this.members.values()) {
      if (!isReconciledTo(member, this.assignmentEpoch)) return 'Reconciling';
    }
    return 'Stable';
  }

  stateName(): string { return this.state(); }
  protocolType(): string { return 'consumer'; }
  isEmpty(): boolean { return this.state() === 'Empty'; }

  member(memberId: string): ConsumerGroupMember {
    const member = this.members.get(memberId);
    if (member === undefined) throw unknownMember(`Member ${memberId} is not a member of group ${this.groupId}.`);
    return member;
  }

  staticMember(instanceId: string): ConsumerGroupMember | undefined {
    const memberId = this.staticMembers.get(instanceId);
    return memberId === undefined ? undefined : this.members.get(memberId);
  }

  targetAssignmentOf(memberId: string): Assignment {
    return this.targetAssignment.get(memberId) ?? EMPTY_ASSIGNMENT;
  }

  /** The epoch of the member owning the partition, or -1 when nobody does. */
  currentPartitionEpoch(topicId: string, partition: number): number {
    return this.partitionEpochs.get(topicId)?.get(partition) ?? -1;
  }

  /** The server assignor most members ask for, or undefined when none does. Ties go to the name first in order. */
  preferredServerAssignor(members: Iterable<ConsumerGroupMember> = this.members.values()): string | undefined {
    const counts = new Map<string, number>();
    for (const member of members) {
      if (member.serverAssignorName !== null) counts.set(member.serverAssignorName, (counts.get(member.serverAssignorName) ?? 0) + 1);
    }
    let best: string | undefined;
    for (const [name, count] of [...counts].sort(([a], [b]) => (a < b ? -1 : 1))) {
      if (best === undefined || count > counts.get(best)!) best = name;
    }
    return best;
  }

  /** Topic names subscribed by the members, with `replaced` swapped for `replacement` (either may be null). */
  subscribedTopicNames(replaced: ConsumerGroupMember | null = null, replacement: ConsumerGroupMember | null = null): Set<string> {
    const names = new Set<string>();
    for (const member of this.members.values()) {
      if (replaced !== null && member.memberId === replaced.memberId) continue;
      for (const name of member.subscribedTopicNames) names.add(name);
    }
    if (replacement !== null) for (const name of replacement.subscribedTopicNames) names.add(name);
    return names;
  }

  // Group interface: offsets and admin checks, as Kafka's ConsumerGroup.

  validateOffsetCommit(memberId: string, _groupInstanceId: string | null, memberEpoch: number, isTransactional: boolean, apiVersion: number): void {
    // An admin client or a consumer without group management commits with epoch -1, only to an empty group.
    if (memberEpoch < 0 && this.members.size === 0) return;
    const member = this.member(memberId);
    if (!isTransactional && apiVersion < 9) {
      throw new KafkaError(ErrorCode.UNSUPPORTED_VERSION, 'OffsetCommit version 9 or above must be used by members using the consumer group protocol');
    }
    this.validateMemberEpoch(memberEpoch, member.memberEpoch);
  }

  validateOffsetFetch(memberId: string | null, memberEpoch: number): void {
    if (memberId === null && memberEpoch < 0) return;
    const member = this.members.get(memberId ?? '');
    if (member === undefined) throw unknownMember(`Member ${memberId} is not a member of group ${this.groupId}.`);
    this.validateMemberEpoch(memberEpoch, member.memberEpoch);
  }

  validateOffsetDelete(): void {}

  isSubscribedToTopic(topic: string): boolean {
    for (const member of this.members.values()) if (member.subscribedTopicNames.includes(topic)) return true;
    return false;
  }

  validateDeleteGroup(): void {
    if (this.state() !== 'Empty') throw new KafkaError(ErrorCode.NON_EMPTY_GROUP, `Group ${this.groupId} is not empty.`);
  }

  private validateMemberEpoch(received: number, expected: number): void {
    if (received !== expected) {
      throw new KafkaError(ErrorCode.STALE_MEMBER_EPOCH, `The received member epoch ${received} does not match the expected member epoch ${expected}.`);
    }
  }

  // Replay-only mutators.

  updateMember(member: ConsumerGroupMember): void {
    const old = this.members.get(member.memberId);
    if (old !== undefined) this.removePartitionEpochs(old);
    this.members.set(member.memberId, member);
    if (member.instanceId !== null) this.staticMembers.set(member.instanceId, member.memberId);
    this.addPartitionEpochs(member.assignedPartitions, member.memberEpoch);
    this.addPartitionEpochs(member.partitionsPendingRevocation, member.memberEpoch);
  }

  removeMember(memberId: string): void {
    const old = this.members.get(memberId);
    if (old === undefined) return;
    this.removePartitionEpochs(old);
    this.members.delete(memberId);
    if (old.instanceId !== null && this.staticMembers.get(old.instanceId) === memberId) this.staticMembers.delete(old.instanceId);
  }

  private addPartitionEpochs(assignment: Assignment, epoch: number): void {
    for (const [topicId, partitions] of assignment) {
      let epochs = this.partitionEpochs.get(topicId);
      if (epochs === undefined) this.partitionEpochs.set(topicId, epochs = new Map());
      for (const partition of partitions) epochs.set(partition, epoch);
    }
  }

  private removePartitionEpochs(member: ConsumerGroupMember): void {
    for (const assignment of [member.assignedPartitions, member.partitionsPendingRevocation]) {
      for (const [topicId, partitions] of assignment) {
        const epochs = this.partitionEpochs.get(topicId);
        if (epochs === undefined) continue;
        for (const partition of partitions) {
          if (epochs.get(partition) === member.memberEpoch) epochs.delete(partition);
        }
        if (epochs.size === 0) this.partitionEpochs.delete(topicId);
      }
    }
  }
}
