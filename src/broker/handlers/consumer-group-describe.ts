import { ErrorCode } from '../../protocol/errors.ts';
import {
  consumerGroupDescribeRequest, consumerGroupDescribeResponse, type ConsumerGroupDescribeResponseDescribedGroup,
} from '../../protocol/generated/consumer-group-describe.ts';
import { errorAnswer } from './error-code.ts';
import { authorizedOperations, AUTHORIZED_OPERATIONS_NOT_REQUESTED } from '../security/authorized-operations.ts';
import { authorizedNames } from '../security/authorize.ts';
import { defineHandler } from './handler.ts';

/**
 * ConsumerGroupDescribe: each group is read on the shard of its __consumer_offsets partition; a
 * group that is not a consumer group (missing, or classic) answers GROUP_ID_NOT_FOUND, an empty id
 * INVALID_GROUP_ID, and a partition not hosted or loading gives that error to its groups only.
 */
export const consumerGroupDescribeHandler = defineHandler({
  request: consumerGroupDescribeRequest,
  response: consumerGroupDescribeResponse,
  minVersion: 0,
  maxVersion: 0,
  async handle(request, context) {
    const coordinator = context.broker.groupCoordinator;
    const failed = (groupId: string, errorCode: number, errorMessage: string | null): ConsumerGroupDescribeResponseDescribedGroup => ({
      errorCode, errorMessage, groupId, groupState: '', groupEpoch: 0, assignmentEpoch: 0, assignorName: '', members: [],
      authorizedOperations: AUTHORIZED_OPERATIONS_NOT_REQUESTED,
    });
    // As Kafka, DESCRIBE on each group before anything is looked up.
    const describable = authorizedNames(context, 'DESCRIBE', 'GROUP', request.groupIds);
    const groups = await Promise.all(request.groupIds.map(async (groupId) => {
      if (!describable.has(groupId)) return failed(groupId, ErrorCode.GROUP_AUTHORIZATION_FAILED, null);
      if (groupId === '') return failed(groupId, ErrorCode.INVALID_GROUP_ID, 'Group id can not be empty.');
      try {
        const [described] = await coordinator.runtime.scheduleReadOperation('consumer-group-describe', coordinator.partitionFor(groupId),
          (shard) => shard.consumer.describe([groupId]));
        return { ...described!, authorizedOperations: authorizedOperations(context, 'GROUP', groupId, request.includeAuthorizedOperations && described!.errorCode === ErrorCode.NONE) };
      } catch (error) {
        const { errorCode, errorMessage } = errorAnswer(error, context);
        return failed(groupId, errorCode, errorMessage);
      }
    }));
    return { throttleTimeMs: 0, groups };
  },
});
