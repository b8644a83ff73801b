import { offsetFetchRequest, offsetFetchResponse } from '../../protocol/generated/offset-fetch.ts';
import type { OffsetFetchResponse } from '../../protocol/generated/offset-fetch.ts';
import { ErrorCode } from '../../protocol/errors.ts';
import type { OffsetFetchGroupRequest, OffsetFetchGroupResponse } from '../coordinator/group/offset-metadata-manager.ts';
import { coordinatorErrorCode } from '../coordinator/runtime/operation-error.ts';
import { authorize } from '../security/authorize.ts';
import { partitionByAuthorized } from '../security/request-authorization.ts';
import { defineHandler, type RequestContext } from './handler.ts';

/**
 * OffsetFetch v0-9: one group up to v7, many from v8. topics = null asks for every partition the
 * group has offsets for (v2+). Offsets of open transactions are never shown; with require_stable
 * (v7+, what read_committed consumers send) a partition that has one answers
 * UNSTABLE_OFFSET_COMMIT, which the client retries until the transaction is over.
 */
export const offsetFetchHandler = defineHandler({
  request: offsetFetchRequest,
  response: offsetFetchResponse,
  minVersion: 0,
  maxVersion: 9,
  async handle(request, context): Promise<OffsetFetchResponse> {
    const requireStable = request.requireStable ?? false;
    if (context.apiVersion >= 8) {
      const groups = await Promise.all((request.groups ?? []).map((group) =>
        fetchGroup({ groupId: group.groupId, memberId: group.memberId ?? null, memberEpoch: group.memberEpoch ?? -1, topics: group.topics, requireStable }, context)));
      return { throttleTimeMs: 0, groups };
    }
    const topics = request.topics ?? null;
    const group = await fetchGroup({ groupId: request.groupId ?? '', memberId: null, memberEpoch: -1, topics, requireStable }, context);
    if (context.apiVersion < 2 && group.errorCode !== ErrorCode.NONE) {
      // v0-1 have no group-level error: it goes on every partition asked for.
      return {
        throttleTimeMs: 0,
        topics: (topics ?? []).map((topic) => ({
          name: topic.name,
          partitions: topic.partitionIndexes.map((partitionIndex) => ({
            partitionIndex, committedOffset: -1n, committedLeaderEpoch: -1, metadata: '', errorCode: group.errorCode,
          })),
        })),
        errorCode: group.errorCode,
      };
    }
    return { throttleTimeMs: 0, topics: group.topics, errorCode: group.errorCode };
  },
});

/**
 * One group's offsets, authorized as Kafka's handleOffsetFetchRequestFromCoordinator: DESCRIBE on
 * the group, else GROUP_AUTHORIZATION_FAILED; offsets of topics the principal may not describe are
 * never shown: left out of an all-partitions answer, TOPIC_AUTHORIZATION_FAILED when asked for.
 */
async function fetchGroup(request: OffsetFetchGroupRequest, context: RequestContext): Promise<OffsetFetchGroupResponse> {
  const coordinator = context.broker.groupCoordinator;
  if (!authorize(context, 'DESCRIBE', 'GROUP', request.groupId)) return { groupId: request.groupId, topics: [], errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED };
  const asked = request.topics === null ? null : partitionByAuthorized(context, 'DESCRIBE', 'TOPIC', request.topics, (topic) => topic.name);
  try {
    const fetched = await coordinator.runtime.scheduleReadOperation('fetch-offsets', coordinator.partitionFor(request.groupId),
      (shard) => shard.offsets.fetchOffsets(asked === null ? request : { ...request, topics: asked.authorized }));
    if (fetched.errorCode !== ErrorCode.NONE) return fetched;
    if (asked === null) {
      const { authorized } = partitionByAuthorized(context, 'DESCRIBE', 'TOPIC', fetched.topics, (topic) => topic.name);
      return { ...fetched, topics: authorized };
    }
    const refused = asked.unauthorized.map((topic) => ({
      name: topic.name,
      partitions: topic.partitionIndexes.map((partitionIndex) => ({
        partitionIndex, committedOffset: -1n, committedLeaderEpoch: -1, metadata: '', errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED,
      })),
    }));
    return { ...fetched, topics: [...fetched.topics, ...refused] };
  } catch (error) {
    return { groupId: request.groupId, topics: [], errorCode: coordinatorErrorCode(error, context.broker.logger, 'fetch-offsets') };
  }
}
