import type { AclOperation, ResourceType } from './acl-model.ts';
import type { Session } from './session.ts';

/** One thing a request wants to do to one resource (Kafka's Action, always a LITERAL resource name). */
export interface Action {
  readonly operation: AclOperation;
  readonly resourceType: ResourceType;
  readonly resourceName: string;
  /** Log an allowed decision at info: for actions whose success an audit wants (Kafka's logIfAllowed). */
  readonly logIfAllowed?: boolean;
  /**
   * Log a denial at info; false for a denial that is not a refusal (Metadata leaving out the
   * topics a principal may not describe, a filter over many resources).
   */
  readonly logIfDenied?: boolean;
}

/**
 * Decides whether a session may perform actions (Kafka's org.apache.kafka.server.authorizer.Authorizer).
 * authorizer.class.name names it; without one every action is allowed, as in Kafka.
 */
export interface Authorizer {
  /** One decision per action, in order: true is ALLOWED. */
  authorize(session: Session, actions: readonly Action[]): boolean[];
  /**
   * Whether any resource of the type may be operated on by the session: an ALLOW that some DENY
   * does not cover (Kafka's authorizeByResourceType). InitProducerId without a transactional id
   * asks it for WRITE on any topic.
   */
  authorizeByResourceType(session: Session, operation: AclOperation, resourceType: ResourceType): boolean;
}
