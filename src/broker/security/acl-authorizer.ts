import type { Logger } from '../logger.ts';
import type { AccessControlEntry, AclOperation, PermissionType, ResourceType } from './acl-model.ts';
import { WILDCARD } from './acl-model.ts';
import type { AclCache } from './acl-cache.ts';
import type { Action, Authorizer } from './authorizer.ts';
import { principalToString } from './kafka-principal.ts';
import type { Session } from './session.ts';

/** Kafka's AclEntry.WILDCARD_PRINCIPAL_STRING: an ACL for every user. */
export const WILDCARD_PRINCIPAL = 'User:*';

/**
 * The operations whose ALLOW also allows the one asked for (Kafka's AclAuthorizer): READ, WRITE,
 * DELETE and ALTER imply DESCRIBE; ALTER_CONFIGS implies DESCRIBE_CONFIGS. A DENY implies nothing
 * beyond its own operation (and ALL).
 */
const ALLOWED_BY: Partial<Readonly<Record<AclOperation, readonly AclOperation[]>>> = {
  DESCRIBE: ['DESCRIBE', 'READ', 'WRITE', 'DELETE', 'ALTER'],
  DESCRIBE_CONFIGS: ['DESCRIBE_CONFIGS', 'ALTER_CONFIGS'],
};

export interface AclAuthorizerOptions {
  /** The ACLs, kept current by an ACL store. */
  readonly acls: AclCache;
  /** super.users: principals (`User:admin`) allowed everything. */
  readonly superUsers: readonly string[];
  /** allow.everyone.if.no.acl.found: a resource no ACL applies to is open to all. */
  readonly allowEveryoneIfNoAclFound: boolean;
  readonly logger: Logger;
}

/** super.users as Kafka reads it: principals separated by semicolons, blanks dropped. */
export function parseSuperUsers(value: string | null | undefined): string[] {
  return (value ?? '').split(';').map((s) => s.trim()).filter((s) => s !== '');
}

/**
 * Kafka's AclAuthorizer (StandardAuthorizer decides the same way): super users may do anything;
 * otherwise the ACLs that apply to the resource (its LITERAL name, the LITERAL `*`, PREFIXED
 * patterns it starts with) are matched by principal (or `User:*`), host (or `*`) and operation (or
 * ALL). A matching DENY refuses; else a matching ALLOW, or an implying one, allows; a resource
 * with no ACL at all is allowed only with allow.everyone.if.no.acl.found.
 *
 * Denials asked to be logged go to the audit log at info, one line each, as Kafka's
 * kafka.authorizer.logger writes them; allowed actions with logIfAllowed at debug.
 */
export class AclAuthorizer implements Authorizer {
  readonly #acls: AclCache;
  readonly #superUsers: ReadonlySet<string>;
  readonly #allowEveryoneIfNoAclFound: boolean;
  readonly #auditLogger: Logger;

  constructor(options: AclAuthorizerOptions) {
    this.#acls = options.acls;
    this.#superUsers = new Set(options.superUsers);
    this.#allowEveryoneIfNoAclFound = options.allowEveryoneIfNoAclFound;
    this.#auditLogger = options.logger.child({ logger: 'kafka.authorizer.logger' });
  }

  authorize(session: Session, actions: readonly Action[]): boolean[] {
    const principal = principalToString(session.principal);
    const host = hostAddress(session.clientAddress);
    return actions.map((action) => {
      const allowed = this.#superUsers.has(principal) || this.#aclsAllow(principal, host, action);
      this.#audit(principal, host, action, allowed);
      return allowed;
    });
  }

