import { describeClientQuotasRequest, describeClientQuotasResponse } from '../../protocol/generated/describe-client-quotas.ts';
import type { DescribeClientQuotasResponseEntryData } from '../../protocol/generated/describe-client-quotas.ts';
import { ErrorCode } from '../../protocol/errors.ts';
import { CLUSTER_RESOURCE_NAME } from '../security/acl-model.ts';
import { authorize } from '../security/authorize.ts';
import { entityComponents, matchesFilter, parseFilter } from '../security/quotas/client-quota-requests.ts';
import { errorAnswer } from './error-code.ts';
import { defineHandler } from './handler.ts';

/**
 * DescribeClientQuotas: the users' and client ids' quotas that match a filter (each component
 * EXACT a name, DEFAULT the default entity, or SPECIFIED any; `strict` leaves out entities with
 * other types). Needs DESCRIBE_CONFIGS on the cluster.
 */
export const describeClientQuotasHandler = defineHandler({
  request: describeClientQuotasRequest,
  response: describeClientQuotasResponse,
  minVersion: 0,
  maxVersion: 1,
  handle(request, context) {
    if (!authorize(context, 'DESCRIBE_CONFIGS', 'CLUSTER', CLUSTER_RESOURCE_NAME)) {
      return { throttleTimeMs: 0, errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, errorMessage: 'Cluster authorization failed.', entries: null };
    }
    try {
      const filter = parseFilter(request.components, request.strict);
      const entries: DescribeClientQuotasResponseEntryData[] = [];
      for (const [entity, values] of context.broker.quotas?.configs.quotaEntities() ?? []) {
        if (!matchesFilter(filter, entity)) continue;
        entries.push({ entity: entityComponents(entity), values: Object.entries(values).map(([key, value]) => ({ key, value })) });
      }
      return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, errorMessage: null, entries };
    } catch (error) {
      const { errorCode, errorMessage } = errorAnswer(error, context);
      return { throttleTimeMs: 0, errorCode, errorMessage: errorMessage ?? null, entries: null };
    }
  },
});
