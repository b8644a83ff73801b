import type { Logger } from '../logger.ts';
import { decodeConfigChangeNotification, decodeEntityConfig } from './zookeeper/zk-data.ts';
import { NotificationFollower } from './zookeeper/notification-follower.ts';
import { ZkPaths } from './zookeeper/zk-paths.ts';
import type { ZooKeeperClient, ZooKeeperWatch } from './zookeeper/zookeeper-client.ts';
import { NoNodeError, ZooKeeperClientClosedError } from './zookeeper/zookeeper-errors.ts';

/** Told a topic's overrides changed (the replica manager re-applies its partitions' settings). */
export type TopicConfigChangeListener = (topic: string, configs: Readonly<Record<string, string>>) => void;

/** Told an entity's overrides changed; it reads them itself. */
export type EntityConfigChangeListener = (entityType: string, entityName: string) => Promise<void>;

/**
 * Every topic's config overrides as ZooKeeper holds them in /config/topics/<topic>, kept current
 * the way Kafka's brokers do (ZkNodeChangeNotificationListener with the ConfigChangeNotification
 * handler): a writer changes /config/topics/<topic>, then adds a sequential
 * /config/changes/config_change_<n> naming `topics/<topic>`; every broker watches /config/changes and
 * re-reads the entity of each notification newer than the last it handled. New topics' configs are
 * read as /config/topics gains children (AdminZkClient writes them without a notification), and on
 * demand by `load` for a topic whose partitions arrive before that read.
 */
export class TopicConfigs {
  readonly #client: ZooKeeperClient;
  readonly #logger: Logger;
  readonly #configs = new Map<string, Readonly<Record<string, string>>>();
  readonly #listeners: TopicConfigChangeListener[] = [];
  readonly #entityListeners: EntityConfigChangeListener[] = [];
  #watch: ZooKeeperWatch | undefined;
  #notifications: NotificationFollower | undefined;
  /** Notification and topic reads run one at a time, in the order the watches fired. */
  #queue: Promise<void> = Promise.resolve();

  /** Reads every topic's overrides and starts following changes; the first reading is done on return. */
  static async start(client: ZooKeeperClient, logger: Logger, now: () => number): Promise<TopicConfigs> {
    const configs = new TopicConfigs(client, logger);
    // Notifications first: a change made while the topics are read is then read again, not missed.
    configs.#notifications = await NotificationFollower.start({
      client, path: ZkPaths.configChanges, logger: configs.#logger, now,
      handle: (data, name) => configs.#onNotification(data, name),
      schedule: (round) => configs.#enqueue(round),
    });
    configs.#watch = await client.watchChildren(ZkPaths.configTopics, (children) => {
      configs.#enqueue(() => configs.#onTopics(children ?? []));
    });
    await configs.#queue;
    return configs;
  }

  private constructor(client: ZooKeeperClient, logger: Logger) {
    this.#client = client;
    this.#logger = logger.child({ component: 'config-change-listener' });
  }

  /** The topic's overrides as last read; none when not read (yet). */
  get(topic: string): Readonly<Record<string, string>> {
    return this.#configs.get(topic) ?? {};
  }

  /** The topic's overrides as last read; undefined when never read. */
  cached(topic: string): Readonly<Record<string, string>> | undefined {
    return this.#configs.get(topic);
  }

  /** The topic's overrides, read from ZooKeeper when not known yet. */
  async load(topic: string): Promise<Readonly<Record<string, string>>> {
    const known = this.#configs.get(topic);
    if (known !== undefined) return known;
    await this.#read(topic, false);
    return this.get(topic);
  }

  /**
   * The topic's overrides as ZooKeeper holds them now, whatever this broker has heard: what
   * DescribeConfigs answers, as Kafka's reads /config/topics, so a change made through another
   * broker shows at once (its notification may not have reached this one yet).
   */
  async current(topic: string): Promise<Readonly<Record<string, string>>> {
    await this.#read(topic, false);
    return this.get(topic);
  }

  /** What this broker itself just wrote: its own answers show it without waiting for the notification. */
  set(topic: string, configs: Readonly<Record<string, string>>): void {
    this.#configs.set(topic, Object.freeze({ ...configs }));
  }

  onChange(listener: TopicConfigChangeListener): void {
    this.#listeners.push(listener);
  }

  /**
   * Told of every notification naming an entity other than a topic (brokers/<id>, brokers/<default>,
   * users/<user>, clients/<client-id>, and users/<user>/clients/<client-id> with the name `<user>/clients/<client-id>`).
   */
  onEntityChange(listener: EntityConfigChangeListener): void {
    this.#entityListeners.push(listener);
  }

  close(): void {
    this.#notifications?.close();
    this.#watch?.cancel();
  }

  #enqueue(task: () => Promise<void>): void {
    this.#queue = this.#queue.then(task).catch((error: unknown) => {
      if (!(error instanceof ZooKeeperClientClosedError)) this.#logger.warn({ err: error }, 'reading topic configs failed');
    });
  }

  async #onTopics(children: readonly string[]): Promise<void> {
    const present = new Set(children);
    for (const topic of [...this.#configs.keys()]) if (!present.has(topic)) this.#configs.delete(topic);
    for (const topic of children) if (!this.#configs.has(topic)) await this.#read(topic, false);
  }

  /** A notification names the changed entity: `topics/<topic>`, `brokers/<id>`, `users/<user>/clients/<client-id>`, ... */
  async #onNotification(data: Buffer, name: string): Promise<void> {
    let entityPath: string;
    try {
      entityPath = decodeConfigChangeNotification(data);
    } catch (error) {
      this.#logger.warn({ err: error, notification: name }, 'unreadable config change notification skipped');
      return;
    }
    // The name is the rest of the path: `users/<user>/clients/<client-id>` names a user's client id.
    const slash = entityPath.indexOf('/');
    const [entityType, entityName] = [entityPath.slice(0, slash), entityPath.slice(slash + 1)];
    if (slash <= 0 || entityName === '') this.#logger.warn({ notification: name, entityPath }, 'config change notification without an entity skipped');
    else if (entityType === 'topics') await this.#read(entityName, true);
    else for (const listener of this.#entityListeners) await listener(entityType, entityName);
  }

  async #read(topic: string, notify: boolean): Promise<void> {
    let configs: Record<string, string>;
    try {
      configs = decodeEntityConfig((await this.#client.getData(ZkPaths.configEntity('topics', topic))).data);
    } catch (error) {
      if (!(error instanceof NoNodeError)) throw error;
      this.#configs.delete(topic);
      return;
    }
    this.set(topic, configs);
    if (!notify) return;
    this.#logger.info({ topic, configs }, 'topic configs changed');
    for (const listener of this.#listeners) listener(topic, this.get(topic));
  }
}
