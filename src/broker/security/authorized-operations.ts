/**
 * The authorizedOperations fields of Metadata, DescribeCluster, DescribeGroups and
 * ConsumerGroupDescribe: a bitfield of Kafka's AclOperation codes (bit n set = operation code n
 * allowed), or Integer.MIN_VALUE when the client did not ask. Samsa has no authorizer yet, so, as
 * Kafka without one, a principal may perform every operation that applies to the resource type.
 * When an authorizer comes, it filters these sets here and every API answers from it.
 */

/** Kafka's AclOperation codes (org.apache.kafka.common.acl.AclOperation); 0-2 are UNKNOWN, ANY, ALL. */
export const AclOperation = {
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
} as const;

/** authorizedOperations when the client did not ask for them. */
export const AUTHORIZED_OPERATIONS_NOT_REQUESTED = -2147483648;

export type AclResourceType = 'topic' | 'group' | 'cluster';

const { READ, WRITE, CREATE, DELETE, ALTER, DESCRIBE, CLUSTER_ACTION, DESCRIBE_CONFIGS, ALTER_CONFIGS, IDEMPOTENT_WRITE } = AclOperation;

/**
 * The operations that apply to each resource type, as Kafka's AclEntry.supportedOperations lists
 * them. Groups leave out DESCRIBE_CONFIGS and ALTER_CONFIGS: Samsa has no group configs.
 */
const SUPPORTED_OPERATIONS: Readonly<Record<AclResourceType, readonly number[]>> = {
  topic: [READ, WRITE, CREATE, DESCRIBE, DELETE, ALTER, DESCRIBE_CONFIGS, ALTER_CONFIGS],
  group: [READ, DESCRIBE, DELETE],
  cluster: [CREATE, CLUSTER_ACTION, DESCRIBE_CONFIGS, ALTER_CONFIGS, IDEMPOTENT_WRITE, ALTER, DESCRIBE],
};

/** The bitfield of what may be done to a resource of this type, or "not requested" when the client did not ask. */
export function authorizedOperations(resourceType: AclResourceType, requested: boolean): number {
  if (!requested) return AUTHORIZED_OPERATIONS_NOT_REQUESTED;
  let bits = 0;
  for (const operation of SUPPORTED_OPERATIONS[resourceType]) bits |= 1 << operation;
  return bits;
}

