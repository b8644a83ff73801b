import { ErrorCode, KafkaError } from '../../protocol/errors.ts';
import type { Logger } from '../logger.ts';
import type { TopicConfigs } from './config-change-listener.ts';
import { readEntityConfig, writeEntityConfig } from './zookeeper/entity-config.ts';
import type { ZooKeeperClient } from './zookeeper/zookeeper-client.ts';
import { dynamicListenerSslKey } from '../security/dynamic-listener-ssl.ts';

/** Kafka's ConfigEntityName.Default: the cluster-wide default of a dynamic broker config. */
export const DEFAULT_BROKER_ENTITY = '<default>';

/**
 * The broker configs Samsa changes at run time (KIP-226's dynamic broker configs), with how each
 * value is checked. Kafka's are many; these are the ones replication reads while it runs.
 */
export const DYNAMIC_BROKER_CONFIGS: Readonly<Record<string, (value: string) => boolean>> = Object.freeze({
  'leader.replication.throttled.rate': isNonNegativeLong,
  'follower.replication.throttled.rate': isNonNegativeLong,
  'replica.alter.log.dirs.io.max.bytes.per.second': isNonNegativeLong,
});

function isNonNegativeLong(value: string): boolean {
  return /^\d{1,19}$/.test(value.trim()) && BigInt(value.trim()) <= 0x7fffffffffffffffn;
}

/**
 * Dynamic broker configs in a cluster, kept as Kafka's ZooKeeper mode keeps them: a broker's own
 * overrides in /config/brokers/<id>, the cluster-wide defaults in /config/brokers/<default>, each
 * change announced by a /config/changes notification that every broker follows. A broker's own
 * value wins over the default, which wins over server.properties.
 */
export class DynamicBrokerConfigs {
  readonly #client: ZooKeeperClient;
  readonly #brokerId: string;
  readonly #logger: Logger;
  readonly #listeners: Array<() => void> = [];
  #defaults: Readonly<Record<string, string>> = {};
  #own: Readonly<Record<string, string>> = {};

  static async start(client: ZooKeeperClient, brokerId: number, changes: TopicConfigs, logger: Logger): Promise<DynamicBrokerConfigs> {
    const configs = new DynamicBrokerConfigs(client, brokerId, logger);
    changes.onEntityChange((type, name) => (type === 'brokers' ? configs.#reload(name) : Promise.resolve()));
    await configs.#reload(DEFAULT_BROKER_ENTITY);
    await configs.#reload(configs.#brokerId);
    return configs;
  }

  private constructor(client: ZooKeeperClient, brokerId: number, logger: Logger) {
    this.#client = client;
    this.#brokerId = String(brokerId);
    this.#logger = logger.child({ component: 'dynamic-broker-configs' });
  }

  /** The value in force: this broker's override, else the cluster default; undefined when neither is set. */
  value(name: string): string | undefined {
    return this.#own[name] ?? this.#defaults[name];
  }

  /** Every config name set for this broker or as the cluster default. */
  names(): string[] {
    return [...new Set([...Object.keys(this.#defaults), ...Object.keys(this.#own)])];
  }

  /**
   * Checks a listener's new TLS settings before they are written (a keystore that does not load is
   * INVALID_CONFIG, as Kafka's reconfiguration validation); set by the broker that owns the listeners.
   */
  validateListenerSsl: ((configs: Readonly<Record<string, string>>) => void) | undefined;

  /** The overrides of an entity: this broker (its id) or the cluster default (''). */
  overrides(entity: string): Readonly<Record<string, string>> {
    return entity === '' ? this.#defaults : entity === this.#brokerId ? this.#own : {};
  }

  onChange(listener: () => void): void {
    this.#listeners.push(listener);
  }

  /**
   * Replaces the overrides of a broker (`entity` its id) or of the cluster default (''): a key that
   * is not dynamic is INVALID_REQUEST, a bad value INVALID_CONFIG, and nothing is written then.
   */
  async alter(entity: string, configs: Readonly<Record<string, string>>, validateOnly: boolean): Promise<void> {
    const notDynamic = Object.keys(configs).filter((name) => DYNAMIC_BROKER_CONFIGS[name] === undefined && dynamicListenerSslKey(name) === undefined);
    if (notDynamic.length > 0) throw new KafkaError(ErrorCode.INVALID_REQUEST, `Cannot update these configs dynamically: ${notDynamic.join(', ')}`);
    if (Object.keys(configs).some((name) => dynamicListenerSslKey(name) !== undefined)) this.validateListenerSsl?.(configs);
    for (const [name, value] of Object.entries(configs)) {
      if (dynamicListenerSslKey(name) !== undefined) continue;
      if (!DYNAMIC_BROKER_CONFIGS[name]!(value)) throw new KafkaError(ErrorCode.INVALID_CONFIG, `Invalid value ${value} for configuration ${name}: Value must be a non-negative long`);
    }
    if (validateOnly) return;
    const name = entity === '' ? DEFAULT_BROKER_ENTITY : entity;
    await writeEntityConfig(this.#client, 'brokers', name, configs);
    // This broker's answers show the change at once, not once its own notification comes back.
    this.#apply(name, configs);
  }

  async #reload(name: string): Promise<void> {
    if (name !== DEFAULT_BROKER_ENTITY && name !== this.#brokerId) return;
    this.#apply(name, await readEntityConfig(this.#client, 'brokers', name));
  }

  #apply(name: string, configs: Readonly<Record<string, string>>): void {
    const frozen = Object.freeze({ ...configs });
    if (name === DEFAULT_BROKER_ENTITY) this.#defaults = frozen;
    else this.#own = frozen;
    // Names only: a listener's key password or inline key is a secret.
    this.#logger.info({ entity: name, configs: Object.keys(frozen) }, 'dynamic broker configs');
    for (const listener of this.#listeners) listener();
  }
}
