import type { AclOperation, ResourceType } from './acl-model.ts';
import type { Authorizer } from './authorizer.ts';
import type { Session } from './session.ts';

/** What a handler hands to these checks: its request's session and the broker's authorizer, if any. */
export interface AuthorizationContext {
  readonly session: Session;
  readonly broker: { readonly authorizer?: Authorizer | undefined };
}

/**
 * Whether the request's principal may do `operation` to the named resource. Without an authorizer
 * (authorizer.class.name unset) everything is allowed, as in Kafka.
 */
export function authorize(
  context: AuthorizationContext,
  operation: AclOperation,
  resourceType: ResourceType,
  resourceName: string,
  logIfDenied = true,
): boolean {
  const authorizer = context.broker.authorizer;
  if (authorizer === undefined) return true;
  return authorizer.authorize(context.session, [{ operation, resourceType, resourceName, logIfDenied }])[0] === true;
}

/** The names among `names` the principal may do `operation` to, in one call to the authorizer. */
export function authorizedNames(
  context: AuthorizationContext,
  operation: AclOperation,
  resourceType: ResourceType,
  names: Iterable<string>,
  logIfDenied = true,
): Set<string> {
  const distinct = [...new Set(names)];
  const authorizer = context.broker.authorizer;
  if (authorizer === undefined) return new Set(distinct);
  const decisions = authorizer.authorize(
    context.session,
    distinct.map((resourceName) => ({ operation, resourceType, resourceName, logIfDenied })),
  );
  return new Set(distinct.filter((_, i) => decisions[i] === true));
}

/** Whether the principal may do `operation` to some resource of the type (Kafka's authorizeByResourceType). */
export function authorizeByResourceType(context: AuthorizationContext, operation: AclOperation, resourceType: ResourceType): boolean {
  const authorizer = context.broker.authorizer;
  return authorizer === undefined || authorizer.authorizeByResourceType(context.session, operation, resourceType);
}
