import type { Logger } from '../logger.ts';
import type { TopicConfigs } from './config-change-listener.ts';
import type { ZooKeeperClient } from './zookeeper/zookeeper-client.ts';
import type { EntityConfigs, EntityName } from './entity-path.ts';
import { LocalEntityConfigs } from './local-entity-configs.ts';
import { ZooKeeperEntityConfigs } from './zookeeper-entity-configs.ts';

export { DEFAULT_ENTITY_NAME, entityOfPath, entityPath, type EntityConfigs, type EntityName } from './entity-path.ts';

/** Told after an entity's configs changed, here or (in a cluster) on another broker; `configs` is {} when removed. */
export type EntityConfigListener = (entity: EntityName, configs: EntityConfigs) => void;

/**
 * The dynamic configs of Kafka's `users` and `clients` entities, which SCRAM credentials
 * (SCRAM-SHA-256 / SCRAM-SHA-512 keys of a user) and client quotas (producer_byte_rate, ...) share.
 * Reads are from memory: every entity is loaded at start and kept current. The store does not
 * check keys or values: each user of it (SCRAM credentials, quotas) validates its own.
 */
export interface EntityConfigStore {
  /** The entity's configs; {} when it has none. */
  get(entity: EntityName): EntityConfigs;
  /** Every entity with at least one config. */
  all(): Iterable<readonly [EntityName, EntityConfigs]>;
  /**
   * Sets `set`'s keys and removes `remove`'s from the entity's configs (read fresh from the
   * store, so another broker's change to other keys is kept), as one write. Resolved once the
   * change is durable; this broker's get() shows it then.
   */
  alter(entity: EntityName, set: EntityConfigs, remove: readonly string[]): Promise<void>;
  onChange(listener: EntityConfigListener): void;
  close(): Promise<void>;
}

/**
 * The entity store of a broker: ZooKeeper's /config/users and /config/clients in a cluster
 * (`zooKeeper`, whose `configChanges` follows /config/changes), else `samsa-entity-configs.json`
 * in `logDir` (the first log dir). Every entity is loaded when this resolves.
 */
export async function openEntityConfigStore(options: {
  zooKeeper?: { readonly client: ZooKeeperClient; readonly configChanges: TopicConfigs } | undefined;
  logDir: string;
  logger: Logger;
}): Promise<EntityConfigStore> {
  if (options.zooKeeper !== undefined) {
    return ZooKeeperEntityConfigs.start(options.zooKeeper.client, options.zooKeeper.configChanges, options.logger);
  }
  return LocalEntityConfigs.open(options.logDir);
}

