import { ErrorCode, KafkaError } from '../../protocol/errors.ts';
import { CLUSTER_RESOURCE_NAME, type AclOperation, type ResourceType } from './acl-model.ts';
import { authorize, authorizedNames, type AuthorizationContext } from './authorize.ts';

/**
 * The checks KafkaApis repeats across handlers (its AuthHelper), in one place: the cluster check of
 * admin and inter-broker APIs, the split of a request's resources into authorized and not, and the
 * per-topic check of the APIs that name topic partitions.
 */

/** Whether the principal may do `operation` to the cluster (Kafka's authorize(..., CLUSTER, "kafka-cluster")). */
export function authorizeCluster(context: AuthorizationContext, operation: AclOperation, logIfDenied = true): boolean {
  return authorize(context, operation, 'CLUSTER', CLUSTER_RESOURCE_NAME, logIfDenied);
}

/**
 * Kafka's partitionSeqByAuthorized: the items whose resource the principal may `operation` and the
 * others, each in request order, from one authorizer call for the distinct names.
 */
export function partitionByAuthorized<T>(
  context: AuthorizationContext,
  operation: AclOperation,
  resourceType: ResourceType,
  items: Iterable<T>,
  nameOf: (item: T) => string,
  logIfDenied = true,
): { authorized: T[]; unauthorized: T[] } {
  const all = [...items];
  const allowed = authorizedNames(context, operation, resourceType, all.map(nameOf), logIfDenied);
  const authorized: T[] = [];
  const unauthorized: T[] = [];
  for (const item of all) (allowed.has(nameOf(item)) ? authorized : unauthorized).push(item);
  return { authorized, unauthorized };
}

/**
 * The topic check of a request that names topic partitions (Produce, Fetch, ListOffsets,
 * DeleteRecords, OffsetForLeaderEpoch, DescribeProducers, the offset commits): the authorizer is
 * asked once for the request's distinct topics (Kafka's filterByAuthorized), and each partition's
 * answer starts with `check(topic)`, which refuses an unauthorized topic with
 * TOPIC_AUTHORIZATION_FAILED before its existence is looked at, as Kafka orders them: a principal
 * that may not touch a topic does not learn whether it exists.
 */
export class TopicAuthorization {
  private readonly allowed: ReadonlySet<string> | undefined;

  private constructor(allowed: ReadonlySet<string> | undefined) {
    this.allowed = allowed;
  }

  static of(context: AuthorizationContext, operation: AclOperation, topics: Iterable<string>): TopicAuthorization {
    // No authorizer: nothing to ask, nothing refused.
    if (context.broker.authorizer === undefined) return TopicAuthorization.all();
    return new TopicAuthorization(authorizedNames(context, operation, 'TOPIC', topics));
  }

  /** Every topic allowed: the request was authorized as a whole (CLUSTER_ACTION of a broker). */
  static all(): TopicAuthorization {
    return new TopicAuthorization(undefined);
  }

  /**
   * Kafka's handleFetchRequest: a follower's fetch needs CLUSTER_ACTION on the cluster, and without
   * it every partition is refused (refusesEverything); a consumer's needs READ on each topic.
   */
  static forFetch(context: AuthorizationContext, topics: Iterable<string>, fromFollower: boolean): TopicAuthorization {
    if (!fromFollower) return TopicAuthorization.of(context, 'READ', topics);
    return authorizeCluster(context, 'CLUSTER_ACTION') ? TopicAuthorization.all() : new TopicAuthorization(new Set());
  }

  /** Whether no topic at all is allowed, so even a topic the request names by an unknown id is refused, not unknown. */
  get refusesEverything(): boolean {
    return this.allowed !== undefined && this.allowed.size === 0;
  }

  allows(topic: string): boolean {
    return this.allowed === undefined || this.allowed.has(topic);
  }

  /** Throws TOPIC_AUTHORIZATION_FAILED for a topic the principal may not touch. */
  check(topic: string): void {
    if (!this.allows(topic)) throw authorizationFailed(ErrorCode.TOPIC_AUTHORIZATION_FAILED);
  }
}

/** Kafka's messages of the authorization errors (Errors.message()), which answers with a message carry. */
const AUTHORIZATION_FAILED_MESSAGES: ReadonlyMap<number, string> = new Map([
  [ErrorCode.TOPIC_AUTHORIZATION_FAILED, 'Topic authorization failed.'],
  [ErrorCode.GROUP_AUTHORIZATION_FAILED, 'Group authorization failed.'],
  [ErrorCode.CLUSTER_AUTHORIZATION_FAILED, 'Cluster authorization failed.'],
  [ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, 'Transactional Id authorization failed.'],
]);

/** The refusal with Kafka's message, for a handler's per-resource try/catch to answer. */
export function authorizationFailed(errorCode: number): KafkaError {
  return new KafkaError(errorCode, AUTHORIZATION_FAILED_MESSAGES.get(errorCode));
}
