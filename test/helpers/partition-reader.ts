/**
 * Reads a whole partition back through Fetch, strictly: every served batch must decode with a
 * valid CRC-32C, offsets must run contiguously from logStartOffset to the high watermark, and every
 * fetch must make progress. A torn or corrupt batch that the broker serves fails here.
 */
import { ErrorCode } from '../../src/protocol/errors.ts';
import { decodeRecordBatches } from '../../src/protocol/records/record-batch.ts';
import type { KafkaApiClient } from './kafka-api-client.ts';
import { Api, fetchBody, listOffset, onlyPartition } from './kafka-apis.ts';

export interface ReadBackRecord {
  offset: number;
  key: string | null;
  value: string;
}

export interface PartitionContents {
  logStartOffset: number;
  highWatermark: number;
  records: ReadBackRecord[];
}

const FETCH_VERSION = 12;

/** Every record of topic-partition from the log start offset (ListOffsets earliest) to the high watermark. */
export async function readPartition(client: KafkaApiClient, topic: string, partition: number, { maxFetches = 10_000 } = {}): Promise<PartitionContents> {
  const earliest = await listOffset(client, topic, -2n, { partition });
  if (earliest.errorCode !== ErrorCode.NONE) throw new Error(`ListOffsets earliest of ${topic}-${partition}: error ${earliest.errorCode}`);
  const logStartOffset = Number(earliest.offset);
  const records: ReadBackRecord[] = [];
  let next = logStartOffset;
  let highWatermark = -1;
  for (let fetches = 0; fetches < maxFetches; fetches++) {
    const response = await client.call(Api.fetch, FETCH_VERSION, fetchBody({ topic, partition, fetchOffset: BigInt(next) }));
    const data = onlyPartition(response);
    if (data.errorCode !== ErrorCode.NONE) throw new Error(`Fetch ${topic}-${partition} at ${next}: error ${data.errorCode}`);
    highWatermark = Number(data.highWatermark);
    if (next >= highWatermark) return { logStartOffset, highWatermark, records };
    const bytes = data.records ?? Buffer.alloc(0);
    let batches;
    try {
      // Strict: the broker cuts at whole batches, so even a truncated tail is a finding here.
      batches = decodeRecordBatches(bytes, { verifyCrc: true });
    } catch (error) {
      throw new Error(`Fetch ${topic}-${partition} at ${next} served a corrupt batch: ${(error as Error).message}`, { cause: error });
    }
    if (batches.length === 0) throw new Error(`Fetch ${topic}-${partition} at ${next} returned nothing below the high watermark ${highWatermark}`);
    for (const batch of batches) {
      if (batch.lastOffset < next) throw new Error(`${topic}-${partition}: batch ${batch.baseOffset}..${batch.lastOffset} served for fetch offset ${next}`);
      if (batch.baseOffset > next) throw new Error(`${topic}-${partition}: offsets jump from ${next} to ${batch.baseOffset}`);
      for (const record of batch.records) {
        if (record.offset < next) continue;
        if (record.offset !== next) throw new Error(`${topic}-${partition}: record offset ${record.offset}, expected ${next}`);
        if (record.offset >= highWatermark) break;
        records.push({ offset: record.offset, key: record.key?.toString('utf8') ?? null, value: record.value?.toString('utf8') ?? '' });
        next++;
      }
    }
  }
  throw new Error(`${topic}-${partition}: not read to the high watermark ${highWatermark} within ${maxFetches} fetches`);
}

/** The first batch a Fetch at `offset` serves, decoded with CRC checks; undefined when none. */
export async function fetchFirstBatchAt(client: KafkaApiClient, topic: string, partition: number, offset: number) {
  const data = onlyPartition(await client.call(Api.fetch, FETCH_VERSION, fetchBody({ topic, partition, fetchOffset: BigInt(offset), partitionMaxBytes: 1 })));
  if (data.errorCode !== ErrorCode.NONE) throw new Error(`Fetch ${topic}-${partition} at ${offset}: error ${data.errorCode}`);
  return decodeRecordBatches(data.records ?? Buffer.alloc(0), { verifyCrc: true })[0];
}
