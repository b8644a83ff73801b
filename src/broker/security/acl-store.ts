import { ErrorCode, KafkaError } from '../../protocol/errors.ts';
import { type AclCache, distinctEntries, entryKey } from './acl-cache.ts';
import { bindingFilterMatches, entryFilterMatches, patternFilterMatches, patternsNamedBy, type AclBindingFilter } from './acl-filter.ts';
import { CLUSTER_RESOURCE_NAME, type AccessControlEntry, type AclBinding, type ResourcePattern } from './acl-model.ts';

/** One pattern's ACLs before and after an update (the attempt that was written). */
export interface AclUpdate {
  readonly before: readonly AccessControlEntry[];
  readonly after: readonly AccessControlEntry[];
}

/**
 * Where ACLs live: ZooKeeper in a cluster (every broker follows the others' changes), a file in
 * the first log dir on a single node. The authorizer reads `cache`; CreateAcls and DeleteAcls
 * change one pattern at a time through `update`.
 */
export interface AclStore {
  /** Every ACL this broker knows, kept current by the store. */
  readonly cache: AclCache;
  /**
   * Replaces the pattern's ACLs with what `change` makes of the stored ones. `change` may be called
   * again with fresher ACLs when another broker wrote the pattern meanwhile, so it must only compute.
   * Once resolved, the change is stored and in `cache`.
   */
  update(pattern: ResourcePattern, change: (current: readonly AccessControlEntry[]) => readonly AccessControlEntry[]): Promise<AclUpdate>;
  close(): Promise<void>;
}

/** Why a binding cannot be created (INVALID_REQUEST with Kafka's message), or undefined when it can. */
export function invalidBindingReason(binding: AclBinding): string | undefined {
  const { pattern, entry } = binding;
  if (pattern.resourceType === 'UNKNOWN' || pattern.resourceType === 'ANY') return `Invalid resourceType ${pattern.resourceType}`;
  if (pattern.patternType !== 'LITERAL' && pattern.patternType !== 'PREFIXED') return `Invalid patternType ${pattern.patternType}`;
  if (entry.operation === 'UNKNOWN' || entry.operation === 'ANY') return `Invalid operation ${entry.operation}`;
  if (entry.permissionType !== 'ALLOW' && entry.permissionType !== 'DENY') return `Invalid permissionType ${entry.permissionType}`;
  if (pattern.resourceType === 'CLUSTER' && pattern.name !== CLUSTER_RESOURCE_NAME) return `The only valid name for the CLUSTER resource is ${CLUSTER_RESOURCE_NAME}`;
  if (pattern.name === '') return 'Invalid empty resource name';
  // A name is a znode's name in a cluster's ZooKeeper, so Kafka refuses a '/' everywhere.
  if (pattern.name.includes('/')) return `ACL binding contains invalid resource name: ${pattern.name}`;
  if (entry.principal.indexOf(':') <= 0) return `Could not parse principal: expected a string in format principalType:principalName but got ${entry.principal}`;
  return undefined;
}

function patternKey(pattern: ResourcePattern): string {
  return `${pattern.resourceType}\u0000${pattern.patternType}\u0000${pattern.name}`;
}

/**
 * CreateAcls: each binding's error, or null once stored. The valid bindings of one pattern are
 * written together; creating an ACL that exists succeeds and changes nothing, as in Kafka.
 */
export async function createAcls(store: AclStore, bindings: readonly AclBinding[]): Promise<Array<unknown | null>> {
  const results: Array<unknown | null> = bindings.map(() => null);
  const byPattern = new Map<string, { pattern: ResourcePattern; indexes: number[] }>();
  bindings.forEach((binding, i) => {
    const reason = invalidBindingReason(binding);
    if (reason !== undefined) {
      results[i] = new KafkaError(ErrorCode.INVALID_REQUEST, reason);
      return;
    }
    const key = patternKey(binding.pattern);
    let group = byPattern.get(key);
    if (group === undefined) byPattern.set(key, group = { pattern: binding.pattern, indexes: [] });
    group.indexes.push(i);
  });
  await Promise.all([...byPattern.values()].map(async ({ pattern, indexes }) => {
    try {
      await store.update(pattern, (current) => distinctEntries([...current, ...indexes.map((i) => bindings[i]!.entry)]));
    } catch (error) {
      for (const i of indexes) results[i] = error;
    }
  }));
  return results;
}

/** One filter's part of a DeleteAcls answer: the ACLs it removed, each with its own error (null when removed). */
export interface DeleteFilterResult {
  readonly deleted: ReadonlyArray<{ readonly binding: AclBinding; readonly error: unknown | null }>;
}

/**
 * DeleteAcls: every ACL some filter matches is removed, and reported under the first filter that
 * matches it. Patterns come from the cache and, for filters naming one pattern exactly, from the
 * store itself, so an ACL another broker just created is found even before its notification.
 */
export async function deleteAcls(store: AclStore, filters: readonly AclBindingFilter[]): Promise<DeleteFilterResult[]> {
  const results = filters.map(() => [] as Array<{ binding: AclBinding; error: unknown | null }>);
  const candidates = new Map<string, ResourcePattern>();
  for (const pattern of store.cache.patterns()) candidates.set(patternKey(pattern), pattern);
  for (const filter of filters) for (const pattern of patternsNamedBy(filter.pattern)) candidates.set(patternKey(pattern), pattern);
  await Promise.all([...candidates.values()].map(async (pattern) => {
    const matching = filters.map((filter, index) => ({ filter, index })).filter(({ filter }) => patternFilterMatches(filter.pattern, pattern));
    if (matching.length === 0) return;
    const firstFilterOf = (entry: AccessControlEntry): number | undefined => matching.find(({ filter }) => entryFilterMatches(filter.entry, entry))?.index;
    const report = (entries: readonly AccessControlEntry[], error: unknown | null): void => {
      for (const entry of entries) {
        const index = firstFilterOf(entry);
        if (index !== undefined) results[index]!.push({ binding: { pattern, entry }, error });
      }
    };
    try {
      const { before } = await store.update(pattern, (current) => current.filter((entry) => firstFilterOf(entry) === undefined));
      report(before, null);
    } catch (error) {
      report(store.cache.get(pattern), error);
    }
  }));
  return results.map((deleted) => ({ deleted }));
}

/** DescribeAcls: the ACLs the filter matches, grouped by pattern as the answer lists them. */
export function describeAcls(cache: AclCache, filter: AclBindingFilter): Array<{ pattern: ResourcePattern; entries: AccessControlEntry[] }> {
  const type = filter.pattern.resourceType === 'ANY' ? undefined : filter.pattern.resourceType;
  const byPattern = new Map<string, { pattern: ResourcePattern; entries: AccessControlEntry[] }>();
  for (const binding of cache.bindings(type)) {
    if (!bindingFilterMatches(filter, binding)) continue;
    const key = patternKey(binding.pattern);
    let group = byPattern.get(key);
    if (group === undefined) byPattern.set(key, group = { pattern: binding.pattern, entries: [] });
    group.entries.push(binding.entry);
  }
  return [...byPattern.values()];
}

/** Whether two entry lists hold the same ACLs, in any order. */
export function sameEntries(a: readonly AccessControlEntry[], b: readonly AccessControlEntry[]): boolean {
  if (a.length !== b.length) return false;
  const keys = new Set(a.map(entryKey));
  return b.every((entry) => keys.has(entryKey(entry)));
}
