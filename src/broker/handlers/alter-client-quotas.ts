import { alterClientQuotasRequest, alterClientQuotasResponse } from '../../protocol/generated/alter-client-quotas.ts';
import type { AlterClientQuotasResponseEntryData } from '../../protocol/generated/alter-client-quotas.ts';
import { ErrorCode } from '../../protocol/errors.ts';
import { CLUSTER_RESOURCE_NAME } from '../security/acl-model.ts';
import { authorize } from '../security/authorize.ts';
import { parseEntity, parseOps } from '../security/quotas/client-quota-requests.ts';
import { errorAnswer } from './error-code.ts';
import { defineHandler } from './handler.ts';

/**
 * AlterClientQuotas: sets and removes users' and client ids' quotas, kept as their entity configs
 * (ZooKeeper's /config/users and /config/clients in a cluster, where every broker follows the
 * change). Needs ALTER_CONFIGS on the cluster. Each entry is validated alone (INVALID_REQUEST for
 * an unknown key, a value not above 0, a bad entity) and written alone; validateOnly writes nothing.
 */
export const alterClientQuotasHandler = defineHandler({
  request: alterClientQuotasRequest,
  response: alterClientQuotasResponse,
  minVersion: 0,
  maxVersion: 1,
  async handle(request, context) {
    const answer = (entity: AlterClientQuotasResponseEntryData['entity'], errorCode: number, errorMessage: string | null): AlterClientQuotasResponseEntryData =>
      ({ errorCode, errorMessage, entity });
    if (!authorize(context, 'ALTER_CONFIGS', 'CLUSTER', CLUSTER_RESOURCE_NAME)) {
      const message = 'Cluster authorization failed.';
      return { throttleTimeMs: 0, entries: request.entries.map((entry) => answer(entry.entity, ErrorCode.CLUSTER_AUTHORIZATION_FAILED, message)) };
    }
    const configs = context.broker.quotas?.configs;
    const entries = await Promise.all(request.entries.map(async (entry) => {
      try {
        const entity = parseEntity(entry.entity);
        const { set, remove } = parseOps(entry.ops);
        if (configs === undefined) throw new Error('this broker keeps no client quotas');
        if (!request.validateOnly) await configs.alterQuotas(entity, set, remove);
        return answer(entry.entity, ErrorCode.NONE, null);
      } catch (error) {
        const { errorCode, errorMessage } = errorAnswer(error, context);
        return answer(entry.entity, errorCode, errorMessage ?? null);
      }
    }));
    return { throttleTimeMs: 0, entries };
  },
});
