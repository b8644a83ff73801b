/**
 * Reads a whole topic without a consumer group: @platformatic/kafka's Consumer.fetch (a plain
 * Fetch to the partition leader) from offset 0 up to the end offset that ListOffsets reports.
 */
import { Consumer } from '@platformatic/kafka';

export interface ConsumedRecord {
  partition: number;
  offset: bigint;
  timestamp: bigint;
  key: Buffer | null;
  value: Buffer | null;
  headers: Array<[string, string]>;
}

export async function readTopicWithPlatformatic(bootstrap: string, topic: string, { maxFetches = 10_000 } = {}): Promise<ConsumedRecord[]> {
  // groupId is required by the constructor but unused: fetch and listOffsets join no group.
  const consumer = new Consumer({ clientId: 'samsa-test-reader', groupId: 'samsa-test-unused', bootstrapBrokers: [bootstrap], retries: 2 });
  try {
    // fetch() resolves topic ids from the metadata of the topics the consumer tracks.
    consumer.topics.trackAll(topic);
    const metadata = await consumer.metadata({ topics: [topic] });
    const topicMetadata = metadata.topics.get(topic);
    if (!topicMetadata) throw new Error(`topic ${topic} missing from metadata`);
    const endOffsets = (await consumer.listOffsets({ topics: [topic] })).get(topic);
    if (!endOffsets) throw new Error(`no end offsets for ${topic}`);
    const records: ConsumedRecord[] = [];
    let fetches = 0;
    for (let partition = 0; partition < topicMetadata.partitionsCount; partition++) {
      const end = endOffsets[partition] ?? 0n;
      let fetchOffset = 0n;
      let emptyFetches = 0;
      while (fetchOffset < end) {
        if (emptyFetches > 50) throw new Error(`${topic}-${partition}: 50 fetches at offset ${fetchOffset} returned nothing (end offset ${end})`);
        if (++fetches > maxFetches) throw new Error(`gave up after ${maxFetches} fetches at ${topic}-${partition} offset ${fetchOffset} (end ${end})`);
        const before = fetchOffset;
        const response = await consumer.fetch({
          node: topicMetadata.partitions[partition].leader,
          maxWaitTime: 100,
          topics: [{
            topicId: topicMetadata.id,
            partitions: [{ partition, fetchOffset, currentLeaderEpoch: -1, lastFetchedEpoch: -1, partitionMaxBytes: 4 * 1024 * 1024 }],
          }],
        });
        for (const topicResponse of response.responses) {
          for (const partitionResponse of topicResponse.partitions) {
            if (partitionResponse.errorCode !== 0) {
              throw new Error(`fetch ${topic}-${partition}@${fetchOffset}: error code ${partitionResponse.errorCode}`);
            }
            for (const batch of partitionResponse.records ?? []) {
              for (const record of batch.records) {
                const offset = batch.firstOffset + BigInt(record.offsetDelta);
                // A fetch may start with a batch that begins before fetchOffset.
                if (offset < fetchOffset) continue;
                records.push({
                  partition,
                  offset,
                  timestamp: batch.firstTimestamp + record.timestampDelta,
                  key: record.key,
                  value: record.value,
                  headers: record.headers.map(([key, value]) => [key?.toString('utf8') ?? '', value?.toString('utf8') ?? '']),
                });
              }
              const nextOffset = batch.firstOffset + BigInt(batch.lastOffsetDelta) + 1n;
              if (nextOffset > fetchOffset) fetchOffset = nextOffset;
            }
          }
        }
        emptyFetches = fetchOffset === before ? emptyFetches + 1 : 0;
      }
    }
    return records;
  } finally {
    await consumer.close(true);
  }
}
