import { ErrorCode } from '../../protocol/errors.ts';
import { deleteAclsRequest, deleteAclsResponse, type DeleteAclsResponse } from '../../protocol/generated/delete-acls.ts';
import { deleteAcls } from '../security/acl-store.ts';
import { aclApiAccess, aclFilterOf, unknownFilterReason, wireAcl } from './acl-requests.ts';
import { errorAnswer } from './error-code.ts';
import { defineHandler } from './handler.ts';

/**
 * DeleteAcls v0-3, as Kafka's AclApis: the principal needs ALTER on the cluster; without an
 * authorizer every filter is SECURITY_DISABLED. Each filter answers with the ACLs it removed (an
 * ACL several filters match is listed under the first); a filter with UNKNOWN fields is
 * INVALID_REQUEST and removes nothing.
 */
export const deleteAclsHandler = defineHandler({
  request: deleteAclsRequest,
  response: deleteAclsResponse,
  minVersion: 0,
  maxVersion: 3,
  requestFreedOnAnswer: true,
  async handle(request, context): Promise<DeleteAclsResponse> {
    const access = aclApiAccess(context, 'ALTER', 'No Authorizer is configured.');
    if (!('store' in access)) return { throttleTimeMs: 0, filterResults: request.filters.map(() => ({ ...access, matchingAcls: [] })) };
    const filters = request.filters.map(aclFilterOf);
    const invalid = filters.map(unknownFilterReason);
    const valid = filters.filter((_, i) => invalid[i] === undefined);
    const results = await deleteAcls(access.store, valid);
    let next = 0;
    return {
      throttleTimeMs: 0,
      filterResults: filters.map((_, i) => {
        const reason = invalid[i];
        if (reason !== undefined) return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: reason, matchingAcls: [] };
        return {
          errorCode: ErrorCode.NONE,
          errorMessage: null,
          matchingAcls: results[next++]!.deleted.map(({ binding, error }) => ({
            ...(error === null ? { errorCode: ErrorCode.NONE, errorMessage: null } : errorAnswer(error, context)),
            ...wireAcl(binding.pattern, binding.entry),
          })),
        };
      }),
    };
  },
});
