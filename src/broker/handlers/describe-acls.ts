import { ErrorCode } from '../../protocol/errors.ts';
import { describeAclsRequest, describeAclsResponse, type DescribeAclsResponse } from '../../protocol/generated/describe-acls.ts';
import { describeAcls } from '../security/acl-store.ts';
import { aclApiAccess, aclFilterOf, unknownFilterReason, wireAcl } from './acl-requests.ts';
import { defineHandler } from './handler.ts';

/**
 * DescribeAcls v0-3, as Kafka's AclApis: the principal needs DESCRIBE on the cluster; without an
 * authorizer the answer is SECURITY_DISABLED. The filter's pattern type may be ANY (every pattern
 * of that name) or MATCH (every pattern that applies to that resource), as AclBindingFilter.
 */
export const describeAclsHandler = defineHandler({
  request: describeAclsRequest,
  response: describeAclsResponse,
  minVersion: 0,
  maxVersion: 3,
  requestFreedOnAnswer: true,
  handle(request, context): DescribeAclsResponse {
    const access = aclApiAccess(context, 'DESCRIBE', 'No Authorizer is configured on the broker');
    if (!('store' in access)) return { throttleTimeMs: 0, ...access, resources: [] };
    const filter = aclFilterOf(request);
    const invalid = unknownFilterReason(filter);
    if (invalid !== undefined) return { throttleTimeMs: 0, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: invalid, resources: [] };
    return {
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      resources: describeAcls(access.store.cache, filter).map(({ pattern, entries }) => {
        const { resourceType, resourceName, patternType } = wireAcl(pattern, entries[0]!);
        return {
          resourceType, resourceName, patternType,
          acls: entries.map((entry) => {
            const { principal, host, operation, permissionType } = wireAcl(pattern, entry);
            return { principal, host, operation, permissionType };
          }),
        };
      }),
    };
  },
});
