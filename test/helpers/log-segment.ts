/**
 * Reads the batch headers of a partition's segment file straight from disk, to prove what the
 * broker stored (e.g. that a producer's compressed bytes were kept as they came).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BatchHeader, RECORD_BATCH_OVERHEAD } from '../../src/protocol/records/batch-header.ts';

export interface StoredBatch {
  position: number;
  baseOffset: number;
  lastOffset: number;
  recordsCount: number;
  /** Attributes bits 0-2: 0 none, 1 gzip, 2 snappy, 3 lz4, 4 zstd. */
  compression: number;
  magic: number;
}

/** `<dataDir>/<topic>-<partition>/00000000000000000000.log`: the first segment of a partition. */
export function firstSegmentPath(dataDir: string, topic: string, partition: number): string {
  return join(dataDir, `${topic}-${partition}`, '00000000000000000000.log');
}

/** Every complete batch in a segment file; a torn tail (a crash mid-write) is ignored. */
export async function readSegmentBatches(path: string): Promise<StoredBatch[]> {
  const bytes = await readFile(path);
  const batches: StoredBatch[] = [];
  let position = 0;
  while (position + RECORD_BATCH_OVERHEAD <= bytes.length) {
    const header = new BatchHeader(bytes, position);
    const size = header.sizeInBytes;
    // A zero batchLength is a preallocated (zero-filled) tail; a short one is a torn write.
    if (header.batchLength <= 0 || position + size > bytes.length) break;
    batches.push({
      position,
      baseOffset: header.baseOffset,
      lastOffset: header.lastOffset,
      recordsCount: header.recordsCount,
      compression: header.compression,
      magic: header.magic,
    });
    position += size;
  }
  return batches;
}

/** The compression codec ids of every batch in the first segments of a topic's partitions, sorted and distinct. */
export async function codecsInLog(dataDir: string, topic: string, partitionCount: number): Promise<number[]> {
  const codecs = new Set<number>();
  for (let partition = 0; partition < partitionCount; partition++) {
    for (const batch of await readSegmentBatches(firstSegmentPath(dataDir, topic, partition))) codecs.add(batch.compression);
  }
  return [...codecs].sort((a, b) => a - b);
}
