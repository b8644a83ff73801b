import {
  AclOperationCode, PermissionTypeCode, ResourceTypeCode,
  type AccessControlEntry, type AclOperation, type PatternType, type PermissionType, type ResourcePattern, type ResourceType,
} from '../../security/acl-model.ts';
import { pascalCase as kafkaName } from '../../security/acl-authorizer.ts';
import { ZkDataError, arrayOf, field, int, json, object, string } from './zk-json.ts';

/**
 * ACLs in ZooKeeper as Kafka 3.x's AclAuthorizer keeps them (kafka.zk.ZkAclStore, ResourceZNode,
 * ZkAclChangeStore), so kafka-acls.sh with --authorizer-properties zookeeper.connect=... reads and
 * writes the same znodes:
 * - LITERAL patterns: /kafka-acl/<ResourceType>/<name>, PREFIXED: /kafka-acl-extended/prefixed/<ResourceType>/<name>,
 *   the type in Kafka's PascalCase (Topic, Group, Cluster, TransactionalId, DelegationToken, User);
 *   data {"version":1,"acls":[{"principal":"User:alice","permissionType":"Allow","operation":"Read","host":"*"}]}.
 *   A pattern without ACLs has no znode. Writes are conditional on the znode's version.
 * - After each change a persistent sequential znode announces the pattern: /kafka-acl-changes/acl_changes_<n>
 *   holding `TOPIC:<name>` for a LITERAL one, /kafka-acl-extended-changes/acl_changes_<n> holding
 *   {"version":1,"resourceType":"TOPIC","name":"<name>","patternType":"PREFIXED"} for the others.
 */
export const AclZkPaths = Object.freeze({
  literal: '/kafka-acl',
  extended: '/kafka-acl-extended',
  prefixed: '/kafka-acl-extended/prefixed',
  literalChanges: '/kafka-acl-changes',
  extendedChanges: '/kafka-acl-extended-changes',
  changePrefix: 'acl_changes_',
});

/** What a broker creates at start (Kafka's createAclPaths). */
export const ACL_PERSISTENT_PATHS: readonly string[] = Object.freeze([
  AclZkPaths.literal, AclZkPaths.prefixed, AclZkPaths.literalChanges, AclZkPaths.extendedChanges,
]);

/** The stores by pattern type, each with the root of its patterns and of its change notifications. */
export const ACL_STORES: ReadonlyArray<{ readonly patternType: 'LITERAL' | 'PREFIXED'; readonly root: string; readonly changes: string }> = Object.freeze([
  { patternType: 'LITERAL', root: AclZkPaths.literal, changes: AclZkPaths.literalChanges },
  { patternType: 'PREFIXED', root: AclZkPaths.prefixed, changes: AclZkPaths.extendedChanges },
]);


/** A name as Kafka's SecurityUtils reads it: PascalCase or upper case; undefined when not one of `table`'s. */
function fromKafkaName<T extends string>(table: Readonly<Record<T, number>>, text: string): T | undefined {
  const upper = text.replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase();
  return Object.hasOwn(table, upper) && (text === upper || text === kafkaName(upper)) ? upper as T : undefined;
}

/** The concrete resource type a znode under an ACL root names, or undefined (Kafka logs and skips those). */
export function resourceTypeOfZnode(name: string): ResourceType | undefined {
  const type = fromKafkaName(ResourceTypeCode, name);
  return type === 'ANY' || type === 'UNKNOWN' ? undefined : type;
}

function rootOf(patternType: PatternType): string {
  if (patternType === 'LITERAL') return AclZkPaths.literal;
  if (patternType === 'PREFIXED') return AclZkPaths.prefixed;
  throw new Error(`no ACL znodes for pattern type ${patternType}`);
}

export function aclTypePath(patternType: PatternType, resourceType: ResourceType): string {
  return `${rootOf(patternType)}/${kafkaName(resourceType)}`;
}

