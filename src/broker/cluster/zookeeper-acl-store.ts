import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../logger.ts';
import { AclCache, distinctEntries } from '../security/acl-cache.ts';
import type { AccessControlEntry, ResourcePattern } from '../security/acl-model.ts';
import { sameEntries, type AclStore, type AclUpdate } from '../security/acl-store.ts';
import {
  ACL_PERSISTENT_PATHS, ACL_STORES, aclChangePathPrefix, aclResourcePath, decodeAclChange, decodeAcls, encodeAclChange, encodeAcls,
  resourceTypeOfZnode,
} from './zookeeper/acl-znodes.ts';
import { NotificationFollower } from './zookeeper/notification-follower.ts';
import type { ZooKeeperClient } from './zookeeper/zookeeper-client.ts';
import { BadVersionError, NodeExistsError, NoNodeError, ZooKeeperClientClosedError } from './zookeeper/zookeeper-errors.ts';

/** Kafka's AclAuthorizer: how often an update re-reads a pattern another broker wrote meanwhile. */
const MAX_UPDATE_RETRIES = 10;
const RETRY_BACKOFF_MS = 100;
const RETRY_BACKOFF_JITTER_MS = 50;

/** A pattern's ACLs as read, with the znode version a conditional write must name (-1: no znode). */
interface VersionedAcls {
  readonly entries: readonly AccessControlEntry[];
  readonly version: number;
}

/**
 * A cluster's ACLs, in ZooKeeper in Kafka's layout (acl-znodes.ts), as Kafka 3.x's AclAuthorizer
 * keeps them: every broker reads them all at start and then follows the change notifications,
 * re-reading each pattern announced; a write is conditional on the znode version it read, retried
 * on a conflict, so two brokers adding ACLs to one pattern at once both land. Updates and
 * notifications are handled one at a time, in order.
 */
export class ZooKeeperAclStore implements AclStore {
  readonly cache = new AclCache();
  readonly #client: ZooKeeperClient;
  readonly #logger: Logger;
  readonly #versions = new Map<string, number>();
  readonly #followers: NotificationFollower[] = [];
  #queue: Promise<unknown> = Promise.resolve();

