import { createAclsRequest, createAclsResponse, type CreateAclsResponse } from '../../protocol/generated/create-acls.ts';
import { aclOperationOf, patternTypeOf, permissionTypeOf, resourceTypeOf, type AclBinding } from '../security/acl-model.ts';
import { createAcls } from '../security/acl-store.ts';
import { aclApiAccess } from './acl-requests.ts';
import { errorAnswer } from './error-code.ts';
import { defineHandler } from './handler.ts';

/**
 * CreateAcls v0-3, as Kafka's AclApis: the principal needs ALTER on the cluster; without an
 * authorizer every creation is SECURITY_DISABLED. Each creation answers for itself: an invalid one
 * (UNKNOWN or ANY types, a MATCH pattern, a CLUSTER not named kafka-cluster, an empty name) is
 * INVALID_REQUEST with Kafka's message, the others are stored, one write per resource pattern.
 */
export const createAclsHandler = defineHandler({
  request: createAclsRequest,
  response: createAclsResponse,
  minVersion: 0,
  maxVersion: 3,
  requestFreedOnAnswer: true,
  async handle(request, context): Promise<CreateAclsResponse> {
    const access = aclApiAccess(context, 'ALTER', 'No Authorizer is configured.');
    if (!('store' in access)) return { throttleTimeMs: 0, results: request.creations.map(() => ({ ...access })) };
    const bindings: AclBinding[] = request.creations.map((c) => ({
      pattern: { resourceType: resourceTypeOf(c.resourceType), name: c.resourceName, patternType: patternTypeOf(c.resourcePatternType ?? 3) },
      entry: { principal: c.principal, host: c.host, operation: aclOperationOf(c.operation), permissionType: permissionTypeOf(c.permissionType) },
    }));
    const errors = await createAcls(access.store, bindings);
    return {
      throttleTimeMs: 0,
      results: errors.map((error) => (error === null ? { errorCode: 0, errorMessage: null } : errorAnswer(error, context))),
    };
  },
});
