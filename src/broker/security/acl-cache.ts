import type { AccessControlEntry, AclBinding, PatternType, ResourcePattern, ResourceType } from './acl-model.ts';
import { WILDCARD } from './acl-model.ts';

/** One resource type's ACLs, by pattern name: LITERAL and PREFIXED patterns apart. */
interface TypeIndex {
  readonly literal: Map<string, readonly AccessControlEntry[]>;
  readonly prefixed: Map<string, readonly AccessControlEntry[]>;
  /** The lengths of the PREFIXED names, longest first: a lookup tries only these prefixes of a name. */
  prefixLengths: readonly number[];
}

/** Two entries are the same ACL when these four match (Kafka's AccessControlEntry equality). */
export function entryKey(entry: AccessControlEntry): string {
  return `${entry.principal}\u0000${entry.host}\u0000${entry.operation}\u0000${entry.permissionType}`;
}

/** The entries without repeats, in first-seen order. */
export function distinctEntries(entries: Iterable<AccessControlEntry>): AccessControlEntry[] {
  const byKey = new Map<string, AccessControlEntry>();
  for (const entry of entries) if (!byKey.has(entryKey(entry))) byKey.set(entryKey(entry), Object.freeze({ ...entry }));
  return [...byKey.values()];
}

/**
 * Every ACL a broker knows, indexed as Kafka's AclAuthorizer keeps its aclCache: by resource type,
 * then pattern type and name. A decision looks up the resource's own LITERAL name, the LITERAL
 * wildcard `*`, and the PREFIXED names that are prefixes of the resource's name (only at the
 * lengths some PREFIXED pattern has), never scanning the ACLs. An ACL store owns the cache and is
 * the only writer; each resource's entry list is replaced whole, never changed in place, so a
 * list a decision holds stays as it was.
 */
export class AclCache {
  readonly #types = new Map<ResourceType, TypeIndex>();
  #size = 0;

  /** How many ACLs (entries over all patterns). */
  get size(): number {
    return this.#size;
  }

  /** The pattern's ACLs (none when it has none). */
  get(pattern: ResourcePattern): readonly AccessControlEntry[] {
    return this.#patterns(pattern.resourceType, pattern.patternType)?.get(pattern.name) ?? [];
  }

  /** Replaces the pattern's ACLs; an empty list removes the pattern. */
  set(pattern: ResourcePattern, entries: readonly AccessControlEntry[]): void {
    let index = this.#types.get(pattern.resourceType);
    if (index === undefined) {
      index = { literal: new Map(), prefixed: new Map(), prefixLengths: [] };
      this.#types.set(pattern.resourceType, index);
    }
    const patterns = pattern.patternType === 'PREFIXED' ? index.prefixed : index.literal;
    this.#size -= patterns.get(pattern.name)?.length ?? 0;
    if (entries.length === 0) patterns.delete(pattern.name);
    else patterns.set(pattern.name, Object.freeze(distinctEntries(entries)));
    this.#size += patterns.get(pattern.name)?.length ?? 0;
    if (pattern.patternType === 'PREFIXED') {
      index.prefixLengths = [...new Set([...index.prefixed.keys()].map((name) => name.length))].sort((a, b) => b - a);
    }
  }

  /**
   * The entry lists that apply to the LITERAL resource `name` of the type: its own, the wildcard's,
   * and those of every PREFIXED pattern it starts with. Empty when no ACL applies.
   */
  matching(resourceType: ResourceType, name: string): Array<readonly AccessControlEntry[]> {
    const index = this.#types.get(resourceType);
    if (index === undefined) return [];
    const lists: Array<readonly AccessControlEntry[]> = [];
    const literal = index.literal.get(name);
    if (literal !== undefined) lists.push(literal);
    if (name !== WILDCARD) {
      const wildcard = index.literal.get(WILDCARD);
      if (wildcard !== undefined) lists.push(wildcard);
    }
    for (const length of index.prefixLengths) {
      if (length > name.length) continue;
      const prefixed = index.prefixed.get(length === name.length ? name : name.slice(0, length));
      if (prefixed !== undefined) lists.push(prefixed);
    }
    return lists;
  }

  /** Every pattern with ACLs, of one type or all. */
  *patterns(resourceType?: ResourceType): Generator<ResourcePattern> {
    const types = resourceType === undefined ? [...this.#types.keys()] : [resourceType];
    for (const type of types) {
      const index = this.#types.get(type);
      if (index === undefined) continue;
      for (const [patternType, patterns] of [['LITERAL', index.literal], ['PREFIXED', index.prefixed]] as const) {
        for (const name of patterns.keys()) yield { resourceType: type, name, patternType };
      }
    }
  }

  /** Every ACL, of one type or all, as bindings. */
  *bindings(resourceType?: ResourceType): Generator<AclBinding> {
    for (const pattern of this.patterns(resourceType)) {
      for (const entry of this.get(pattern)) yield { pattern, entry };
    }
  }

  #patterns(resourceType: ResourceType, patternType: PatternType): Map<string, readonly AccessControlEntry[]> | undefined {
    const index = this.#types.get(resourceType);
    return patternType === 'PREFIXED' ? index?.prefixed : index?.literal;
  }
}
