import { AclOperationCode, CLUSTER_RESOURCE_NAME, type AclOperation } from './acl-model.ts';
import { authorize, type AuthorizationContext } from './authorize.ts';

/**
 * The authorizedOperations fields of Metadata, DescribeCluster, DescribeGroups and
 * ConsumerGroupDescribe: a bitfield of Kafka's AclOperation codes (bit n set = operation code n
 * allowed), or Integer.MIN_VALUE when the client did not ask. As Kafka's AuthHelper.authorizedOperations:
 * the operations that apply to the resource type which the authorizer allows the principal on that
 * resource, asked in one call without logging (a bitfield is not a refusal); without an authorizer,
 * all of them.
 */

/** authorizedOperations when the client did not ask for them. */
export const AUTHORIZED_OPERATIONS_NOT_REQUESTED = -2147483648;

export type AuthorizedOperationsResourceType = 'TOPIC' | 'GROUP' | 'CLUSTER';

/**
 * The operations that apply to each resource type, as Kafka 3.x's AclEntry.supportedOperations
 * lists them (groups gained DESCRIBE_CONFIGS and ALTER_CONFIGS only in Kafka 4).
 */
const SUPPORTED_OPERATIONS: Readonly<Record<AuthorizedOperationsResourceType, readonly AclOperation[]>> = {
  TOPIC: ['READ', 'WRITE', 'CREATE', 'DESCRIBE', 'DELETE', 'ALTER', 'DESCRIBE_CONFIGS', 'ALTER_CONFIGS'],
  GROUP: ['READ', 'DESCRIBE', 'DELETE'],
  CLUSTER: ['CREATE', 'CLUSTER_ACTION', 'DESCRIBE_CONFIGS', 'ALTER_CONFIGS', 'IDEMPOTENT_WRITE', 'ALTER', 'DESCRIBE'],
};

/** The bitfield of what the principal may do to the resource, or "not requested" when the client did not ask. */
export function authorizedOperations(
  context: AuthorizationContext,
  resourceType: AuthorizedOperationsResourceType,
  resourceName: string,
  requested: boolean,
): number {
  if (!requested) return AUTHORIZED_OPERATIONS_NOT_REQUESTED;
  const supported = SUPPORTED_OPERATIONS[resourceType];
  const authorizer = context.broker.authorizer;
  const decisions = authorizer === undefined
    ? supported.map(() => true)
    : authorizer.authorize(context.session, supported.map((operation) => ({
      operation, resourceType, resourceName, logIfAllowed: false, logIfDenied: false,
    })));
  let bits = 0;
  supported.forEach((operation, i) => {
    if (decisions[i] === true) bits |= 1 << AclOperationCode[operation];
  });
  return bits;
}

/**
 * The cluster's bitfield (Metadata v8-10, DescribeCluster): none (0) for a principal that may not
 * describe the cluster, as Kafka answers it.
 */
export function clusterAuthorizedOperations(context: AuthorizationContext, requested: boolean): number {
  if (!requested) return AUTHORIZED_OPERATIONS_NOT_REQUESTED;
  return authorize(context, 'DESCRIBE', 'CLUSTER', CLUSTER_RESOURCE_NAME) ? authorizedOperations(context, 'CLUSTER', CLUSTER_RESOURCE_NAME, true) : 0;
}
