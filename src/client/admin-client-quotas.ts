import { ErrorCode } from '../protocol/errors.ts';
import { Apis } from './apis.ts';
import type { Cluster } from './cluster.ts';
import { KafkaClientError, throwIfError } from './errors.ts';
import { retryCall } from './retry-call.ts';

/**
 * Kafka's ClientQuotaEntity: entity type ('user', 'client-id') to name, null for the type's
 * default (<default>).
 */
export type ClientQuotaEntity = Readonly<Record<string, string | null>>;

/** Kafka's ClientQuotaAlteration: each op sets a quota, or removes it with value null. */
export interface ClientQuotaAlteration {
  readonly entity: ClientQuotaEntity;
  readonly ops: ReadonlyArray<{ readonly key: string; readonly value: number | null }>;
}

/**
 * Kafka's ClientQuotaFilterComponent: `match` a name (ofEntity), null for the default entity
 * (ofDefaultEntity), or left out for any entity of the type (ofEntityType).
 */
export interface ClientQuotaFilterComponent {
  readonly entityType: string;
  readonly match?: string | null;
}

/** Kafka's ClientQuotaFilter: `strict` leaves out entities with types the components do not name. */
export interface ClientQuotaFilter {
  readonly components: readonly ClientQuotaFilterComponent[];
  readonly strict?: boolean;
}

/** One entity's quotas, as DescribeClientQuotas answers. */
export interface ClientQuotaDescription {
  readonly entity: ClientQuotaEntity;
  readonly quotas: Readonly<Record<string, number>>;
}

export interface ClientQuotaAlterationResult {
  readonly entity: ClientQuotaEntity;
  /** null when the entity's quotas were altered (or, validateOnly, would be). */
  readonly error: KafkaClientError | null;
}

const MATCH_TYPE_EXACT = 0;
const MATCH_TYPE_DEFAULT = 1;
const MATCH_TYPE_SPECIFIED = 2;

/** DescribeClientQuotas (KIP-546) to any broker: the quotas of every entity the filter matches. */
export async function describeClientQuotas(cluster: Cluster, filter: ClientQuotaFilter): Promise<ClientQuotaDescription[]> {
  const components = filter.components.map(({ entityType, match }) => {
    if (match === undefined) return { entityType, matchType: MATCH_TYPE_SPECIFIED, match: null };
    return { entityType, matchType: match === null ? MATCH_TYPE_DEFAULT : MATCH_TYPE_EXACT, match };
  });
  const response = await retryCall(cluster, () => cluster.send(undefined, 'admin', Apis.DescribeClientQuotas, { components, strict: filter.strict ?? false }));
  throwIfError(response.errorCode, 'DescribeClientQuotas', response.errorMessage);
  return (response.entries ?? []).map(({ entity, values }) => ({
    entity: Object.fromEntries(entity.map(({ entityType, entityName }) => [entityType, entityName])),
    quotas: Object.fromEntries(values.map(({ key, value }) => [key, value])),
  }));
}

/**
 * AlterClientQuotas (KIP-546) to any broker. Every entity gets an answer, in the order given; one
 * the broker left out fails rather than passing silently.
 */
export async function alterClientQuotas(
  cluster: Cluster, alterations: readonly ClientQuotaAlteration[], options: { validateOnly?: boolean } = {},
): Promise<ClientQuotaAlterationResult[]> {
  const entries = alterations.map(({ entity, ops }) => ({
    entity: Object.entries(entity).map(([entityType, entityName]) => ({ entityType, entityName })),
    ops: ops.map(({ key, value }) => ({ key, value: value ?? 0, remove: value === null })),
  }));
  const response = await retryCall(cluster, () => cluster.send(undefined, 'admin', Apis.AlterClientQuotas, { entries, validateOnly: options.validateOnly ?? false }));
  return alterations.map(({ entity }, index) => {
    const answer = response.entries[index];
    if (answer === undefined) {
      return { entity, error: new KafkaClientError(ErrorCode.UNKNOWN_SERVER_ERROR, 'AlterClientQuotas', 'the broker did not answer for this entity') };
    }
    const error = answer.errorCode === ErrorCode.NONE ? null : new KafkaClientError(answer.errorCode, 'AlterClientQuotas', answer.errorMessage);
    return { entity, error };
  });
}
