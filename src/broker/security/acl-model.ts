/**
 * Kafka's ACL vocabulary (org.apache.kafka.common.acl and common.resource) with the wire codes
 * CreateAcls, DescribeAcls and DeleteAcls carry and the authorizedOperations bitfields use.
 */

export const AclOperationCode = {
  UNKNOWN: 0,
  ANY: 1,
  ALL: 2,
  READ: 3,
  WRITE: 4,
  CREATE: 5,
  DELETE: 6,
  ALTER: 7,
  DESCRIBE: 8,
  CLUSTER_ACTION: 9,
  DESCRIBE_CONFIGS: 10,
  ALTER_CONFIGS: 11,
  IDEMPOTENT_WRITE: 12,
  CREATE_TOKENS: 13,
  DESCRIBE_TOKENS: 14,
} as const;
export type AclOperation = keyof typeof AclOperationCode;

export const ResourceTypeCode = {
  UNKNOWN: 0,
  ANY: 1,
  TOPIC: 2,
  GROUP: 3,
  CLUSTER: 4,
  TRANSACTIONAL_ID: 5,
  DELEGATION_TOKEN: 6,
  USER: 7,
} as const;
export type ResourceType = keyof typeof ResourceTypeCode;

export const PatternTypeCode = {
  UNKNOWN: 0,
  ANY: 1,
  MATCH: 2,
  LITERAL: 3,
  PREFIXED: 4,
} as const;
export type PatternType = keyof typeof PatternTypeCode;

export const PermissionTypeCode = {
  UNKNOWN: 0,
  ANY: 1,
  DENY: 2,
  ALLOW: 3,
} as const;
export type PermissionType = keyof typeof PermissionTypeCode;

/** The one cluster resource's name, as Kafka's Resource.CLUSTER_NAME. */
export const CLUSTER_RESOURCE_NAME = 'kafka-cluster';
/** An ACL on this literal name (or host, or principal `User:*`) applies to every one. */
export const WILDCARD = '*';

function byCode<T extends string>(table: Readonly<Record<T, number>>): ReadonlyMap<number, T> {
  return new Map(Object.entries(table).map(([name, code]) => [code as number, name as T]));
}
const OPERATIONS = byCode(AclOperationCode);
const RESOURCE_TYPES = byCode(ResourceTypeCode);
const PATTERN_TYPES = byCode(PatternTypeCode);
const PERMISSION_TYPES = byCode(PermissionTypeCode);

/** The name for a wire code; UNKNOWN for a code Kafka does not define. */
export function aclOperationOf(code: number): AclOperation {
  return OPERATIONS.get(code) ?? 'UNKNOWN';
}
export function resourceTypeOf(code: number): ResourceType {
  return RESOURCE_TYPES.get(code) ?? 'UNKNOWN';
}
export function patternTypeOf(code: number): PatternType {
  return PATTERN_TYPES.get(code) ?? 'UNKNOWN';
}
export function permissionTypeOf(code: number): PermissionType {
  return PERMISSION_TYPES.get(code) ?? 'UNKNOWN';
}

/** A resource, or a pattern of resources, an ACL binds (Kafka's ResourcePattern). */
export interface ResourcePattern {
  readonly resourceType: ResourceType;
  readonly name: string;
  readonly patternType: PatternType;
}

/** Who may (or may not) do what from where (Kafka's AccessControlEntry). */
export interface AccessControlEntry {
  /** `User:alice`, or `User:*` for every user. */
  readonly principal: string;
  /** An IP address, or `*` for every host. */
  readonly host: string;
  readonly operation: AclOperation;
  readonly permissionType: PermissionType;
}

/** One ACL (Kafka's AclBinding). */
export interface AclBinding {
  readonly pattern: ResourcePattern;
  readonly entry: AccessControlEntry;
}
