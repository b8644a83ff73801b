import type { Admin, ClusterMetadata, LogDirDescription, TopicMetadata } from '../../client/index.ts';
import { keyOf } from '../../client/index.ts';

/** Every topic's metadata (internal ones too), fresh: listTopics fetches them all and the client keeps that answer. */
export async function allTopicsMetadata(admin: Admin): Promise<ClusterMetadata> {
  await admin.listTopics({ includeInternal: true });
  return admin.cluster.metadata;
}

export interface PartitionOffsets {
  readonly startOffset: number;
  readonly endOffset: number;
}

/**
 * Log start and high watermark of the partitions that have a leader, by keyOf({ topic, partition });
 * an offline partition is absent (asking it would wait for a leader until the call's timeout).
 */
export async function partitionOffsets(admin: Admin, topics: readonly TopicMetadata[]): Promise<Map<string, PartitionOffsets>> {
  const online = topics.flatMap((t) => t.partitions.filter((p) => p.leaderId >= 0).map((p) => ({ topic: t.name, partition: p.partition })));
  const out = new Map<string, PartitionOffsets>();
  if (online.length === 0) return out;
  const [earliest, latest] = await Promise.all([
    admin.listOffsets(online.map((p) => ({ ...p, spec: 'earliest' as const }))),
    admin.listOffsets(online.map((p) => ({ ...p, spec: 'latest' as const }))),
  ]);
  const ends = new Map(latest.map((o) => [keyOf(o), o.offset]));
  for (const o of earliest) {
    const key = keyOf(o);
    out.set(key, { startOffset: o.offset, endOffset: ends.get(key) ?? o.offset });
  }
  return out;
}

/** Replica sizes by broker and partition, from every broker's DescribeLogDirs (future replicas left out). */
export class ReplicaSizes {
  readonly logDirs: readonly LogDirDescription[];
  readonly #sizes = new Map<string, number>();

  constructor(logDirs: readonly LogDirDescription[]) {
    this.logDirs = logDirs;
    for (const dir of logDirs) {
      for (const p of dir.partitions) if (!p.isFuture) this.#sizes.set(`${dir.brokerId}\0${keyOf(p)}`, p.size);
    }
  }

  /** The size of `brokerId`'s replica of the partition, or null when that broker did not report it. */
  of(brokerId: number, topic: string, partition: number): number | null {
    return this.#sizes.get(`${brokerId}\0${keyOf({ topic, partition })}`) ?? null;
  }

  static async describe(admin: Admin, options: { brokerIds?: number[]; topics?: ReadonlyArray<{ topic: string; partitions: number[] }> } = {}): Promise<ReplicaSizes | null> {
    try {
      return new ReplicaSizes(await admin.describeLogDirs(options));
    } catch {
      // Sizes are a nicety: a cluster that refuses DescribeLogDirs (ACLs, old broker) still lists its topics.
      return null;
    }
  }
}