  /** Creates Kafka's ACL paths, follows the notifications, and reads every ACL; ready on return. */
  static async start(client: ZooKeeperClient, logger: Logger, now: () => number = Date.now): Promise<ZooKeeperAclStore> {
    const store = new ZooKeeperAclStore(client, logger);
    for (const path of ACL_PERSISTENT_PATHS) await client.ensurePath(path);
    // Notifications first, as Kafka: a change made while the ACLs are read is read again, not missed.
    for (const { changes } of ACL_STORES) {
      const extended = changes !== ACL_STORES[0]!.changes;
      store.#followers.push(await NotificationFollower.start({
        client, path: changes, logger: store.#logger, now,
        handle: (data, name) => store.#onNotification(data, name, extended),
        schedule: (round) => void store.#serially(round).catch((error: unknown) => {
          if (!(error instanceof ZooKeeperClientClosedError)) store.#logger.warn({ err: error }, 'following ACL changes failed');
        }),
      }));
    }
    await store.#serially(() => store.#loadAll());
    return store;
  }

  private constructor(client: ZooKeeperClient, logger: Logger) {
    this.#client = client;
    this.#logger = logger.child({ component: 'acl-store' });
  }

  update(pattern: ResourcePattern, change: (current: readonly AccessControlEntry[]) => readonly AccessControlEntry[]): Promise<AclUpdate> {
    return this.#serially(() => this.#update(pattern, change));
  }

  async close(): Promise<void> {
    for (const follower of this.#followers) follower.close();
    await this.#queue.catch(() => undefined);
  }

  #serially<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(task, task);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async #update(pattern: ResourcePattern, change: (current: readonly AccessControlEntry[]) => readonly AccessControlEntry[]): Promise<AclUpdate> {
    const path = aclResourcePath(pattern);
    const key = path;
    const knownVersion = this.#versions.get(key);
    let current: VersionedAcls = knownVersion === undefined ? await this.#read(pattern) : { entries: this.cache.get(pattern), version: knownVersion };
    for (let attempt = 0; ; attempt++) {
      const after = distinctEntries(change(current.entries));
      try {
        const version = await this.#write(path, current, after);
        this.#apply(pattern, { entries: after, version });
        if (!sameEntries(current.entries, after)) {
          this.#logger.info({ resource: pattern, acls: after.length }, 'ACLs updated');
          await this.#client.create(aclChangePathPrefix(pattern), encodeAclChange(pattern), 'persistent-sequential');
        }
        return { before: current.entries, after };
      } catch (error) {
        if (!(error instanceof BadVersionError || error instanceof NodeExistsError || error instanceof NoNodeError)) throw error;
        if (attempt >= MAX_UPDATE_RETRIES) throw new Error(`Failed to update ACLs for ${path} after trying a maximum of ${MAX_UPDATE_RETRIES} times`, { cause: error });
        await sleep(RETRY_BACKOFF_MS + Math.floor(Math.random() * RETRY_BACKOFF_JITTER_MS));
        current = await this.#read(pattern);
      }
    }
  }

  /** Writes `after` over what was read as `current`, conditionally; the znode's new version (-1: removed). */
  async #write(path: string, current: VersionedAcls, after: readonly AccessControlEntry[]): Promise<number> {
    if (after.length === 0) {
      if (current.version >= 0) await this.#client.delete(path, current.version);
      return -1;
    }
    if (current.version >= 0) return (await this.#client.setData(path, encodeAcls(after), current.version)).version;
    try {
      await this.#client.create(path, encodeAcls(after));
    } catch (error) {
      if (!(error instanceof NoNodeError)) throw error;
      // The resource type's parent is made on first use, as Kafka's createRecursive does.
      await this.#client.ensurePath(path.slice(0, path.lastIndexOf('/')));
      await this.#client.create(path, encodeAcls(after));
    }
    return 0;
  }

  async #read(pattern: ResourcePattern): Promise<VersionedAcls> {
    const path = aclResourcePath(pattern);
    try {
      const node = await this.#client.getData(path);
      return { entries: decodeAcls(node.data, path), version: node.stat.version };
    } catch (error) {
      if (error instanceof NoNodeError) return { entries: [], version: -1 };
      throw error;
    }
  }

  #apply(pattern: ResourcePattern, acls: VersionedAcls): void {
    this.cache.set(pattern, acls.entries);
    if (acls.version < 0) this.#versions.delete(aclResourcePath(pattern));
    else this.#versions.set(aclResourcePath(pattern), acls.version);
  }

  async #loadAll(): Promise<void> {
    for (const { patternType, root } of ACL_STORES) {
      for (const typeName of await this.#children(root)) {
        const resourceType = resourceTypeOfZnode(typeName);
        if (resourceType === undefined) {
          this.#logger.warn({ path: `${root}/${typeName}` }, 'Ignoring unknown ResourceType');
          continue;
        }
        for (const name of await this.#children(`${root}/${typeName}`)) {
          const pattern: ResourcePattern = { resourceType, name, patternType };
          try {
            this.#apply(pattern, await this.#read(pattern));
          } catch (error) {
            this.#logger.error({ err: error, resource: pattern }, 'unreadable ACL znode skipped');
          }
        }
      }
    }
    this.#logger.info({ acls: this.cache.size }, 'ACLs loaded');
  }

  async #children(path: string): Promise<string[]> {
    try {
      return await this.#client.getChildren(path);
    } catch (error) {
      if (error instanceof NoNodeError) return [];
      throw error;
    }
  }

  /** Re-reads the pattern a notification announces. */
  async #onNotification(data: Buffer, name: string, extended: boolean): Promise<void> {
    try {
      const pattern = decodeAclChange(data, extended);
      const acls = await this.#read(pattern);
      this.#apply(pattern, acls);
      this.#logger.info({ resource: pattern, acls: acls.entries.length }, 'Processing Acl change notification');
    } catch (error) {
      if (error instanceof ZooKeeperClientClosedError) throw error;
      if (!(error instanceof NoNodeError)) this.#logger.warn({ err: error, notification: name }, 'unreadable ACL change notification skipped');
    }
  }
}
