/**
 * The read phase of `samsa verify`: every partition read from its log start offset up to the end
 * offset taken once the producers stopped, with a plain assigned consumer (no group, nothing
 * committed), so what is read is what the brokers serve.
 */
import { Consumer } from '../../client/index.ts';
import type { Admin, ConsumerOptions, TopicPartition } from '../../client/index.ts';
import type { PartitionRead, TopicRead } from './history.ts';

/** Each partition's end offset (high watermark) now: where every read stops. */
export async function endOffsets(admin: Admin, topic: string, partitionCount: number): Promise<Map<number, number>> {
  const partitions = Array.from({ length: partitionCount }, (_, partition) => ({ topic, partition, spec: 'latest' as const }));
  const answers = await admin.listOffsets(partitions);
  return new Map(answers.map((a) => [a.partition, a.offset]));
}

/** Reads every partition of `topic` from its log start up to `ends`; fails after `timeoutMs` without progress. */
export async function readTopic(options: ConsumerOptions, admin: Admin, topic: string, ends: ReadonlyMap<number, number>, timeoutMs: number): Promise<TopicRead> {
  const tps: TopicPartition[] = [...ends.keys()].map((partition) => ({ topic, partition }));
  const starts = new Map((await admin.listOffsets(tps.map((tp) => ({ ...tp, spec: 'earliest' as const })))).map((a) => [a.partition, a.offset]));
  const consumer = new Consumer({ ...options, autoOffsetReset: 'earliest', enableAutoCommit: false });
  const reads = new Map<number, { startOffset: number; records: Array<{ offset: number; value: string | null }> }>();
  try {
    consumer.assign(tps);
    for (const tp of tps) {
      consumer.seek(tp, starts.get(tp.partition)!);
      reads.set(tp.partition, { startOffset: starts.get(tp.partition)!, records: [] });
    }
    const unfinished = () => tps.filter((tp) => (consumer.position(tp) ?? -1) < ends.get(tp.partition)!);
    let progressMs = Date.now();
    for (let open = unfinished(); open.length > 0; open = unfinished()) {
      // A partition done is paused, so the fetches go where records are still missing.
      consumer.pause(tps.filter((tp) => !open.includes(tp)));
      const records = await consumer.poll(500);
      if (records.length > 0) progressMs = Date.now();
      else if (Date.now() - progressMs >= timeoutMs) {
        const where = open.map((tp) => `${topic}-${tp.partition} at ${consumer.position(tp)} of ${ends.get(tp.partition)}`).join(', ');
        throw new Error(`reading back stopped making progress for ${timeoutMs} ms: ${where}`);
      }
      for (const record of records) {
        if (record.offset >= ends.get(record.partition)!) continue;
        reads.get(record.partition)!.records.push({ offset: record.offset, value: record.value === null ? null : record.value.toString('utf8') });
      }
    }
  } finally {
    await consumer.close();
  }
  return [...reads].map(([partition, read]): PartitionRead => ({ partition, startOffset: read.startOffset, endOffset: ends.get(partition)!, records: read.records }));
}
