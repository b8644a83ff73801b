import type { AclOperation, ResourceType } from './acl-model.ts';
import type { Action, Authorizer } from './authorizer.ts';
import { principalToString } from './kafka-principal.ts';
import type { Session } from './session.ts';

/**
 * A test fixture, not an authorizer to run: allows exactly the (principal, operation, resource type,
 * name) tuples it is given, nothing implied (READ does not grant DESCRIBE here) and no patterns
 * beyond the name `*` for every resource of a type. Tests of the handlers' checks use it to decide
 * precisely what a principal may do, independently of the ACL authorizer's rules, and read the
 * actions it was asked about.
 */
export interface Grant {
  /** `User:ANONYMOUS` (a PLAINTEXT session) unless given. */
  readonly principal?: string;
  readonly operation: AclOperation;
  readonly resourceType: ResourceType;
  /** A resource's name, or `*` for every resource of the type. */
  readonly name: string;
}

export class StaticAuthorizerFixture implements Authorizer {
  private grants: readonly Grant[] = [];
  /** While true every action is allowed: a test's setup (creating topics) before it narrows the grants. */
  allowEverything = false;
  /** Every action asked about, in order, with the decision. */
  readonly decisions: Array<Action & { readonly principal: string; readonly allowed: boolean }> = [];

  constructor(grants: readonly Grant[] = []) {
    this.grants = grants;
  }

  /** Replaces the grants (and ends allowEverything). */
  allow(...grants: Grant[]): void {
    this.grants = grants;
    this.allowEverything = false;
  }

  authorize(session: Session, actions: readonly Action[]): boolean[] {
    const principal = principalToString(session.principal);
    return actions.map((action) => {
      const allowed = this.allowEverything || this.grants.some((grant) => matches(grant, principal, action.operation, action.resourceType)
        && (grant.name === '*' || grant.name === action.resourceName));
      this.decisions.push({ ...action, principal, allowed });
      return allowed;
    });
  }

  authorizeByResourceType(session: Session, operation: AclOperation, resourceType: ResourceType): boolean {
    const principal = principalToString(session.principal);
    return this.allowEverything || this.grants.some((grant) => matches(grant, principal, operation, resourceType));
  }
}

function matches(grant: Grant, principal: string, operation: AclOperation, resourceType: ResourceType): boolean {
  return (grant.principal ?? 'User:ANONYMOUS') === principal && grant.operation === operation && grant.resourceType === resourceType;
}
