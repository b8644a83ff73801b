import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomicallyAsync } from '../../storage/file-io.ts';
import { blockAfter, lastProducerIdOf, type ProducerIdsBlock } from '../coordinator/txn/producer-id-manager.ts';
import type { Logger } from '../logger.ts';
import { LocalMetadataLog, type MetadataRecord } from './local-metadata-log.ts';
import type { MetadataStore, TopicMetadata } from './metadata-store.ts';
import { TopicCollisions } from './topic-names.ts';

/** The snapshot's format version; see the class comment. */
const SNAPSHOT_VERSION = 3;
/** The log is folded into a new snapshot once it is this long and at least as long as the last snapshot. */
const DEFAULT_SNAPSHOT_MIN_LOG_BYTES = 1024 * 1024;

/**
 * The single-node metadata store, in the first log directory, as KRaft keeps its metadata: a
 * snapshot, `samsa-metadata.json`, and the changes made since, `samsa-metadata.log`
 * (LocalMetadataLog: one record a change, appended and fsynced). A change costs one append however
 * many topics exist; changes made while an append is on its way (a CreateTopics request's topics,
 * other clients' requests) go together in the next append and its one fsync. Once the log is as
 * long as the snapshot (and at least 1 MiB), a new snapshot replaces the old one and the log is
 * emptied, so the rewrites add up to a constant share of the bytes appended.
 *
 * Snapshot format: { "version": 3, "clusterId": string, "topics": TopicMetadata[],
 * "latestProducerIdBlockEnd": string }. The last is the last producer id of the latest block
 * handed out ("-1" before the first), a decimal string because producer ids are 64-bit and JSON
 * numbers are exact only to 2^53, as Kafka writes the same ids in /latest_producer_id_block.
 * Version 1, written before producer ids, has no such field and reads as "no block yet"; version
 * 2 has no log. Both are rewritten as version 3 when opened, so that an older Samsa, which would
 * lose the field or the log, refuses the directory rather than hand ids out again or forget topics.
 * A snapshot replaces the file atomically (temporary file, fsync, rename, directory fsync); the log
 * is emptied only after that. A crash in between replays the log over a snapshot that already
 * holds it, which changes nothing (each record sets one thing to its whole value).
 * Memory changes at once; a change's promise settles once its record is on disk.
 */
export class LocalMetadataStore implements MetadataStore {
  readonly clusterId: string;
  private readonly path: string;
  private readonly log: LocalMetadataLog;
  private readonly logger: Logger | undefined;
  private readonly snapshotMinLogBytes: number;
  private readonly byName = new Map<string, TopicMetadata>();
  private readonly byId = new Map<string, TopicMetadata>();
  private readonly collisions = new TopicCollisions();
  private latestProducerIdBlockEnd = -1n;
  /** Every write, in order: appends and snapshots. */
  private writes: Promise<void> = Promise.resolve();
  /** Records waiting for the next append, and that append once it is queued. */
  private pending: MetadataRecord[] = [];
  private nextAppend: Promise<void> | undefined;
  private snapshotBytes = 0;

  private constructor(path: string, clusterId: string, log: LocalMetadataLog, options: LocalMetadataStoreOptions) {
    this.path = path;
    this.clusterId = clusterId;
    this.log = log;
    this.logger = options.logger;
    this.snapshotMinLogBytes = options.snapshotMinLogBytes ?? DEFAULT_SNAPSHOT_MIN_LOG_BYTES;
  }

  static async open(dir: string, clusterId: string, options: LocalMetadataStoreOptions = {}): Promise<LocalMetadataStore> {
    await mkdir(dir, { recursive: true });
    const path = join(dir, 'samsa-metadata.json');
    const snapshot = await readSnapshot(path, clusterId);
    const { log, records, truncatedBytes } = await LocalMetadataLog.open(join(dir, 'samsa-metadata.log'));
    const store = new LocalMetadataStore(path, clusterId, log, options);
    for (const topic of snapshot?.topics ?? []) store.index(topic);
    store.latestProducerIdBlockEnd = snapshot?.latestProducerIdBlockEnd ?? -1n;
    store.snapshotBytes = snapshot?.bytes ?? 0;
    try {
      if (snapshot?.version === SNAPSHOT_VERSION) {
        if (truncatedBytes > 0) options.logger?.warn({ path: log.path, truncatedBytes }, 'cut an incomplete record off the end of the metadata log');
        for (const record of records) store.replay(record);
      } else {
        // Only a version 3 snapshot has a log: anything there beside an older one is not of it.
        store.writes = store.snapshot();
        await store.writes;
      }
    } catch (error) {
      await log.close();
      throw error;
    }
    return store;
  }

  topics(): readonly TopicMetadata[] {
    return [...this.byName.values()];
  }

  topic(name: string): TopicMetadata | undefined {
    return this.byName.get(name);
  }

  topicById(topicId: string): TopicMetadata | undefined {
    return this.byId.get(topicId);
  }

  collidingTopicName(name: string): string | undefined {
    return this.collisions.colliding(name);
  }

  topicConfigs(name: string): Promise<Readonly<Record<string, string>>> {
    return Promise.resolve(this.byName.get(name)?.configs ?? {});
  }

  /** One node's store is the only copy: what it holds is current. */
  currentTopicConfigs(name: string): Promise<Readonly<Record<string, string>>> {
    return this.topicConfigs(name);
  }

  createTopic(topic: TopicMetadata): Promise<void> {
    if (this.byName.has(topic.name)) throw new Error(`topic ${topic.name} exists`);
    return this.change({ type: 'Topic', topic });
  }

