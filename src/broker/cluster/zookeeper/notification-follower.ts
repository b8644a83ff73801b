import type { Logger } from '../../logger.ts';
import { sequenceNumberOf } from './zk-paths.ts';
import type { ZooKeeperClient, ZooKeeperWatch } from './zookeeper-client.ts';
import { NoNodeError, ZooKeeperClientClosedError } from './zookeeper-errors.ts';

/** As Kafka's ZkNodeChangeNotificationListener: notifications older than this are deleted by whoever sees them. */
const NOTIFICATION_EXPIRATION_MS = 15 * 60 * 1000;

export interface NotificationFollowerOptions {
  readonly client: ZooKeeperClient;
  /** The parent znode whose persistent-sequential children are the notifications, e.g. /config/changes. */
  readonly path: string;
  readonly logger: Logger;
  readonly now: () => number;
  /**
   * Handles one notification's data. A throw ends the round before the notification counts as
   * handled, so the next change of the children hands it over again.
   */
  readonly handle: (data: Buffer, name: string) => Promise<void>;
  /**
   * Runs a round in the owner's order, one at a time with the owner's other reads and writes; the
   * owner logs a round's failure.
   */
  readonly schedule: (round: () => Promise<void>) => void;
}

/**
 * Kafka's ZkNodeChangeNotificationListener: a writer changes some znode, then adds a sequential
 * notification under `path` naming it; every broker watches `path`'s children and hands each
 * notification newer than the last it handled to `handle`, in sequence order, then deletes the
 * expired ones. Notifications present at start count as handled: the owner reads the current state
 * after start returns, which a change made meanwhile announces again.
 */
export class NotificationFollower {
  readonly #options: NotificationFollowerOptions;
  #watch: ZooKeeperWatch | undefined;
  /** The sequence number of the last notification handled; undefined until the first listing. */
  #lastHandled: number | undefined;
  #closed = false;

  /** Follows `options.path`; the notifications already there are taken as handled on return. */
  static async start(options: NotificationFollowerOptions): Promise<NotificationFollower> {
    const follower = new NotificationFollower(options);
    follower.#watch = await options.client.watchChildren(options.path, (children) => {
      if (follower.#lastHandled === undefined) {
        follower.#lastHandled = Math.max(-1, ...(children ?? []).map(sequenceNumberOf));
        return;
      }
      options.schedule(() => follower.#onNotifications(children ?? []));
    });
    return follower;
  }

  private constructor(options: NotificationFollowerOptions) {
    this.#options = options;
  }

  close(): void {
    this.#closed = true;
    this.#watch?.cancel();
  }

  async #onNotifications(children: readonly string[]): Promise<void> {
    const fresh = children.map((name) => ({ name, sequence: sequenceNumberOf(name) }))
      .filter(({ sequence }) => sequence > this.#lastHandled!)
      .sort((a, b) => a.sequence - b.sequence);
    for (const { name, sequence } of fresh) {
      if (this.#closed) return;
      const data = await this.#read(name);
      if (data !== undefined) await this.#options.handle(data, name);
      this.#lastHandled = sequence;
    }
    await this.#purgeExpired(children);
  }

  /** The notification's data; undefined when it is gone (purged meanwhile) or unreadable (logged). */
  async #read(name: string): Promise<Buffer | undefined> {
    try {
      return (await this.#options.client.getData(`${this.#options.path}/${name}`)).data;
    } catch (error) {
      if (error instanceof ZooKeeperClientClosedError) throw error;
      if (!(error instanceof NoNodeError)) this.#options.logger.warn({ err: error, notification: name }, 'unreadable change notification skipped');
      return undefined;
    }
  }

  /**
   * Every broker has long read a notification older than the expiry: whichever broker sees it
   * first deletes it, as Kafka's do. Sequence order is age order, so the first young one ends the search.
   */
  async #purgeExpired(children: readonly string[]): Promise<void> {
    const oldestFirst = [...children].sort((a, b) => sequenceNumberOf(a) - sequenceNumberOf(b));
    for (const name of oldestFirst) {
      const path = `${this.#options.path}/${name}`;
      const stat = await this.#options.client.exists(path);
      if (stat !== null && this.#options.now() - stat.ctimeMs <= NOTIFICATION_EXPIRATION_MS) return;
      try {
        await this.#options.client.delete(path);
      } catch (error) {
        if (!(error instanceof NoNodeError)) throw error;
      }
    }
  }
}
