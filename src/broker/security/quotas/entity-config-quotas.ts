import { DEFAULT_ENTITY_NAME, type EntityConfigStore, type EntityName } from '../../cluster/entity-configs.ts';
import { QUOTA_KEYS, normalized, type ClientQuotaConfigSource, type ClientQuotaEntity, type QuotaValues } from './client-quota-entity.ts';

/**
 * Client quotas kept as user and client-id entity configs (ZooKeeper's /config/users and
 * /config/clients, or the single node's entity file), beside the SCRAM credentials those entities
 * also hold. Values are stored as Kafka stores them, as decimal strings.
 */
export function entityConfigQuotas(store: EntityConfigStore): ClientQuotaConfigSource {
  return {
    *quotaEntities() {
      for (const [name, configs] of store.all()) {
        const values = quotaValuesOf(configs);
        if (Object.keys(values).length > 0) yield [quotaEntityOf(name), values] as const;
      }
    },
    quotasOf: (entity) => quotaValuesOf(store.get(entityNameOf(entity))),
    alterQuotas: (entity, set, remove) => {
      const stored: Record<string, string> = {};
      for (const [key, value] of Object.entries(set)) stored[key] = String(value);
      return store.alter(entityNameOf(entity), stored, remove);
    },
    onQuotasChanged: (listener) => store.onChange((name) => listener(quotaEntityOf(name))),
  };
}

/** The quota keys among an entity's configs, as numbers (what is not a number is not a quota). */
function quotaValuesOf(configs: Readonly<Record<string, string>>): QuotaValues {
  const values: Record<string, number> = {};
  for (const [key, text] of Object.entries(configs)) {
    if (!QUOTA_KEYS.has(key)) continue;
    const value = Number(text);
    if (Number.isFinite(value)) values[key] = value;
  }
  return values;
}

export function quotaEntityOf(name: EntityName): ClientQuotaEntity {
  const part = (value: string | undefined) => (value === undefined ? undefined : value === DEFAULT_ENTITY_NAME ? null : value);
  return normalized({ user: part(name.user), clientId: part(name.clientId) });
}

export function entityNameOf(entity: ClientQuotaEntity): EntityName {
  const part = (value: string | null | undefined) => (value === undefined ? undefined : value === null ? DEFAULT_ENTITY_NAME : value);
  const name: { user?: string; clientId?: string } = {};
  const user = part(entity.user);
  const clientId = part(entity.clientId);
  if (user !== undefined) name.user = user;
  if (clientId !== undefined) name.clientId = clientId;
  return name;
}
