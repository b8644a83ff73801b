import type { Logger } from '../logger.ts';
import type { TopicConfigs } from './config-change-listener.ts';
import { EntityConfigCache } from './entity-config-cache.ts';
import type { EntityConfigListener, EntityConfigStore } from './entity-configs.ts';
import { alteredConfigs, entityPath, type EntityConfigs, type EntityName } from './entity-path.ts';
import { readEntityConfig, writeEntityConfig } from './zookeeper/entity-config.ts';
import type { ConfigEntityType } from './zookeeper/zk-paths.ts';
import type { ZooKeeperClient } from './zookeeper/zookeeper-client.ts';
import { NoNodeError, ZooKeeperClientClosedError } from './zookeeper/zookeeper-errors.ts';

/**
 * User and client entity configs as Kafka's ZooKeeper mode keeps them: /config/users/<user>,
 * /config/clients/<client-id> and /config/users/<user>/clients/<client-id> (names sanitized,
 * `<default>` for a default), each holding `{"version":1,"config":{...}}`. A writer changes the
 * znode, then adds a /config/changes notification naming the entity path, which every broker's
 * TopicConfigs follows and hands to this store (as Kafka's UserConfigHandler and
 * ClientIdConfigHandler). Every entity is read at start; Kafka's brokers watch nothing else here.
 */
export class ZooKeeperEntityConfigs implements EntityConfigStore {
  readonly #client: ZooKeeperClient;
  readonly #logger: Logger;
  readonly #cache = new EntityConfigCache();
  /** Reads run one at a time, so a later read of an entity is applied after an earlier one. */
  #reads: Promise<void> = Promise.resolve();
  /** This broker's alters run one at a time: each reads the entity, changes it and writes it back. */
  #alters: Promise<void> = Promise.resolve();
  #closed = false;

  static async start(client: ZooKeeperClient, changes: TopicConfigs, logger: Logger): Promise<ZooKeeperEntityConfigs> {
    const store = new ZooKeeperEntityConfigs(client, logger);
    // Following changes before the first reading: a change made meanwhile is then read again, not missed.
    changes.onEntityChange((entityType, entityName) => {
      if (store.#closed || (entityType !== 'users' && entityType !== 'clients')) return Promise.resolve();
      return store.#read(() => store.#reload(`${entityType}/${entityName}`));
    });
    await store.#read(() => store.#loadAll(), true);
    return store;
  }

  private constructor(client: ZooKeeperClient, logger: Logger) {
    this.#client = client;
    this.#logger = logger.child({ component: 'entity-configs' });
  }

  get(entity: EntityName): EntityConfigs {
    return this.#cache.get(entity);
  }

  all(): Iterable<readonly [EntityName, EntityConfigs]> {
    return this.#cache.all();
  }

  /** As Kafka's AdminZkClient.changeConfigs: the entity's znode is read, changed and written, then announced. */
  alter(entity: EntityName, set: EntityConfigs, remove: readonly string[]): Promise<void> {
    const path = entityPath(entity);
    const alter = this.#alters.then(async () => {
      const { type, name } = splitPath(path);
      const next = alteredConfigs(await readEntityConfig(this.#client, type, name), set, remove);
      // A user's client-id entity lives under the user's znode, which may not exist yet.
      if (entity.user !== undefined && entity.clientId !== undefined) await this.#client.ensurePath(`/config/${path.slice(0, path.lastIndexOf('/'))}`);
      await writeEntityConfig(this.#client, type, name, next);
      // This broker's answers show the change at once, not once its own notification comes back.
      this.#apply(path, next);
    });
    this.#alters = alter.catch(() => undefined);
    return alter;
  }

  onChange(listener: EntityConfigListener): void {
    this.#cache.onChange(listener);
  }

  close(): Promise<void> {
    this.#closed = true;
    return Promise.resolve();
  }

  /** Queues a read; failures are logged (a later notification or restart reads again), except the first load's. */
  #read(task: () => Promise<void>, rethrow = false): Promise<void> {
    const run = this.#reads.then(task);
    this.#reads = run.catch((error: unknown) => {
      if (!(error instanceof ZooKeeperClientClosedError)) this.#logger.warn({ err: error }, 'reading user and client configs failed');
    });
    return rethrow ? run : this.#reads;
  }

  async #loadAll(): Promise<void> {
    const users = await this.#children('/config/users');
    const userClients = await Promise.all(users.map(async (user) => (await this.#children(`/config/users/${user}/clients`)).map((client) => `users/${user}/clients/${client}`)));
    const clients = (await this.#children('/config/clients')).map((client) => `clients/${client}`);
    const paths = [...users.map((user) => `users/${user}`), ...userClients.flat(), ...clients];
    const read = await Promise.all(paths.map(async (path) => [path, await this.#readPath(path)] as const));
    for (const [path, configs] of read) this.#cache.apply(path, configs);
  }

  async #reload(path: string): Promise<void> {
    this.#apply(path, await this.#readPath(path));
  }

  #readPath(path: string): Promise<Record<string, string>> {
    const { type, name } = splitPath(path);
    return readEntityConfig(this.#client, type, name);
  }

  async #children(path: string): Promise<string[]> {
    try {
      return await this.#client.getChildren(path);
    } catch (error) {
      if (error instanceof NoNodeError) return [];
      throw error;
    }
  }

  #apply(path: string, configs: EntityConfigs): void {
    // Keys only: a user's values include SCRAM credentials, which are never logged.
    if (this.#cache.apply(path, configs)) this.#logger.info({ entity: path, keys: Object.keys(configs) }, 'user and client configs changed');
  }
}

function splitPath(path: string): { type: ConfigEntityType; name: string } {
  const slash = path.indexOf('/');
  return { type: path.slice(0, slash) as ConfigEntityType, name: path.slice(slash + 1) };
}
