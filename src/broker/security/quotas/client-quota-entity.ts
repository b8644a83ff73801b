/**
 * Client quota entities as Kafka names them: a user, a client id, or both, where either may be the
 * default (<default>, a null name on the wire). Kafka stores them as /config/users/<user>,
 * /config/clients/<client-id> and /config/users/<user>/clients/<client-id>.
 */

/** The quota keys a user or client entity takes (QuotaConfig's user and client quota names). */
export const QuotaKey = Object.freeze({
  PRODUCER_BYTE_RATE: 'producer_byte_rate',
  CONSUMER_BYTE_RATE: 'consumer_byte_rate',
  REQUEST_PERCENTAGE: 'request_percentage',
  CONTROLLER_MUTATION_RATE: 'controller_mutation_rate',
} as const);
export type QuotaKey = (typeof QuotaKey)[keyof typeof QuotaKey];
export const QUOTA_KEYS: ReadonlySet<string> = new Set(Object.values(QuotaKey));

/** Entity types on the wire (ClientQuotaEntity.USER, CLIENT_ID). */
export const USER_ENTITY = 'user';
export const CLIENT_ID_ENTITY = 'client-id';

/**
 * One quota entity. A component left out (undefined) is not part of the entity; `null` is the
 * default of its type (<default>); a string names one user or client id.
 */
export interface ClientQuotaEntity {
  readonly user?: string | null;
  readonly clientId?: string | null;
}

/** The quota values an entity has set, by key (producer_byte_rate etc.). */
export type QuotaValues = Readonly<Record<string, number>>;

/**
 * Where quota configs live (the users and clients entity configs in ZooKeeper or the local
 * metadata). The quota managers read every entity once and then follow changes.
 */
export interface ClientQuotaConfigSource {
  /** Every entity with at least one quota set. */
  quotaEntities(): Iterable<readonly [ClientQuotaEntity, QuotaValues]>;
  /** The quotas an entity has set ({} when none). */
  quotasOf(entity: ClientQuotaEntity): QuotaValues;
  /** Sets and removes an entity's quotas together; listeners hear of it once written. */
  alterQuotas(entity: ClientQuotaEntity, set: QuotaValues, remove: readonly string[]): Promise<void>;
  /** Called with each entity whose quotas changed, on this broker and (in a cluster) on others. */
  onQuotasChanged(listener: (entity: ClientQuotaEntity) => void): void;
}

/** A map key for an entity: which components it has, and their names. */
export function entityKey(entity: ClientQuotaEntity): string {
  return `${componentKey(entity.user)}/${componentKey(entity.clientId)}`;
}

function componentKey(name: string | null | undefined): string {
  if (name === undefined) return '-';
  if (name === null) return '*';
  return `=${name}`;
}

/** Kafka's rendering, for logs and errors: "user alice client-id app", "default user". */
export function entityToString(entity: ClientQuotaEntity): string {
  const parts: string[] = [];
  if (entity.user !== undefined) parts.push(entity.user === null ? 'default user' : `user ${entity.user}`);
  if (entity.clientId !== undefined) parts.push(entity.clientId === null ? 'default client-id' : `client-id ${entity.clientId}`);
  return parts.join(' ');
}

/**
 * The entities a request's quota is looked up in, most specific first (ClientQuotaManager's
 * precedence), for a principal's user name and a client id:
 * /config/users/<user>/clients/<client-id>, /config/users/<user>/clients/<default>, /config/users/<user>,
 * /config/users/<default>/clients/<client-id>, /config/users/<default>/clients/<default>,
 * /config/users/<default>, /config/clients/<client-id>, /config/clients/<default>.
 */
export function entitiesByPrecedence(user: string, clientId: string): ClientQuotaEntity[] {
  return [
    { user, clientId },
    { user, clientId: null },
    { user },
    { user: null, clientId },
    { user: null, clientId: null },
    { user: null },
    { clientId },
    { clientId: null },
  ];
}

/**
 * A ClientQuotaConfigSource held in memory: what a broker uses when no metadata store keeps
 * entity configs, and what unit tests use.
 */
export class InMemoryClientQuotaConfigs implements ClientQuotaConfigSource {
  readonly #entities = new Map<string, { entity: ClientQuotaEntity; values: Record<string, number> }>();
  readonly #listeners: Array<(entity: ClientQuotaEntity) => void> = [];

  *quotaEntities(): Iterable<readonly [ClientQuotaEntity, QuotaValues]> {
    for (const { entity, values } of this.#entities.values()) yield [entity, values];
  }

  quotasOf(entity: ClientQuotaEntity): QuotaValues {
    return this.#entities.get(entityKey(entity))?.values ?? {};
  }

  alterQuotas(entity: ClientQuotaEntity, set: QuotaValues, remove: readonly string[]): Promise<void> {
    const key = entityKey(entity);
    const values = { ...this.#entities.get(key)?.values, ...set };
    for (const name of remove) delete values[name];
    if (Object.keys(values).length === 0) this.#entities.delete(key);
    else this.#entities.set(key, { entity: normalized(entity), values });
    for (const listener of this.#listeners) listener(entity);
    return Promise.resolve();
  }

  onQuotasChanged(listener: (entity: ClientQuotaEntity) => void): void {
    this.#listeners.push(listener);
  }
}

/** The entity with only its present components (no `user: undefined` keys). */
export function normalized(entity: ClientQuotaEntity): ClientQuotaEntity {
  const result: { user?: string | null; clientId?: string | null } = {};
  if (entity.user !== undefined) result.user = entity.user;
  if (entity.clientId !== undefined) result.clientId = entity.clientId;
  return result;
}
