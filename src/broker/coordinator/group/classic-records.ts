import { groupMetadataKey } from '../../../protocol/generated/records/group-metadata-key.ts';
import type { GroupMetadataKey } from '../../../protocol/generated/records/group-metadata-key.ts';
import { groupMetadataValue } from '../../../protocol/generated/records/group-metadata-value.ts';
import type { GroupMetadataValue } from '../../../protocol/generated/records/group-metadata-value.ts';
import type { CoordinatorRecord } from '../runtime/coordinator-runtime.ts';
import { encodeRecord, RecordType } from './group-records.ts';
import { ClassicGroup } from './classic-group.ts';
import { ClassicGroupMember } from './classic-group-member.ts';

export type { GroupMetadataKey, GroupMetadataValue };

/**
 * The value version Kafka writes (MetadataVersion.groupMetadataValueVersion: the newest
 * non-flexible one, 3, since 2.3). Versions 0-4 are all read.
 */
export const GROUP_METADATA_VALUE_VERSION = 3;

/**
 * The GroupMetadata record of `group` with `assignment` (Kafka's newGroupMetadataRecord): every
 * member with the chosen protocol's metadata as its subscription. The group must have a protocol
 * when it has members, and every member an assignment.
 */
export function groupMetadataRecord(group: ClassicGroup, assignment: ReadonlyMap<string, Buffer>): CoordinatorRecord {
  const protocol = group.protocolName;
  const members = [...group.members.values()].map((member) => {
    if (protocol === null) throw new Error(`group ${group.groupId}: members but no protocol`);
    const memberAssignment = assignment.get(member.memberId);
    if (memberAssignment === undefined) throw new Error(`group ${group.groupId}: member ${member.memberId} has no assignment`);
    return {
      memberId: member.memberId,
      groupInstanceId: member.groupInstanceId,
      clientId: member.clientId,
      clientHost: member.clientHost,
      rebalanceTimeout: member.rebalanceTimeoutMs,
      sessionTimeout: member.sessionTimeoutMs,
      subscription: member.metadata(protocol),
      assignment: memberAssignment,
    };
  });
  return encodeRecord(RecordType.GROUP_METADATA, groupMetadataKey, { group: group.groupId }, groupMetadataValue, GROUP_METADATA_VALUE_VERSION, {
    protocolType: group.protocolType(),
    generation: group.generationId,
    protocol,
    leader: group.leaderId,
    currentStateTimestamp: BigInt(group.currentStateTimestamp ?? -1),
    members,
  });
}

/** What Kafka writes for a group that was just created (newEmptyGroupMetadataRecord): generation 0, no protocol, no members. */
export function emptyGroupMetadataRecord(group: ClassicGroup): CoordinatorRecord {
  return encodeRecord(RecordType.GROUP_METADATA, groupMetadataKey, { group: group.groupId }, groupMetadataValue, GROUP_METADATA_VALUE_VERSION, {
    protocolType: '',
    generation: 0,
    protocol: null,
    leader: null,
    currentStateTimestamp: BigInt(group.currentStateTimestamp ?? -1),
    members: [],
  });
}

export function groupMetadataTombstone(groupId: string): CoordinatorRecord {
  return encodeRecord(RecordType.GROUP_METADATA, groupMetadataKey, { group: groupId }, groupMetadataValue, GROUP_METADATA_VALUE_VERSION, null);
}

/**
 * The group a GroupMetadata record describes, as a coordinator loads it (Kafka's replay of
 * GroupMetadataValue): Stable with its members, or Empty. A member's one supported protocol is
 * the group's, with its subscription as metadata; records older than v1 have no rebalance
 * timeout, so the session timeout stands in.
 */
export function groupFromRecord(groupId: string, value: GroupMetadataValue, now: number): ClassicGroup {
  const timestamp = value.currentStateTimestamp === undefined || value.currentStateTimestamp === -1n ? null : Number(value.currentStateTimestamp);
  const group = new ClassicGroup({
    groupId,
    state: value.members.length === 0 ? 'Empty' : 'Stable',
    now,
    generationId: value.generation,
    protocolType: value.protocolType === '' ? null : value.protocolType,
    protocolName: value.protocol,
    leaderId: value.leader,
    currentStateTimestamp: timestamp,
  });
  for (const m of value.members) {
    const rebalanceTimeoutMs = m.rebalanceTimeout === undefined || m.rebalanceTimeout === -1 ? m.sessionTimeout : m.rebalanceTimeout;
    group.add(new ClassicGroupMember({
      memberId: m.memberId,
      groupInstanceId: m.groupInstanceId ?? null,
      clientId: m.clientId,
      clientHost: m.clientHost,
      rebalanceTimeoutMs,
      sessionTimeoutMs: m.sessionTimeout,
      protocolType: value.protocolType,
      supportedProtocols: value.protocol === null ? [] : [{ name: value.protocol, metadata: m.subscription }],
      assignment: m.assignment,
    }), null);
  }
  // add() elects the first member when there is no leader; the record's leader (possibly none) wins.
  group.restorePersistedFields({
    generationId: value.generation,
    protocolType: value.protocolType === '' ? null : value.protocolType,
    protocolName: value.protocol,
    leaderId: value.leader,
    currentStateTimestamp: timestamp,
  });
  group.refreshSubscribedTopics();
  return group;
}
