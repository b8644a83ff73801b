import { describeTransactionsRequest, describeTransactionsResponse } from '../../protocol/generated/describe-transactions.ts';
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
    const transactionStates = await Promise.all(request.transactionalIds.map((id) => coordinator.handleDescribeTransactions(id)));
    return { throttleTimeMs: 0, transactionStates };
  },
});
