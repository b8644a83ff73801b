import { EventEmitter } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../logger.ts';
import { createSilentLogger } from '../logger.ts';
import { checkedEphemeralCreate, deleteEphemeralIfOwned, EphemeralOwnedByOtherError } from './zookeeper/checked-ephemeral.ts';
import {
  decodeBrokerRegistration, decodeClusterId, encodeBrokerRegistration, encodeClusterId, type BrokerRegistration,
} from './zookeeper/zk-data.ts';
import { PERSISTENT_PATHS, ZkPaths } from './zookeeper/zk-paths.ts';
import type { ZooKeeperClient } from './zookeeper/zookeeper-client.ts';
import { sessionIdHex } from './zookeeper/zookeeper-requests.ts';
import { NodeExistsError, NoNodeError, SessionExpiredError, ZooKeeperClientClosedError } from './zookeeper/zookeeper-errors.ts';

/**
 * A broker's place in ZooKeeper, as Kafka's KafkaServer.startup and KafkaZkClient set it up:
 * the persistent paths, the cluster id, and the ephemeral /brokers/ids/<id> whose presence is how
 * the controller knows the broker is alive. The registration's czxid is the broker epoch (KIP-380):
 * it changes with every registration, so a request from a broker's earlier life can be told apart.
 * The znode dies with the session; after an expiry the broker registers again with its new session.
 */

/** Kafka's makeSurePersistentPathsExists. */
export async function ensurePersistentPaths(client: ZooKeeperClient): Promise<void> {
  for (const path of PERSISTENT_PATHS) await client.ensurePath(path);
}

/**
 * Kafka's getOrGenerateClusterId: /cluster/id's id, or `proposedClusterId` written there by the
 * first broker to ask. A log dir whose meta.properties names another cluster is the caller's error.
 */
export async function getOrCreateClusterId(client: ZooKeeperClient, proposedClusterId: string): Promise<string> {
  try {
    return decodeClusterId((await client.getData(ZkPaths.clusterId)).data);
  } catch (error) {
    if (!(error instanceof NoNodeError)) throw error;
  }
  await client.ensurePath(ZkPaths.cluster);
  try {
    await client.create(ZkPaths.clusterId, encodeClusterId(proposedClusterId));
    return proposedClusterId;
  } catch (error) {
    if (!(error instanceof NodeExistsError)) throw error;
    return decodeClusterId((await client.getData(ZkPaths.clusterId)).data);
  }
}

/** The broker id is registered by another live broker: this one must not start. */
export class BrokerIdInUseError extends Error {
  readonly brokerId: number;

  constructor(brokerId: number, holder: string, options?: ErrorOptions) {
    super(`Broker id ${brokerId} is already registered by another live broker (${holder}); `
      + 'broker.id must be unique in the cluster', options);
    this.name = 'BrokerIdInUseError';
    this.brokerId = brokerId;
  }
}

export interface RegisterBrokerOptions {
  readonly client: ZooKeeperClient;
  readonly registration: Omit<BrokerRegistration, 'timestampMs'>;
  /** zookeeper.session.timeout.ms: how long a crashed earlier life of this broker may hold the id. */
  readonly sessionTimeoutMs: number;
  readonly now?: () => number;
  readonly logger?: Logger;
}

export interface RegisteredBrokerEvents {
  /** Registered again with a new session (after an expiry): the broker epoch changed. */
  registered: [brokerEpoch: bigint];
  /** Could not register again (the id was taken meanwhile): the broker should stop. */
  registrationFailed: [error: Error];
}

const RETRY_MS = 200;

/** Registers the broker (Kafka's registerBroker) and keeps it registered until close(). */
export async function registerBroker(options: RegisterBrokerOptions): Promise<RegisteredBroker> {
  const registered = new RegisteredBroker(options);
  await registered.register();
  return registered;
}

export class RegisteredBroker extends EventEmitter<RegisteredBrokerEvents> {
  readonly #options: RegisterBrokerOptions;
  readonly #logger: Logger;
  readonly #path: string;
  #brokerEpoch = -1n;
  #closed = false;
  /** Registrations run one at a time: a second expiry waits for the first re-registration. */
  #queue: Promise<void> = Promise.resolve();
  /** A new session re-registers a registered broker; the first registration retries by itself. */
  readonly #onSession = (): void => {
    if (this.#brokerEpoch >= 0n) this.#queue = this.#queue.then(() => this.#reregister());
  };