  /**
   * Kafka's default Authorizer.authorizeByResourceType: allowed when the principal may act on a
   * resource nobody named (super users, allow.everyone.if.no.acl.found, `*`), or holds an ALLOW
   * on some pattern of the type that no DENY covers: a LITERAL DENY of the same name, or a
   * PREFIXED DENY on a prefix of it. A DENY on the LITERAL `*` refuses outright.
   */
  authorizeByResourceType(session: Session, operation: AclOperation, resourceType: ResourceType): boolean {
    if (operation === 'ANY' || operation === 'UNKNOWN') throw new Error(`Operation ${operation} is not a concrete operation`);
    if (resourceType === 'ANY' || resourceType === 'UNKNOWN') throw new Error(`Resource type ${resourceType} is not a concrete resource type`);
    const anyName = { operation, resourceType, resourceName: 'hardcode', logIfAllowed: true, logIfDenied: false };
    if (this.authorize(session, [anyName])[0] === true) return true;
    const principal = principalToString(session.principal);
    const host = hostAddress(session.clientAddress);
    const denied = { LITERAL: new Set<string>(), PREFIXED: new Set<string>() };
    const allowed = { LITERAL: new Set<string>(), PREFIXED: new Set<string>() };
    for (const { pattern, entry } of this.#acls.bindings(resourceType)) {
      if (!appliesTo(entry, principal, host) || (entry.operation !== operation && entry.operation !== 'ALL')) continue;
      if (pattern.patternType !== 'LITERAL' && pattern.patternType !== 'PREFIXED') continue;
      if (entry.permissionType === 'DENY') {
        if (pattern.patternType === 'LITERAL' && pattern.name === WILDCARD) return false;
        denied[pattern.patternType].add(pattern.name);
      } else if (entry.permissionType === 'ALLOW') {
        if (pattern.patternType === 'LITERAL' && pattern.name === WILDCARD) return true;
        allowed[pattern.patternType].add(pattern.name);
      }
    }
    const deniedByPrefix = (name: string): boolean => {
      for (let length = 1; length <= name.length; length++) if (denied.PREFIXED.has(name.slice(0, length))) return true;
      return false;
    };
    for (const name of allowed.LITERAL) if (!denied.LITERAL.has(name) && !deniedByPrefix(name)) return true;
    for (const name of allowed.PREFIXED) if (!deniedByPrefix(name)) return true;
    return false;
  }

  #aclsAllow(principal: string, host: string, action: Action): boolean {
    const lists = this.#acls.matching(action.resourceType, action.resourceName);
    if (lists.length === 0) return this.#allowEveryoneIfNoAclFound;
    const operation = action.operation;
    if (anyMatch(lists, 'DENY', principal, host, (op) => op === operation)) return false;
    const allowedBy = ALLOWED_BY[operation];
    return anyMatch(lists, 'ALLOW', principal, host, allowedBy === undefined ? (op) => op === operation : (op) => allowedBy.includes(op));
  }

  #audit(principal: string, host: string, action: Action, allowed: boolean): void {
    if (allowed ? action.logIfAllowed !== true : action.logIfDenied === false) return;
    const level = allowed ? 'debug' : 'info';
    if (!this.#auditLogger.isLevelEnabled(level)) return;
    const resource = `${pascalCase(action.resourceType)}:LITERAL:${action.resourceName}`;
    this.#auditLogger[level](
      { principal, operation: action.operation, resourceType: action.resourceType, resourceName: action.resourceName, host, allowed },
      `Principal = ${principal} is ${allowed ? 'Allowed' : 'Denied'} Operation = ${pascalCase(action.operation)} from host = ${host} on resource = ${resource}`,
    );
  }
}

function appliesTo(entry: AccessControlEntry, principal: string, host: string): boolean {
  return (entry.principal === principal || entry.principal === WILDCARD_PRINCIPAL) && (entry.host === host || entry.host === WILDCARD);
}

function anyMatch(
  lists: ReadonlyArray<readonly AccessControlEntry[]>, permissionType: PermissionType, principal: string, host: string, operation: (op: AclOperation) => boolean,
): boolean {
  for (const entries of lists) {
    for (const entry of entries) {
      if (entry.permissionType === permissionType && appliesTo(entry, principal, host) && (entry.operation === 'ALL' || operation(entry.operation))) return true;
    }
  }
  return false;
}

/** The address as Kafka's InetAddress.getHostAddress gives it: an IPv4 client on a dual-stack socket without its `::ffff:` prefix. */
export function hostAddress(clientAddress: string): string {
  return clientAddress.startsWith('::ffff:') && clientAddress.includes('.') ? clientAddress.slice(7) : clientAddress;
}

/** Kafka's SecurityUtils names (`TRANSACTIONAL_ID` is `TransactionalId`), as its logs and znodes spell them. */
export function pascalCase(name: string): string {
  return name.toLowerCase().split('_').map((word) => word.charAt(0).toUpperCase() + word.slice(1)).join('');
}
