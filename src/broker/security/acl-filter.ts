import type { AccessControlEntry, AclBinding, AclOperation, PatternType, PermissionType, ResourcePattern, ResourceType } from './acl-model.ts';
import { WILDCARD } from './acl-model.ts';

/**
 * Which resource patterns a DescribeAcls or DeleteAcls filter selects (Kafka's ResourcePatternFilter):
 * resource type ANY matches every type; a null name every name; pattern type ANY every pattern
 * with exactly this name, MATCH every pattern that would apply to the LITERAL resource named
 * (its own, the wildcard `*`, and the PREFIXED patterns it starts with).
 */
export interface ResourcePatternFilter {
  readonly resourceType: ResourceType;
  readonly name: string | null;
  readonly patternType: PatternType;
}

/** Which entries a filter selects (Kafka's AccessControlEntryFilter): null and ANY match everything. */
export interface AccessControlEntryFilter {
  readonly principal: string | null;
  readonly host: string | null;
  readonly operation: AclOperation;
  readonly permissionType: PermissionType;
}

/** Kafka's AclBindingFilter. */
export interface AclBindingFilter {
  readonly pattern: ResourcePatternFilter;
  readonly entry: AccessControlEntryFilter;
}

export function patternFilterMatches(filter: ResourcePatternFilter, pattern: ResourcePattern): boolean {
  if (filter.resourceType !== 'ANY' && filter.resourceType !== pattern.resourceType) return false;
  if (filter.patternType !== 'ANY' && filter.patternType !== 'MATCH' && filter.patternType !== pattern.patternType) return false;
  if (filter.name === null) return true;
  if (filter.patternType === 'ANY' || filter.patternType === pattern.patternType) return filter.name === pattern.name;
  // MATCH: the patterns that apply to a resource of this name.
  return pattern.patternType === 'PREFIXED'
    ? filter.name.startsWith(pattern.name)
    : filter.name === pattern.name || pattern.name === WILDCARD;
}

export function entryFilterMatches(filter: AccessControlEntryFilter, entry: AccessControlEntry): boolean {
  return (filter.principal === null || filter.principal === entry.principal)
    && (filter.host === null || filter.host === entry.host)
    && (filter.operation === 'ANY' || filter.operation === entry.operation)
    && (filter.permissionType === 'ANY' || filter.permissionType === entry.permissionType);
}

export function bindingFilterMatches(filter: AclBindingFilter, binding: AclBinding): boolean {
  return patternFilterMatches(filter.pattern, binding.pattern) && entryFilterMatches(filter.entry, binding.entry);
}

/**
 * The patterns a filter names exactly, whether or not ACLs are known for them (Kafka's
 * filterToResources for a filter that matchesAtMostOne, with ANY standing for both LITERAL and
 * PREFIXED): a delete reads these from the store even when this broker has not seen them yet.
 */
export function patternsNamedBy(filter: ResourcePatternFilter): ResourcePattern[] {
  const { resourceType, name, patternType } = filter;
  if (name === null || resourceType === 'ANY' || resourceType === 'UNKNOWN') return [];
  if (patternType === 'LITERAL' || patternType === 'PREFIXED') return [{ resourceType, name, patternType }];
  if (patternType === 'ANY') return [{ resourceType, name, patternType: 'LITERAL' }, { resourceType, name, patternType: 'PREFIXED' }];
  return [];
}

/** A filter that selects every ACL. */
export const MATCH_ALL_FILTER: AclBindingFilter = Object.freeze({
  pattern: Object.freeze({ resourceType: 'ANY', name: null, patternType: 'ANY' }),
  entry: Object.freeze({ principal: null, host: null, operation: 'ANY', permissionType: 'ANY' }),
});
