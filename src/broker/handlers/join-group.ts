import { joinGroupRequest, joinGroupResponse } from '../../protocol/generated/join-group.ts';
import type { JoinGroupResponse } from '../../protocol/generated/join-group.ts';
import { ErrorCode } from '../../protocol/errors.ts';
import { coordinatorErrorCode } from '../coordinator/runtime/operation-error.ts';
import type { ClassicRequestContext } from '../coordinator/group/classic-types.ts';
import { authorize } from '../security/authorize.ts';
import { defineHandler, type RequestContext } from './handler.ts';

/**
 * JoinGroup v0-9 on the classic group protocol. The answer may wait for the whole join phase of a
 * rebalance (up to the group's rebalance timeout); v0-1 stay served because librdkafka's GSSAPI
 * probe asks for v0. The member needs READ on the group, as Kafka checks (GROUP_AUTHORIZATION_FAILED).
 */
export const joinGroupHandler = defineHandler({
  request: joinGroupRequest,
  response: joinGroupResponse,
  minVersion: 0,
  maxVersion: 9,
  async handle(request, context): Promise<JoinGroupResponse> {
    const coordinator = context.broker.groupCoordinator;
    let response: JoinGroupResponse;
    if (!authorize(context, 'READ', 'GROUP', request.groupId)) {
      // Kafka's JoinGroupRequest.getErrorResponse: no member id, no generation.
      response = { errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED, generationId: -1, protocolType: null, protocolName: null, leader: '', skipAssignment: false, memberId: '', members: [] };
      return forVersion(response, context.apiVersion);
    }
    try {
      response = await coordinator.runtime.scheduleWriteOperation('classic-group-join', coordinator.partitionFor(request.groupId),
        (shard) => shard.classic.joinGroup(request, classicRequestContext(context)));
    } catch (error) {
      response = {
        errorCode: coordinatorErrorCode(error, context.broker.logger, 'classic-group-join'),
        generationId: -1, protocolType: null, protocolName: null, leader: '', skipAssignment: false, memberId: request.memberId, members: [],
      };
    }
    return forVersion(response, context.apiVersion);
  },
});

/** Before v7 the protocol name is not nullable and the protocol type not sent. */
function forVersion(response: JoinGroupResponse, apiVersion: number): JoinGroupResponse {
  return {
    ...response,
    throttleTimeMs: 0,
    protocolName: apiVersion < 7 ? (response.protocolName ?? '') : response.protocolName,
    skipAssignment: apiVersion >= 9 ? (response.skipAssignment ?? false) : false,
  };
}

/** The request's client id and address, as a classic group member records them ("/127.0.0.1"). */
export function classicRequestContext(context: RequestContext): ClassicRequestContext {
  return { apiVersion: context.apiVersion, clientId: context.clientId, clientHost: clientHostOf(context.connectionId) };
}

/** The listener names connections `${local}:${port}-${remote}:${port}-${n}`; addresses have no '-'. */
export function clientHostOf(connectionId: string): string {
  const remote = connectionId.split('-')[1] ?? '';
  const colon = remote.lastIndexOf(':');
  const address = colon < 0 ? remote : remote.slice(0, colon);
  return `/${address.startsWith('::ffff:') ? address.slice('::ffff:'.length) : address}`;
}
