import type { Admin } from '../client/index.ts';
import { UsageError, type CliIo } from './cli-io.ts';

/**
 * A users / clients entity as kafka-configs names it, and as Kafka's ClientQuotaEntity does: a part
 * that is undefined is not part of the entity, null is its default (--entity-default,
 * --user-defaults, --client-defaults).
 */
export interface UserClientEntity {
  readonly user?: string | null | undefined;
  readonly clientId?: string | null | undefined;
}

/** Kafka's QuotaConfig.isClientOrUserQuotaConfig: the client quota keys of users and client ids. */
export const CLIENT_QUOTA_CONFIG_KEYS: readonly string[] = ['producer_byte_rate', 'consumer_byte_rate', 'request_percentage', 'controller_mutation_rate'];

export function isClientQuotaConfig(key: string): boolean {
  return CLIENT_QUOTA_CONFIG_KEYS.includes(key);
}

/**
 * "Quota configs for user-principal 'alice' are producer_byte_rate=1024.0" lines, from
 * DescribeClientQuotas (matching `entity`; every entity of its types when a name is undefined).
 * Not served yet: prints nothing.
 */
export function describeQuotaConfigs(_admin: Admin, _entity: UserClientEntity, _io: CliIo): Promise<void> {
  return Promise.resolve();
}

/** Sets and removes client quotas of `entity` with AlterClientQuotas. Not served yet. */
export function alterQuotaConfigs(_admin: Admin, _entity: UserClientEntity, _set: ReadonlyArray<readonly [string, string]>, _remove: readonly string[]): Promise<void> {
  return Promise.reject(new UsageError(`client quota configs (${CLIENT_QUOTA_CONFIG_KEYS.join(', ')}) cannot be altered yet`));
}
