import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomically } from '../../storage/file-io.ts';
import { blockAfter, lastProducerIdOf, type ProducerIdsBlock } from '../coordinator/txn/producer-id-manager.ts';
import type { MetadataStore, TopicMetadata } from './metadata-store.ts';

/**
 * The single-node metadata store: one JSON file, `samsa-metadata.json`, in the first log directory.
 *
 * File format: { "version": 2, "clusterId": string, "topics": TopicMetadata[],
 * "latestProducerIdBlockEnd": string }. The last is the last producer id of the latest block
 * handed out ("-1" before the first), a decimal string because producer ids are 64-bit and JSON
 * numbers are exact only to 2^53, as Kafka writes the same ids in /latest_producer_id_block.
 * Version 1, written before producer ids, has no such field and reads as "no block yet"; a file
 * is written as version 2 so that an older Samsa, which would drop the field, refuses it rather
 * than let the ids be handed out again.
 * Every change replaces the file atomically (storage's writeFileAtomically: temporary file, fsync,
 * rename, directory fsync), so after a crash it holds the state before or after a change, never a mix.
 * Changes are serialised through one promise chain so two concurrent admin requests cannot
 * interleave their writes.
 */
export class LocalMetadataStore implements MetadataStore {
  readonly clusterId: string;
  private readonly path: string;
  private readonly byName = new Map<string, TopicMetadata>();
  private readonly byId = new Map<string, TopicMetadata>();
  private writes: Promise<void> = Promise.resolve();
  private latestProducerIdBlockEnd: bigint;

  private constructor(path: string, clusterId: string, topics: readonly TopicMetadata[], latestProducerIdBlockEnd: bigint) {
    this.path = path;
    this.clusterId = clusterId;
    this.latestProducerIdBlockEnd = latestProducerIdBlockEnd;
    for (const topic of topics) this.index(topic);
  }

  static async open(dir: string, clusterId: string): Promise<LocalMetadataStore> {
    await mkdir(dir, { recursive: true });
    const path = join(dir, 'samsa-metadata.json');
    let topics: TopicMetadata[] = [];
    let latestProducerIdBlockEnd = -1n;
    try {
      const saved = JSON.parse(await readFile(path, 'utf8')) as {
        version: number; clusterId: string; topics: TopicMetadata[]; latestProducerIdBlockEnd?: unknown;
      };
      if (saved.version !== 1 && saved.version !== 2) throw new Error(`${path}: unknown metadata version ${saved.version}`);
      if (saved.clusterId !== clusterId) {
        throw new Error(`${path}: cluster id ${saved.clusterId} does not match this broker's ${clusterId}`);
      }
      topics = saved.topics;
      if (saved.version === 2) {
        const end = saved.latestProducerIdBlockEnd;
        if (typeof end !== 'string' || !/^(-1|\d{1,19})$/.test(end)) throw new Error(`${path}: latestProducerIdBlockEnd ${JSON.stringify(end)} is not a producer id`);
        latestProducerIdBlockEnd = BigInt(end);
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    return new LocalMetadataStore(path, clusterId, topics, latestProducerIdBlockEnd);
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

  topicConfigs(name: string): Promise<Readonly<Record<string, string>>> {
    return Promise.resolve(this.byName.get(name)?.configs ?? {});
  }

  createTopic(topic: TopicMetadata): Promise<void> {
    if (this.byName.has(topic.name)) throw new Error(`topic ${topic.name} exists`);
    this.index(topic);
    return this.save();
  }

  deleteTopic(name: string): Promise<void> {
    const topic = this.byName.get(name);
    if (topic === undefined) return Promise.resolve();
    this.byName.delete(name);
    this.byId.delete(topic.topicId);
    return this.save();
  }

  setPartitionCount(name: string, partitionCount: number): Promise<void> {
    return this.replace(name, { partitionCount });
  }

  setTopicConfigs(name: string, configs: Readonly<Record<string, string>>): Promise<void> {
    return this.replace(name, { configs: { ...configs } });
  }

  /**
   * The next block of producer ids for `brokerId`, as a cluster's controller allocates it in
   * ZooKeeper: resolved only once the file names it, so no id of it is handed out before a
   * restart would know of it. Two allocations never get the same block, and a failed write loses
   * its block rather than hand it out again later.
   */
  async allocateProducerIdBlock(brokerId: number): Promise<ProducerIdsBlock> {
    const block = blockAfter(this.latestProducerIdBlockEnd, brokerId);
    if (lastProducerIdOf(block) > 0x7fff_ffff_ffff_ffffn) throw new Error('every producer id has been handed out');
    this.latestProducerIdBlockEnd = lastProducerIdOf(block);
    await this.save();
    return block;
  }

  async close(): Promise<void> {
    await this.writes;
  }

  private replace(name: string, change: Partial<TopicMetadata>): Promise<void> {
    const topic = this.byName.get(name);
    if (topic === undefined) throw new Error(`unknown topic ${name}`);
    this.index({ ...topic, ...change });
    return this.save();
  }

  private index(topic: TopicMetadata): void {
    const frozen = Object.freeze({ ...topic, configs: Object.freeze({ ...topic.configs }) });
    this.byName.set(topic.name, frozen);
    this.byId.set(topic.topicId, frozen);
  }

  /** Snapshots the state now and queues its write behind earlier ones. */
  private save(): Promise<void> {
    const body = JSON.stringify({
      version: 2, clusterId: this.clusterId, topics: this.topics(), latestProducerIdBlockEnd: String(this.latestProducerIdBlockEnd),
    }, null, 1);
    const write = this.writes.then(() => writeFileAtomically(this.path, body, 'write cluster metadata'));
    this.writes = write.catch(() => undefined);
    return write;
  }
}
