import { ErrorCode, KafkaError } from '../../../protocol/errors.ts';
import {
  CLIENT_ID_ENTITY, QUOTA_KEYS, QuotaKey, USER_ENTITY, type ClientQuotaEntity, type QuotaValues,
} from './client-quota-entity.ts';

/** Kafka's ClientQuotaEntity.IP: connection_creation_rate by address, which Samsa does not keep. */
const IP_ENTITY = 'ip';

/** DescribeClientQuotas match types (DescribeClientQuotasRequest.MATCH_TYPE_*). */
export const MatchType = Object.freeze({ EXACT: 0, DEFAULT: 1, SPECIFIED: 2 } as const);

/** Quotas stored as whole numbers (LONG in Kafka's QuotaConfig); the others are DOUBLE. */
const INTEGRAL_KEYS: ReadonlySet<string> = new Set([QuotaKey.PRODUCER_BYTE_RATE, QuotaKey.CONSUMER_BYTE_RATE]);

/**
 * The entity an AlterClientQuotas entry names (ClientQuotaControlManager.validateEntity and
 * configKeysForEntityType): user and/or client-id, each at most once, names not empty (null is
 * the default). Throws INVALID_REQUEST otherwise; ip entities are refused, as Samsa keeps no
 * per-address quotas.
 */
export function parseEntity(components: ReadonlyArray<{ entityType: string; entityName: string | null }>): ClientQuotaEntity {
  if (components.length === 0) throw invalid('Invalid empty client quota entity');
  const entity: { user?: string | null; clientId?: string | null } = {};
  const seen = new Set<string>();
  for (const { entityType, entityName } of components) {
    if (seen.has(entityType)) throw invalid(`Invalid client quota entity, duplicate entity entry ${entityType}`);
    seen.add(entityType);
    if (entityType !== USER_ENTITY && entityType !== CLIENT_ID_ENTITY && entityType !== IP_ENTITY) {
      throw invalid(`Unhandled client quota entity type: ${entityType}`);
    }
    if (entityName === '') throw invalid(`Empty ${entityType} not supported`);
    if (entityType === USER_ENTITY) entity.user = entityName;
    if (entityType === CLIENT_ID_ENTITY) entity.clientId = entityName;
  }
  if (seen.has(IP_ENTITY)) {
    if (seen.size > 1) throw invalid('Invalid quota entity combination, IP entity should not be combined with User or ClientId');
    throw invalid('IP quotas (connection_creation_rate) are not supported by this broker');
  }
  return entity;
}

/**
 * The changes of one AlterClientQuotas entry (ClientQuotaControlManager.validateQuotaKeyValue):
 * known keys only, each once, values above 0, byte rates whole numbers.
 */
export function parseOps(ops: ReadonlyArray<{ key: string; value: number; remove: boolean }>): { set: QuotaValues; remove: string[] } {
  const set: Record<string, number> = {};
  const remove: string[] = [];
  const seen = new Set<string>();
  for (const { key, value, remove: isRemove } of ops) {
    if (seen.has(key)) throw invalid(`Duplicate quota key ${key}`);
    seen.add(key);
    if (!QUOTA_KEYS.has(key)) throw invalid(`Invalid configuration key ${key}`);
    if (isRemove) {
      remove.push(key);
      continue;
    }
    if (!(value > 0)) throw invalid(`Quota ${key} must be greater than 0`);
    if (INTEGRAL_KEYS.has(key)) {
      if (!Number.isInteger(value)) throw invalid(`${key} must be an integer`);
      if (value > Number.MAX_SAFE_INTEGER) throw invalid(`Proposed value for ${key} is too large for a LONG.`);
    }
    set[key] = value;
  }
  return { set, remove };
}

/** One DescribeClientQuotas filter component, as the request has it. */
export interface FilterComponent {
  readonly entityType: string;
  readonly matchType: number;
  readonly match: string | null;
}

/** A parsed filter: per entity type, undefined when not filtered; the name wanted (EXACT), null (DEFAULT), or 'any' (SPECIFIED). */
interface Filter {
  readonly user?: string | null | typeof ANY;
  readonly clientId?: string | null | typeof ANY;
  readonly ip: boolean;
  readonly strict: boolean;
}

const ANY = Symbol('any');

/**
 * DescribeClientQuotas' filter (ZkAdminManager.describeClientQuotas): each entity type once, a
 * known match type; an unknown entity type is UNSUPPORTED_VERSION, an ip component with user or
 * client-id INVALID_REQUEST.
 */
export function parseFilter(components: readonly FilterComponent[], strict: boolean): Filter {
  const filter: { user?: string | null | typeof ANY; clientId?: string | null | typeof ANY; ip: boolean; strict: boolean } = { ip: false, strict };
  const seen = new Set<string>();
  for (const { entityType, matchType, match } of components) {
    if (entityType === '') throw invalid('Unexpected empty filter component entity type');
    if (seen.has(entityType)) throw invalid(`Duplicate ${entityType} filter component entity type`);
    seen.add(entityType);
    let wanted: string | null | typeof ANY;
    if (matchType === MatchType.EXACT) {
      if (match === null) throw invalid(`Missing match for an EXACT ${entityType} filter component`);
      wanted = match;
    } else if (matchType === MatchType.DEFAULT) {
      wanted = null;
    } else if (matchType === MatchType.SPECIFIED) {
      wanted = ANY;
    } else {
      throw invalid(`Unexpected match type: ${matchType}`);
    }
    if (entityType === USER_ENTITY) filter.user = wanted;
    else if (entityType === CLIENT_ID_ENTITY) filter.clientId = wanted;
    else if (entityType === IP_ENTITY) filter.ip = true;
    else throw new KafkaError(ErrorCode.UNSUPPORTED_VERSION, `Custom entity type '${entityType}' not supported`);
  }
  if (filter.ip && (seen.has(USER_ENTITY) || seen.has(CLIENT_ID_ENTITY))) {
    throw invalid('Invalid entity filter component combination, IP filter component should not be used with user or clientId filter component.');
  }
  return filter;
}

/**
 * Whether an entity passes the filter: each filtered type is present and matches; with `strict`,
 * the entity has no other types (ZkAdminManager's matches).
 */
export function matchesFilter(filter: Filter, entity: ClientQuotaEntity): boolean {
  if (filter.ip) return false;
  return componentMatches(filter.user, entity.user, filter.strict) && componentMatches(filter.clientId, entity.clientId, filter.strict);
}

function componentMatches(wanted: string | null | typeof ANY | undefined, name: string | null | undefined, strict: boolean): boolean {
  if (wanted === undefined) return name === undefined || !strict;
  if (name === undefined) return false;
  return wanted === ANY || wanted === name;
}

/** The entity as the wire names it, user first. */
export function entityComponents(entity: ClientQuotaEntity): Array<{ entityType: string; entityName: string | null }> {
  const components: Array<{ entityType: string; entityName: string | null }> = [];
  if (entity.user !== undefined) components.push({ entityType: USER_ENTITY, entityName: entity.user });
  if (entity.clientId !== undefined) components.push({ entityType: CLIENT_ID_ENTITY, entityName: entity.clientId });
  return components;
}

function invalid(message: string): KafkaError {
  return new KafkaError(ErrorCode.INVALID_REQUEST, message);
}
