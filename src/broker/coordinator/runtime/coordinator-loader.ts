import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { decodeRecordBatches } from '../../../protocol/records/record-batch.ts';
import type { CoordinatorLog } from './coordinator-log.ts';
import type { CoordinatorRecord } from './coordinator-runtime.ts';

/**
 * Replays a coordinator partition from its log start offset to its log end offset, a read of about
 * `bufferSize` bytes at a time (yielding between reads). Control batches are skipped, and so are
 * records without a key: neither is coordinator state. Returns how many records were replayed.
 */
export async function replayLog(
  log: CoordinatorLog,
  partition: number,
  bufferSize: number,
  replay: (record: CoordinatorRecord) => void,
): Promise<number> {
  const endOffset = log.logEndOffset(partition);
  let offset = log.logStartOffset(partition);
  let replayed = 0;
  while (offset < endOffset) {
    const bytes = log.read(partition, offset, bufferSize);
    if (bytes.length === 0) break;
    let next = offset;
    for (const batch of decodeRecordBatches(bytes)) {
      next = batch.lastOffset + 1;
      // A transaction coordinator does not exist yet, so no transactional offset commits were
      // written; control batches (transaction markers) carry no state of their own.
      if (batch.isControl) continue;
      for (const record of batch.records) {
        if (record.offset < offset || record.key === null) continue;
        replay({ key: record.key, value: record.value });
        replayed++;
      }
    }
    if (next <= offset) throw new Error(`coordinator partition ${partition} does not advance past offset ${offset}`);
    offset = next;
    await yieldToEventLoop();
  }
  return replayed;
}