export function aclResourcePath(pattern: ResourcePattern): string {
  return `${aclTypePath(pattern.patternType, pattern.resourceType)}/${pattern.name}`;
}

/** Where the change notification for a pattern goes (create it persistent-sequential). */
export function aclChangePathPrefix(pattern: ResourcePattern): string {
  return `${pattern.patternType === 'LITERAL' ? AclZkPaths.literalChanges : AclZkPaths.extendedChanges}/${AclZkPaths.changePrefix}`;
}

export function encodeAcls(entries: readonly AccessControlEntry[]): Buffer {
  return Buffer.from(JSON.stringify({
    version: 1,
    acls: entries.map((e) => ({ principal: e.principal, permissionType: kafkaName(e.permissionType), operation: kafkaName(e.operation), host: e.host })),
  }));
}

export function decodeAcls(bytes: Buffer, what = 'ACL znode'): AccessControlEntry[] {
  if (bytes.length === 0) return [];
  const node = object(json(bytes, what), what);
  const version = int(field(node, 'version', what), `${what} version`);
  if (version !== 1) throw new ZkDataError(`${what}: unsupported version ${version}`);
  return arrayOf(field(node, 'acls', what), `${what} acls`, (item) => {
    const acl = object(item, `${what} acl`);
    const operation = fromKafkaName(AclOperationCode, string(field(acl, 'operation', what), 'operation'));
    const permissionType = fromKafkaName(PermissionTypeCode, string(field(acl, 'permissionType', what), 'permissionType'));
    if (operation === undefined || operation === 'ANY' || operation === 'UNKNOWN') throw new ZkDataError(`${what}: bad operation ${JSON.stringify(acl['operation'])}`);
    if (permissionType !== 'ALLOW' && permissionType !== 'DENY') throw new ZkDataError(`${what}: bad permissionType ${JSON.stringify(acl['permissionType'])}`);
    const principal = string(field(acl, 'principal', what), 'principal');
    if (principal.indexOf(':') <= 0) throw new ZkDataError(`${what}: principal ${JSON.stringify(principal)} is not Type:name`);
    return { principal, host: string(field(acl, 'host', what), 'host'), operation: operation satisfies AclOperation, permissionType: permissionType satisfies PermissionType };
  });
}

export function encodeAclChange(pattern: ResourcePattern): Buffer {
  if (pattern.patternType === 'LITERAL') return Buffer.from(`${pattern.resourceType}:${pattern.name}`);
  return Buffer.from(JSON.stringify({ version: 1, resourceType: pattern.resourceType, name: pattern.name, patternType: pattern.patternType }));
}

/** The pattern a change notification names; `extended` for those under /kafka-acl-extended-changes. */
export function decodeAclChange(bytes: Buffer, extended: boolean): ResourcePattern {
  const what = 'ACL change notification';
  if (!extended) {
    const text = bytes.toString('utf8');
    const colon = text.indexOf(':');
    const resourceType = colon < 0 ? undefined : resourceTypeOfZnode(text.slice(0, colon));
    if (resourceType === undefined) throw new ZkDataError(`${what}: expected ResourceType:ResourceName, got ${JSON.stringify(text.slice(0, 200))}`);
    return { resourceType, name: text.slice(colon + 1), patternType: 'LITERAL' };
  }
  const node = object(json(bytes, what), what);
  const version = int(field(node, 'version', what), `${what} version`);
  if (version > 1) throw new ZkDataError(`${what}: unsupported version ${version}`);
  const resourceType = resourceTypeOfZnode(string(field(node, 'resourceType', what), 'resourceType'));
  const patternType = string(field(node, 'patternType', what), 'patternType').toUpperCase();
  if (resourceType === undefined || (patternType !== 'LITERAL' && patternType !== 'PREFIXED')) {
    throw new ZkDataError(`${what}: not a resource pattern: ${bytes.toString('utf8').slice(0, 200)}`);
  }
  return { resourceType, name: string(field(node, 'name', what), 'name'), patternType };
}
