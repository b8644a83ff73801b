import { EventEmitter } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../logger.ts';
import { createSilentLogger } from '../logger.ts';
import { decodeBrokerRegistration, type BrokerRegistration } from './zookeeper/zk-data.ts';
import { ZkPaths } from './zookeeper/zk-paths.ts';
import type { Znode, ZooKeeperClient, ZooKeeperWatch } from './zookeeper/zookeeper-client.ts';
import { NoNodeError, SessionExpiredError, ZooKeeperClientClosedError } from './zookeeper/zookeeper-errors.ts';

/**
 * The brokers registered under /brokers/ids, kept current by a children watch: what Kafka's
 * controller learns from its BrokerChange events. A broker whose znode was re-created (a new
 * session, so a new broker epoch) under the same id is "bounced": it restarted, or lost its session,
 * and its state on other brokers is stale, as Kafka's controller treats it.
 */
export interface LiveBroker {
  readonly registration: BrokerRegistration;
  /** The registration znode's czxid. */
  readonly brokerEpoch: bigint;
}

export interface BrokerChange {
  readonly added: readonly LiveBroker[];
  readonly removed: readonly number[];
  readonly bounced: readonly LiveBroker[];
}

export interface LiveBrokersEvents {
  change: [change: BrokerChange];
}

const READ_RETRY_MS = 100;

export class LiveBrokers extends EventEmitter<LiveBrokersEvents> {
  readonly #client: ZooKeeperClient;
  readonly #logger: Logger;
  #brokers = new Map<number, LiveBroker>();
  #watch: ZooKeeperWatch | undefined;
  /** Reads run one at a time, each over the newest children list. */
  #queue: Promise<void> = Promise.resolve();
  #closed = false;

  /** Reads the live brokers and keeps reading them; the first reading is there when this returns. */
  static async watch(client: ZooKeeperClient, logger?: Logger): Promise<LiveBrokers> {
    const view = new LiveBrokers(client, logger);
    let first: Promise<void> | undefined;
    view.#watch = await client.watchChildren(ZkPaths.brokerIds, (children) => {
      view.#queue = view.#queue.then(() => view.#refresh(children ?? []));
      first ??= view.#queue;
    });
    await first;
    return view;
  }

  private constructor(client: ZooKeeperClient, logger: Logger | undefined) {
    super();
    this.#client = client;
    this.#logger = (logger ?? createSilentLogger()).child({ component: 'live-brokers' });
  }

  get brokers(): ReadonlyMap<number, LiveBroker> {
    return this.#brokers;
  }

  get brokerIds(): number[] {
    return [...this.#brokers.keys()].sort((a, b) => a - b);
  }

  close(): void {
    this.#closed = true;
    this.#watch?.cancel();
  }

  async #refresh(children: readonly string[]): Promise<void> {
    if (this.#closed) return;
    const next = new Map<number, LiveBroker>();
    for (const child of children) {
      if (!/^\d+$/.test(child)) continue;
      const brokerId = Number(child);
      const broker = await this.#read(brokerId);
      if (broker !== undefined) next.set(brokerId, broker);
    }
    if (this.#closed) return;
    const previous = this.#brokers;
    const added = [...next.values()].filter((b) => !previous.has(b.registration.brokerId));
    const removed = [...previous.keys()].filter((id) => !next.has(id));
    const bounced = [...next.values()].filter((b) => {
      const before = previous.get(b.registration.brokerId);
      return before !== undefined && before.brokerEpoch !== b.brokerEpoch;
    });
    this.#brokers = next;
    if (added.length + removed.length + bounced.length === 0) return;
    this.#logger.info({ added: added.map((b) => b.registration.brokerId), removed, bounced: bounced.map((b) => b.registration.brokerId) }, 'live brokers changed');
    this.emit('change', { added, removed, bounced });
  }

  /**
   * One broker's registration; undefined when it is gone. A read lost with the connection is read
   * again (requests wait for the connection to come back): the children watch, already set by this
   * refresh, need not fire again, so a registration re-created under the same id (a new broker
   * epoch) would otherwise stay unseen. One lost with the session is left to the watch, which the
   * new session re-arms and which reads every broker again.
   */
  async #read(brokerId: number): Promise<LiveBroker | undefined> {
    for (;;) {
      let node: Znode;
      try {
        node = await this.#client.getData(ZkPaths.brokerId(brokerId));
      } catch (error) {
        if (error instanceof NoNodeError || error instanceof ZooKeeperClientClosedError || this.#closed) return undefined;
        if (error instanceof SessionExpiredError) return this.#brokers.get(brokerId);
        this.#logger.warn({ err: error, brokerId }, 'could not read a broker registration; reading it again');
        await sleep(READ_RETRY_MS);
        continue;
      }
      try {
        return { registration: decodeBrokerRegistration(brokerId, node.data), brokerEpoch: node.stat.czxid };
      } catch (error) {
        this.#logger.warn({ err: error, brokerId }, 'unreadable broker registration: the broker is left as it was');
        return this.#brokers.get(brokerId);
      }
    }
  }
}
