import fs from 'node:fs';
import path from 'node:path';
import { recoverCleanerFiles } from './cleaner/segment-swap.ts';
import { ioError } from './errors.ts';
import type { FullLogConfig } from './log-config.ts';
import { LogSegment, type SegmentContext } from './log-segment.ts';

const SEGMENT_LOG_FILE = /^(\d{20})\.log$/;
const SEGMENT_INDEX_FILE = /^(\d{20})\.(index|timeindex)$/;

export interface LoadedSegments {
  readonly segments: LogSegment[];
  /** Bytes cut from torn tails, plus the bytes of later segments removed after a cut. */
  readonly truncatedBytes: number;
  /** Segments checked batch by batch. */
  readonly recoveredSegments: number;
  /** Batches whose length, magic and CRC were checked: 0 after a clean shutdown. */
  readonly recoveredBatches: number;
}

/**
 * Lists and opens the segments of the partition directory `dir`.
 *
 * `recoverFrom` undefined means the last stop was clean: nothing is scanned. Otherwise every
 * segment from the one holding `recoverFrom` (the recovery point: all below it was fsynced) to the
 * last is checked batch by batch. When a segment is cut at a torn or corrupt batch, every later
 * segment goes too, as in Kafka: offsets after the cut would leave a gap that was never
 * acknowledged as a whole. Leftovers of interrupted deletes and indexes without a log are removed,
 * and an interrupted compaction swap is completed first (cleaner/segment-swap.ts).
 */
export function loadSegments(dir: string, config: FullLogConfig, recoverFrom: number | undefined, context: SegmentContext = {}): LoadedSegments {
  let names: string[];
  try {
    fs.mkdirSync(dir, { recursive: true });
  } catch (cause) {
    throw ioError('open log dir', dir, cause);
  }
  // A compaction swap interrupted by a crash is finished (or undone) before segments are listed.
  recoverCleanerFiles(dir);
  try {
    names = fs.readdirSync(dir);
  } catch (cause) {
    throw ioError('open log dir', dir, cause);
  }
  const present = new Set(names);
  const baseOffsets: number[] = [];
  for (const name of names) {
    const match = SEGMENT_LOG_FILE.exec(name);
    if (match !== null) baseOffsets.push(Number(match[1]));
    else if (name.endsWith('.deleted')) removeFile(path.join(dir, name));
    else {
      const index = SEGMENT_INDEX_FILE.exec(name);
      if (index !== null && !present.has(`${index[1]}.log`)) removeFile(path.join(dir, name));
    }
  }
  baseOffsets.sort((a, b) => a - b);
  let firstToRecover = baseOffsets.length;
  if (recoverFrom !== undefined) {
    firstToRecover = 0;
    while (firstToRecover + 1 < baseOffsets.length && baseOffsets[firstToRecover + 1] <= recoverFrom) firstToRecover += 1;
  }
  const segments: LogSegment[] = [];
  let truncatedBytes = 0;
  let recoveredSegments = 0;
  let recoveredBatches = 0;
  try {
    for (let i = 0; i < baseOffsets.length; i++) {
      const recover = i >= firstToRecover;
      const opened = LogSegment.open(dir, baseOffsets[i], config, recover, context);
      segments.push(opened.segment);
      truncatedBytes += opened.truncatedBytes;
      if (recover) {
        recoveredSegments += 1;
        recoveredBatches += opened.batchesChecked;
      }
      if (recover && opened.truncatedBytes > 0) {
        for (const later of baseOffsets.slice(i + 1)) {
          const removed = LogSegment.open(dir, later, config, false, context).segment;
          truncatedBytes += removed.size;
          removed.delete();
        }
        break;
      }
    }
    if (segments.length === 0) segments.push(LogSegment.create(dir, 0, config, context));
  } catch (error) {
    for (const segment of segments) segment.close();
    throw error;
  }
  return { segments, truncatedBytes, recoveredSegments, recoveredBatches };
}

function removeFile(file: string): void {
  try {
    fs.rmSync(file, { force: true });
  } catch (cause) {
    throw ioError('remove', file, cause);
  }
}
