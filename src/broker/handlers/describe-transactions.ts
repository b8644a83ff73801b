import { describeTransactionsRequest, describeTransactionsResponse } from '../../protocol/generated/describe-transactions.ts';
import { ErrorCode } from '../../protocol/errors.ts';
import { authorizedNames } from '../security/authorize.ts';
import { partitionByAuthorized } from '../security/request-authorization.ts';
import { defineHandler } from './handler.ts';

/**
 * DescribeTransactions v0: each transactional id's state, producer, timeout, start time and the
 * partitions of its transaction, from this broker if it coordinates the id (NOT_COORDINATOR
 * otherwise: the admin client asks each id's coordinator).
 */
export const describeTransactionsHandler = defineHandler({
  request: describeTransactionsRequest,
  response: describeTransactionsResponse,
  minVersion: 0,
  maxVersion: 0,
  async handle(request, context) {
    const coordinator = context.broker.transactionCoordinator;
    // As Kafka: DESCRIBE on each transactional id, and only the partitions of topics the principal may describe.
    const describable = authorizedNames(context, 'DESCRIBE', 'TRANSACTIONAL_ID', request.transactionalIds);
    const transactionStates = await Promise.all(request.transactionalIds.map(async (transactionalId) => {
      if (!describable.has(transactionalId)) {
        return {
          errorCode: ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, transactionalId, transactionState: '', transactionTimeoutMs: 0,
          transactionStartTimeMs: 0n, producerId: 0n, producerEpoch: 0, topics: [],
        };
      }
      const state = await coordinator.handleDescribeTransactions(transactionalId);
      return { ...state, topics: partitionByAuthorized(context, 'DESCRIBE', 'TOPIC', state.topics, (data) => data.topic).authorized };
    }));
    return { throttleTimeMs: 0, transactionStates };
  },
});
