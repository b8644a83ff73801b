import { ErrorCode } from '../protocol/errors.ts';
import { Apis } from './apis.ts';
import type { Cluster } from './cluster.ts';
import { KafkaClientError, throwIfError } from './errors.ts';
import { retryCall } from './retry-call.ts';

/** Kafka's ACL vocabulary (org.apache.kafka.common.acl / resource) with its wire codes. */
const RESOURCE_TYPES = { UNKNOWN: 0, ANY: 1, TOPIC: 2, GROUP: 3, CLUSTER: 4, TRANSACTIONAL_ID: 5, DELEGATION_TOKEN: 6, USER: 7 } as const;
const PATTERN_TYPES = { UNKNOWN: 0, ANY: 1, MATCH: 2, LITERAL: 3, PREFIXED: 4 } as const;
const OPERATIONS = {
  UNKNOWN: 0, ANY: 1, ALL: 2, READ: 3, WRITE: 4, CREATE: 5, DELETE: 6, ALTER: 7, DESCRIBE: 8, CLUSTER_ACTION: 9,
  DESCRIBE_CONFIGS: 10, ALTER_CONFIGS: 11, IDEMPOTENT_WRITE: 12, CREATE_TOKENS: 13, DESCRIBE_TOKENS: 14,
} as const;
const PERMISSION_TYPES = { UNKNOWN: 0, ANY: 1, DENY: 2, ALLOW: 3 } as const;

export type AclResourceType = keyof typeof RESOURCE_TYPES;
export type AclPatternType = keyof typeof PATTERN_TYPES;
export type AclOperation = keyof typeof OPERATIONS;
export type AclPermissionType = keyof typeof PERMISSION_TYPES;

/** Kafka's ResourcePattern: a resource, or with PREFIXED every resource whose name starts so. */
export interface AclResourcePattern {
  readonly resourceType: AclResourceType;
  readonly name: string;
  readonly patternType: AclPatternType;
}

/** Kafka's AccessControlEntry: `User:alice` from host `*` may (ALLOW) or may not (DENY) READ. */
export interface AclEntry {
  readonly principal: string;
  readonly host: string;
  readonly operation: AclOperation;
  readonly permissionType: AclPermissionType;
}

/** Kafka's AclBinding: one ACL. */
export interface AclBinding {
  readonly pattern: AclResourcePattern;
  readonly entry: AclEntry;
}

/**
 * Kafka's AclBindingFilter: null (or absent) fields and ANY match everything; patternType MATCH
 * selects every pattern that applies to the named resource (its own, `*`, and matching prefixes).
 */
export interface AclBindingFilter {
  readonly pattern: { readonly resourceType?: AclResourceType; readonly name?: string | null; readonly patternType?: AclPatternType };
  readonly entry?: { readonly principal?: string | null; readonly host?: string | null; readonly operation?: AclOperation; readonly permissionType?: AclPermissionType };
}

/** The filter that matches every ACL. */
export const ANY_ACL: AclBindingFilter = Object.freeze({ pattern: Object.freeze({}) });

function nameOf<T extends string>(table: Readonly<Record<T, number>>, code: number): T {
  return (Object.keys(table) as T[]).find((name) => table[name] === code) ?? ('UNKNOWN' as T);
}

function bindingOf(wire: { resourceType: number; resourceName: string; patternType?: number; principal: string; host: string; operation: number; permissionType: number }): AclBinding {
  return {
    pattern: { resourceType: nameOf(RESOURCE_TYPES, wire.resourceType), name: wire.resourceName, patternType: nameOf(PATTERN_TYPES, wire.patternType ?? PATTERN_TYPES.LITERAL) },
    entry: { principal: wire.principal, host: wire.host, operation: nameOf(OPERATIONS, wire.operation), permissionType: nameOf(PERMISSION_TYPES, wire.permissionType) },
  };
}

