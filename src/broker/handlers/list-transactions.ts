import { listTransactionsRequest, listTransactionsResponse } from '../../protocol/generated/list-transactions.ts';
import { partitionByAuthorized } from '../security/request-authorization.ts';
import { defineHandler } from './handler.ts';

/**
 * ListTransactions v0-1: the transactional ids of every __transaction_state partition this broker
 * coordinates, filtered by state names (unknown ones are named back), producer ids and (v1) how
 * long the transaction has run. COORDINATOR_LOAD_IN_PROGRESS while a partition is loading.
 */
export const listTransactionsHandler = defineHandler({
  request: listTransactionsRequest,
  response: listTransactionsResponse,
  minVersion: 0,
  maxVersion: 1,
  async handle(request, context) {
    const durationMs = context.apiVersion >= 1 ? Number(request.durationFilter ?? -1n) : -1;
    const answer = await context.broker.transactionCoordinator.handleListTransactions({
      states: request.stateFilters, producerIds: request.producerIdFilters, durationMs,
    });
    // As Kafka, only the transactional ids the principal may describe.
    const { authorized } = partitionByAuthorized(context, 'DESCRIBE', 'TRANSACTIONAL_ID', answer.transactionStates, (state) => state.transactionalId);
    return { throttleTimeMs: 0, ...answer, transactionStates: authorized };
  },
});
