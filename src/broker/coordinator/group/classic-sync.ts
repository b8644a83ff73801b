import type { SyncGroupRequest } from '../../../protocol/generated/sync-group.ts';
import { ErrorCode, KafkaError } from '../../../protocol/errors.ts';
import type { CoordinatorRecord, CoordinatorResult } from '../runtime/coordinator-runtime.ts';
import type { ClassicGroup } from './classic-group.ts';
import { EMPTY_ASSIGNMENT } from './classic-group-member.ts';
import { groupMetadataRecord } from './classic-records.ts';
import type { ClassicRebalancer } from './classic-rebalance.ts';
import type { SyncGroupResponse } from './classic-types.ts';

type SyncResult = CoordinatorResult<SyncGroupResponse>;

export function syncError(errorCode: number): SyncGroupResponse {
  return { errorCode, protocolType: null, protocolName: null, assignment: EMPTY_ASSIGNMENT };
}

/**
 * SyncGroup (Kafka's classicGroupSyncToClassicGroup). Followers park until the leader's
 * assignment is written; the leader's SyncGroup writes it, and its replay moves the group to
 * Stable and answers everyone.
 */
export function syncClassicGroup(r: ClassicRebalancer, request: SyncGroupRequest): SyncResult {
  const group = r.classicGroup(request.groupId);
  if (group === undefined || group.isEmpty()) return immediate(syncError(ErrorCode.UNKNOWN_MEMBER_ID));
  const error = validateSync(group, request);
  if (error !== ErrorCode.NONE) return immediate(syncError(error));
  const memberId = request.memberId;
  switch (group.state) {
    case 'PreparingRebalance':
      return immediate(syncError(ErrorCode.REBALANCE_IN_PROGRESS));
    case 'CompletingRebalance': {
      const member = group.member(memberId)!;
      const parked = Promise.withResolvers<SyncGroupResponse>();
      // A retried SyncGroup replaces the earlier one, which then gets no answer of its own.
      member.awaitingSync = parked.resolve;
      r.removePendingSyncMember(group, memberId);
      if (!group.isLeader(memberId)) return { records: [], response: parked.promise };
      return { records: writeAssignment(r, group, request), response: parked.promise };
    }
    case 'Stable': {
      r.removePendingSyncMember(group, memberId);
      const member = group.member(memberId)!;
      return immediate({ errorCode: ErrorCode.NONE, protocolType: group.protocolTypeOrNull(), protocolName: group.protocolName, assignment: member.assignment });
    }
    default:
      throw new Error(`SyncGroup reached group ${group.groupId} in state ${group.state}`);
  }
}

function validateSync(group: ClassicGroup, request: SyncGroupRequest): number {
  if (group.isInState('Dead')) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
  try {
    group.validateMember(request.memberId, request.groupInstanceId);
  } catch (error) {
    if (error instanceof KafkaError) return error.code;
    throw error;
  }
  if (request.generationId !== group.generationId) return ErrorCode.ILLEGAL_GENERATION;
  // v5+ (KIP-559): the client says which type and protocol it synced for; null means it did not say.
  if (isInconsistent(request.protocolType, group.protocolTypeOrNull()) || isInconsistent(request.protocolName, group.protocolName)) {
    return ErrorCode.INCONSISTENT_GROUP_PROTOCOL;
  }
  return ErrorCode.NONE;
}

function isInconsistent(fromRequest: string | null | undefined, ofGroup: string | null): boolean {
  return fromRequest !== null && fromRequest !== undefined && ofGroup !== null && fromRequest !== ofGroup;
}

/** The leader's assignment for every member (empty for members it left out), written as the group's record. */
function writeAssignment(r: ClassicRebalancer, group: ClassicGroup, request: SyncGroupRequest): CoordinatorRecord[] {
  const assignment = new Map<string, Buffer>();
  for (const a of request.assignments) assignment.set(a.memberId, a.assignment);
  const missing: string[] = [];
  for (const memberId of group.members.keys()) {
    if (!assignment.has(memberId)) {
      assignment.set(memberId, EMPTY_ASSIGNMENT);
      missing.push(memberId);
    }
  }
  // Assignments for ids that are not members are not persisted: the record lists members only.
  for (const memberId of [...assignment.keys()]) if (!group.hasMember(memberId)) assignment.delete(memberId);
  if (missing.length > 0) r.logger.warn({ groupId: group.groupId, generationId: group.generationId, members: missing }, 'leader gave no assignment to some members; they get an empty one');
  r.logger.info({ groupId: group.groupId, generationId: group.generationId, leader: request.memberId, members: group.numMembers() }, 'assignment received from the group leader');
  const generationId = group.generationId;
  // Another member may join while the record is written: only the generation it was for may become Stable.
  const stillCurrent = (): boolean => group.isInState('CompletingRebalance') && group.generationId === generationId;
  const onAppended = (): void => {
    if (!stillCurrent()) return;
    r.setAndPropagateAssignment(group, assignment);
    group.transitionTo('Stable', r.now());
  };
  const onFailed = (errorCode: number): CoordinatorRecord[] => {
    if (!stillCurrent()) return [];
    r.resetAndPropagateAssignmentWithError(group, errorCode);
    return r.maybePrepareRebalanceOrCompleteJoin(group, `error ${errorCode} when storing the group assignment during SyncGroup (member ${request.memberId})`);
  };
  return r.write(group, groupMetadataRecord(group, assignment), onAppended, onFailed);
}

function immediate(response: SyncGroupResponse): SyncResult {
  return { records: [], response };
}