  constructor(options: RegisterBrokerOptions) {
    super();
    this.#options = options;
    this.#path = ZkPaths.brokerId(options.registration.brokerId);
    this.#logger = (options.logger ?? createSilentLogger()).child({ component: 'broker-registration', brokerId: options.registration.brokerId });
  }

  get brokerId(): number {
    return this.#options.registration.brokerId;
  }

  /** The czxid of the current registration znode (Kafka's broker epoch); -1 before registering. */
  get brokerEpoch(): bigint {
    return this.#brokerEpoch;
  }

  /**
   * @internal registerBroker's first registration; it also starts re-registering on new sessions.
   * A session that expires under it (a start that held the event loop longer than the session
   * timeout, as recovering a large log after a crash does) fails the create, and it is made again
   * on the new session the client opens: the broker starts rather than exits.
   */
  async register(): Promise<void> {
    this.#options.client.on('session', this.#onSession);
    try {
      for (;;) {
        try {
          await this.#create();
          return;
        } catch (error) {
          if (!(error instanceof SessionExpiredError)) throw error;
          this.#logger.warn('the ZooKeeper session expired while registering; registering with the new session');
        }
      }
    } catch (error) {
      this.#options.client.off('session', this.#onSession);
      throw error;
    }
  }

  /** Deregisters: the znode goes now rather than when the session ends (if ZooKeeper answers). Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#options.client.off('session', this.#onSession);
    // Not waiting for a re-registration in flight: ZooKeeper may be out of reach; #reregister cleans up.
    await this.#deregister();
  }

  /** The registration znode goes now, when it is this registration's, rather than with the session. */
  async #deregister(): Promise<void> {
    await deleteEphemeralIfOwned(this.#options.client, this.#path, (stat) => stat.czxid === this.#brokerEpoch, this.#options.sessionTimeoutMs);
  }

  async #create(): Promise<void> {
    const { client, registration, sessionTimeoutMs, now = Date.now } = this.#options;
    const data = encodeBrokerRegistration({ ...registration, timestampMs: now() });
    try {
      const stat = await checkedEphemeralCreate(client, this.#path, data, {
        isOwnPrevious: (existing) => this.#isOwnPrevious(existing),
        previousSessionWaitMs: sessionTimeoutMs + RETRY_MS * 5,
      });
      this.#brokerEpoch = stat.czxid;
    } catch (error) {
      if (!(error instanceof EphemeralOwnedByOtherError)) throw error;
      throw new BrokerIdInUseError(registration.brokerId, this.#describe(error), { cause: error });
    }
    this.#logger.info({ brokerEpoch: String(this.#brokerEpoch), endpoints: registration.endpoints }, `registered broker at ${this.#path}`);
  }

  /** After a session expiry: the old znode died with the old session. */
  async #reregister(): Promise<void> {
    while (!this.#closed) {
      try {
        await this.#create();
        if (this.#closed) {
          await this.#deregister();
          return;
        }
        this.emit('registered', this.#brokerEpoch);
        return;
      } catch (error) {
        if (this.#closed || error instanceof ZooKeeperClientClosedError) return;
        if (error instanceof BrokerIdInUseError) {
          this.#logger.error({ err: error }, 'could not register the broker again');
          this.emit('registrationFailed', error);
          return;
        }
        this.#logger.warn({ err: error }, 'registering the broker again failed; retrying');
        await sleep(RETRY_MS);
      }
    }
  }

  /**
   * The znode is this broker's own from before a restart when it advertises the same endpoints:
   * two live brokers cannot both listen on one host and port.
   */
  #isOwnPrevious(existing: Buffer): boolean {
    try {
      const previous = decodeBrokerRegistration(this.brokerId, existing);
      return sameEndpoints(previous, this.#options.registration);
    } catch {
      return false;
    }
  }

  #describe(error: EphemeralOwnedByOtherError): string {
    const session = `session ${sessionIdHex(error.ephemeralOwner)}`;
    try {
      const holder = decodeBrokerRegistration(this.brokerId, error.data);
      return `${holder.endpoints.map((e) => `${e.listenerName}://${e.host}:${e.port}`).join(',')}, ${session}`;
    } catch {
      return session;
    }
  }
}

function sameEndpoints(a: Pick<BrokerRegistration, 'endpoints'>, b: Pick<BrokerRegistration, 'endpoints'>): boolean {
  const key = (r: Pick<BrokerRegistration, 'endpoints'>): string =>
    r.endpoints.map((e) => `${e.listenerName}|${e.host}|${e.port}`).sort().join(',');
  return key(a) === key(b);
}