function wireFilter(filter: AclBindingFilter) {
  return {
    resourceTypeFilter: RESOURCE_TYPES[filter.pattern.resourceType ?? 'ANY'],
    resourceNameFilter: filter.pattern.name ?? null,
    patternTypeFilter: PATTERN_TYPES[filter.pattern.patternType ?? 'ANY'],
    principalFilter: filter.entry?.principal ?? null,
    hostFilter: filter.entry?.host ?? null,
    operation: OPERATIONS[filter.entry?.operation ?? 'ANY'],
    permissionType: PERMISSION_TYPES[filter.entry?.permissionType ?? 'ANY'],
  };
}

/** `ResourcePattern(resourceType=TOPIC, name=foo, patternType=LITERAL)`, as Kafka's toString writes it. */
export function describeAclPattern(pattern: AclResourcePattern): string {
  return `ResourcePattern(resourceType=${pattern.resourceType}, name=${pattern.name}, patternType=${pattern.patternType})`;
}

// Every request goes to any broker: each one serves the cluster's ACLs.

/**
 * CreateAcls: every binding stored, or a KafkaClientError naming the first that was not (Java's
 * CreateAclsResult.all()). Creating an ACL that exists is not an error.
 */
export async function createAcls(cluster: Cluster, bindings: readonly AclBinding[]): Promise<void> {
  if (bindings.length === 0) return;
  const response = await retryCall(cluster, () => cluster.send(undefined, 'admin', Apis.CreateAcls, {
    creations: bindings.map(({ pattern, entry }) => ({
      resourceType: RESOURCE_TYPES[pattern.resourceType],
      resourceName: pattern.name,
      resourcePatternType: PATTERN_TYPES[pattern.patternType],
      principal: entry.principal,
      host: entry.host,
      operation: OPERATIONS[entry.operation],
      permissionType: PERMISSION_TYPES[entry.permissionType],
    })),
  }));
  response.results.forEach((result, i) => {
    const binding = bindings[i]!;
    throwIfError(result.errorCode, `CreateAcls ${describeAclPattern(binding.pattern)} ${binding.entry.principal} ${binding.entry.operation}`, result.errorMessage);
  });
}

/** DescribeAcls: the ACLs the filter matches (Java's DescribeAclsResult.values()). */
export async function describeAcls(cluster: Cluster, filter: AclBindingFilter): Promise<AclBinding[]> {
  const response = await retryCall(cluster, () => cluster.send(undefined, 'admin', Apis.DescribeAcls, wireFilter(filter)));
  throwIfError(response.errorCode, 'DescribeAcls', response.errorMessage);
  return response.resources.flatMap((resource) => resource.acls.map((acl) => bindingOf({
    resourceType: resource.resourceType, resourceName: resource.resourceName, patternType: resource.patternType ?? PATTERN_TYPES.LITERAL, ...acl,
  })));
}

/**
 * DeleteAcls: for each filter, the ACLs it removed (an ACL several filters match is counted under
 * the first); a KafkaClientError when a filter, or the removal of one of its ACLs, failed (Java's
 * DeleteAclsResult.all()).
 */
export async function deleteAcls(cluster: Cluster, filters: readonly AclBindingFilter[]): Promise<AclBinding[][]> {
  if (filters.length === 0) return [];
  const response = await retryCall(cluster, () => cluster.send(undefined, 'admin', Apis.DeleteAcls, { filters: filters.map(wireFilter) }));
  if (response.filterResults.length !== filters.length) {
    throw new KafkaClientError(ErrorCode.UNKNOWN_SERVER_ERROR, 'DeleteAcls', `${response.filterResults.length} answers to ${filters.length} filters`);
  }
  return response.filterResults.map((result) => {
    throwIfError(result.errorCode, 'DeleteAcls', result.errorMessage);
    return result.matchingAcls.map((acl) => {
      const binding = bindingOf(acl);
      throwIfError(acl.errorCode, `DeleteAcls ${describeAclPattern(binding.pattern)}`, acl.errorMessage);
      return binding;
    });
  });
}
