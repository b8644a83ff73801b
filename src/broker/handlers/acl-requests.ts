import { ErrorCode } from '../../protocol/errors.ts';
import { AclOperationCode, aclOperationOf, patternTypeOf, PatternTypeCode, permissionTypeOf, PermissionTypeCode, resourceTypeOf, ResourceTypeCode } from '../security/acl-model.ts';
import type { AccessControlEntry, ResourcePattern } from '../security/acl-model.ts';
import type { AclBindingFilter } from '../security/acl-filter.ts';
import { CLUSTER_RESOURCE_NAME } from '../security/acl-model.ts';
import { authorize } from '../security/authorize.ts';
import type { AclStore } from '../security/acl-store.ts';
import type { RequestContext } from './handler.ts';

/** The filter fields DescribeAcls and DeleteAcls share. */
export interface WireAclFilter {
  readonly resourceTypeFilter: number;
  readonly resourceNameFilter: string | null;
  readonly patternTypeFilter?: number;
  readonly principalFilter: string | null;
  readonly hostFilter: string | null;
  readonly operation: number;
  readonly permissionType: number;
}

/** A filter from the wire; codes Kafka does not define read as UNKNOWN, which the handlers refuse. */
export function aclFilterOf(wire: WireAclFilter): AclBindingFilter {
  return {
    pattern: {
      resourceType: resourceTypeOf(wire.resourceTypeFilter),
      name: wire.resourceNameFilter,
      // Version 0 has no pattern types: its filters are LITERAL (the codec reads them so).
      patternType: patternTypeOf(wire.patternTypeFilter ?? PatternTypeCode.LITERAL),
    },
    entry: {
      principal: wire.principalFilter,
      host: wire.hostFilter,
      operation: aclOperationOf(wire.operation),
      permissionType: permissionTypeOf(wire.permissionType),
    },
  };
}

/** Kafka's AclControlManager.validateFilter: why a filter cannot be used, or undefined. */
export function unknownFilterReason(filter: AclBindingFilter): string | undefined {
  if (filter.pattern.resourceType === 'UNKNOWN' || filter.pattern.patternType === 'UNKNOWN') return 'Unknown patternFilter.';
  if (filter.entry.operation === 'UNKNOWN' || filter.entry.permissionType === 'UNKNOWN') return 'Unknown entryFilter.';
  return undefined;
}

/** A pattern and entry as the answers carry them. */
export function wireAcl(pattern: ResourcePattern, entry: AccessControlEntry) {
  return {
    resourceType: ResourceTypeCode[pattern.resourceType],
    resourceName: pattern.name,
    patternType: PatternTypeCode[pattern.patternType],
    principal: entry.principal,
    host: entry.host,
    operation: AclOperationCode[entry.operation],
    permissionType: PermissionTypeCode[entry.permissionType],
  };
}

/**
 * What stands before an ACL request is served, as Kafka's AclApis checks it: the principal may do
 * `operation` (ALTER to change ACLs, DESCRIBE to list them) on the cluster, and the broker has an
 * ACL store (an authorizer). The refusal's error code and message, or the store.
 */
export function aclApiAccess(context: RequestContext, operation: 'ALTER' | 'DESCRIBE', noAuthorizerMessage: string):
  { store: AclStore } | { errorCode: number; errorMessage: string | null } {
  if (!authorize(context, operation, 'CLUSTER', CLUSTER_RESOURCE_NAME)) return { errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, errorMessage: 'Cluster authorization failed.' };
  const store = context.broker.acls;
  if (store === undefined) return { errorCode: ErrorCode.SECURITY_DISABLED, errorMessage: noAuthorizerMessage };
  return { store };
}