  deleteTopic(name: string): Promise<void> {
    if (!this.byName.has(name)) return Promise.resolve();
    return this.change({ type: 'RemoveTopic', name });
  }

  setPartitionCount(name: string, partitionCount: number): Promise<void> {
    return this.change({ type: 'Topic', topic: { ...this.existing(name), partitionCount } });
  }

  setTopicConfigs(name: string, configs: Readonly<Record<string, string>>): Promise<void> {
    return this.change({ type: 'Topic', topic: { ...this.existing(name), configs: { ...configs } } });
  }

  /**
   * The next block of producer ids for `brokerId`, as a cluster's controller allocates it in
   * ZooKeeper: resolved only once it is on disk, so no id of it is handed out before a restart
   * would know of it. Two allocations never get the same block, and a failed write loses its block
   * rather than hand it out again later.
   */
  async allocateProducerIdBlock(brokerId: number): Promise<ProducerIdsBlock> {
    const block = blockAfter(this.latestProducerIdBlockEnd, brokerId);
    if (lastProducerIdOf(block) > 0x7fff_ffff_ffff_ffffn) throw new Error('every producer id has been handed out');
    await this.change({ type: 'ProducerIds', latestProducerIdBlockEnd: String(lastProducerIdOf(block)) });
    return block;
  }

  async close(): Promise<void> {
    await this.writes;
    await this.log.close();
  }

  private existing(name: string): TopicMetadata {
    const topic = this.byName.get(name);
    if (topic === undefined) throw new Error(`unknown topic ${name}`);
    return topic;
  }

  /** Applies the change now and queues its record for the next append, whose promise it returns. */
  private change(record: MetadataRecord): Promise<void> {
    this.replay(record);
    this.pending.push(record);
    if (this.nextAppend === undefined) {
      const append = this.writes.then(() => {
        const records = this.pending;
        this.pending = [];
        this.nextAppend = undefined;
        return this.log.append(records);
      });
      this.nextAppend = append;
      this.writes = append.then(() => this.snapshotIfDue(), () => undefined);
    }
    return this.nextAppend;
  }

  private replay(record: MetadataRecord): void {
    switch (record.type) {
      case 'Topic':
        this.index(record.topic);
        break;
      case 'RemoveTopic': {
        const topic = this.byName.get(record.name);
        if (topic === undefined) break;
        this.byName.delete(record.name);
        this.byId.delete(topic.topicId);
        this.collisions.remove(record.name);
        break;
      }
      case 'ProducerIds':
        this.latestProducerIdBlockEnd = BigInt(record.latestProducerIdBlockEnd);
        break;
    }
  }

  private index(topic: TopicMetadata): void {
    const frozen = Object.freeze({ ...topic, configs: Object.freeze({ ...topic.configs }) });
    const previous = this.byName.get(topic.name);
    if (previous !== undefined && previous.topicId !== topic.topicId) this.byId.delete(previous.topicId);
    this.byName.set(topic.name, frozen);
    this.byId.set(topic.topicId, frozen);
    this.collisions.add(topic.name);
  }

  /** A failed snapshot leaves the log as it was: it is tried again after a later append. */
  private async snapshotIfDue(): Promise<void> {
    if (this.log.sizeInBytes < Math.max(this.snapshotMinLogBytes, this.snapshotBytes)) return;
    try {
      await this.snapshot();
    } catch (error) {
      this.logger?.warn({ err: error, path: this.path }, 'could not write a metadata snapshot; the metadata log goes on growing');
    }
  }

  /** Writes the state now as the snapshot, then empties the log. Runs in the write chain only. */
  private async snapshot(): Promise<void> {
    const body = JSON.stringify({
      version: SNAPSHOT_VERSION, clusterId: this.clusterId, topics: this.topics(), latestProducerIdBlockEnd: String(this.latestProducerIdBlockEnd),
    }, null, 1);
    await writeFileAtomicallyAsync(this.path, body, `${this.path}.tmp`, () => true, 'write cluster metadata');
    this.snapshotBytes = Buffer.byteLength(body);
    await this.log.clear();
  }
}

export interface LocalMetadataStoreOptions {
  /** Told of a metadata log's cut tail and of snapshots that failed. */
  readonly logger?: Logger;
  /** The least log length that is folded into a snapshot (tests make it small). */
  readonly snapshotMinLogBytes?: number;
}

interface Snapshot {
  readonly version: number;
  readonly topics: readonly TopicMetadata[];
  readonly latestProducerIdBlockEnd: bigint;
  readonly bytes: number;
}

async function readSnapshot(path: string, clusterId: string): Promise<Snapshot | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const saved = JSON.parse(text) as { version: number; clusterId: string; topics: TopicMetadata[]; latestProducerIdBlockEnd?: unknown };
  if (saved.version !== 1 && saved.version !== 2 && saved.version !== SNAPSHOT_VERSION) throw new Error(`${path}: unknown metadata version ${saved.version}`);
  if (saved.clusterId !== clusterId) throw new Error(`${path}: cluster id ${saved.clusterId} does not match this broker's ${clusterId}`);
  let latestProducerIdBlockEnd = -1n;
  if (saved.version >= 2) {
    const end = saved.latestProducerIdBlockEnd;
    if (typeof end !== 'string' || !/^(-1|\d{1,19})$/.test(end)) throw new Error(`${path}: latestProducerIdBlockEnd ${JSON.stringify(end)} is not a producer id`);
    latestProducerIdBlockEnd = BigInt(end);
  }
  return { version: saved.version, topics: saved.topics, latestProducerIdBlockEnd, bytes: Buffer.byteLength(text) };
}
