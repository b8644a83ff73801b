import type { Admin, ClientQuotaEntity, ClientQuotaFilterComponent } from '../client/index.ts';
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

const USER = 'user';
const CLIENT_ID = 'client-id';

/**
 * "Quota configs for user-principal 'alice' are producer_byte_rate=1024.0" lines, from
 * DescribeClientQuotas, as kafka-configs prints them: the named or default entity of the types
 * given, strictly (a user's quotas, not its client ids'); with neither part given, every entity.
 */
export async function describeQuotaConfigs(admin: Admin, entity: UserClientEntity, io: CliIo): Promise<void> {
  const components: ClientQuotaFilterComponent[] = [];
  if (entity.user !== undefined) components.push({ entityType: USER, match: entity.user });
  if (entity.clientId !== undefined) components.push({ entityType: CLIENT_ID, match: entity.clientId });
  const described = await admin.describeClientQuotas({ components, strict: components.length > 0 });
  let out = '';
  for (const { entity: quotaEntity, quotas } of described) {
    const values = Object.entries(quotas).map(([key, value]) => `${key}=${javaDouble(value)}`).join(', ');
    out += `Quota configs for ${entityDescription(quotaEntity)} are ${values}\n`;
  }
  io.stdout(out);
}

/** Sets and removes client quotas of `entity` with AlterClientQuotas (values as numbers, as ConfigCommand's toDouble). */
export async function alterQuotaConfigs(admin: Admin, entity: UserClientEntity, set: ReadonlyArray<readonly [string, string]>, remove: readonly string[]): Promise<void> {
  const wire: Record<string, string | null> = {};
  if (entity.user !== undefined) wire[USER] = entity.user;
  if (entity.clientId !== undefined) wire[CLIENT_ID] = entity.clientId;
  if (Object.keys(wire).length === 0) throw new UsageError('an entity name or --entity-default is needed to alter quotas');
  const ops: Array<{ key: string; value: number | null }> = [];
  for (const [key, text] of set) {
    const value = Number(text);
    if (text.trim() === '' || !Number.isFinite(value)) throw new UsageError(`${key}: "${text}" is not a number`);
    ops.push({ key, value });
  }
  for (const key of remove) ops.push({ key, value: null });
  const [result] = await admin.alterClientQuotas([{ entity: wire, ops }]);
  if (result?.error !== null && result?.error !== undefined) throw result.error;
}

/** ConfigCommand's wording: "user-principal 'alice', client-id 'app'", "the default client-id". */
function entityDescription(entity: ClientQuotaEntity): string {
  const parts: string[] = [];
  for (const [type, label] of [[USER, 'user-principal'], [CLIENT_ID, 'client-id'], ['ip', 'ip']] as const) {
    if (!Object.hasOwn(entity, type)) continue;
    const name = entity[type];
    parts.push(name === null || name === undefined ? `the default ${label}` : `${label} '${name}'`);
  }
  return parts.join(', ');
}

/** Java's Double.toString for the values kafka-configs prints: 1024.0, 0.5. */
function javaDouble(value: number): string {
  return Number.isInteger(value) ? `${value}.0` : String(value);
}
