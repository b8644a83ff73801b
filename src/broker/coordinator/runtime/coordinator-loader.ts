import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { ControlRecordType, controlRecordType, decodeRecordBatches } from '../../../protocol/records/record-batch.ts';
import type { CoordinatorLog } from './coordinator-log.ts';
import type { CoordinatorRecord, RecordContext } from './coordinator-runtime.ts';

/** What a load feeds: the shard's replay methods. */
export interface LogReplayer {
  replay(record: CoordinatorRecord, context: RecordContext): void;
  replayEndTransactionMarker(producerId: bigint, producerEpoch: number, commit: boolean): void;
}

/**
 * Replays a coordinator partition from its log start offset to its log end offset, a read of about
 * `bufferSize` bytes at a time (yielding between reads), in log order, as Kafka's coordinator
 * loader does: a data batch's records with their offsets and the batch's producer id and epoch
 * (a transactional batch's records are pending until their marker), a control batch's COMMIT or
 * ABORT marker as the end of its producer's transaction. Records without a key are no coordinator
 * state and are skipped. Returns how many records were replayed.
 */
export async function replayLog(log: CoordinatorLog, partition: number, bufferSize: number, replayer: LogReplayer): Promise<number> {
  const endOffset = log.logEndOffset(partition);
  let offset = log.logStartOffset(partition);
  let replayed = 0;
  while (offset < endOffset) {
    const bytes = log.read(partition, offset, bufferSize);
    if (bytes.length === 0) break;
    const read = replayBatches(bytes, offset, replayer);
    replayed += read.replayed;
    if (read.nextOffset <= offset) throw new Error(`coordinator partition ${partition} does not advance past offset ${offset}`);
    offset = read.nextOffset;
    await yieldToEventLoop();
  }
  return replayed;
}

/** Replays whole batches (records from `fromOffset` on); returns the offset after the last batch and how many records were replayed. */
export function replayBatches(bytes: Buffer, fromOffset: number, replayer: LogReplayer): { nextOffset: number; replayed: number } {
  let nextOffset = fromOffset;
  let replayed = 0;
  for (const batch of decodeRecordBatches(bytes)) {
    nextOffset = batch.lastOffset + 1;
    const producerId = BigInt(batch.producerId);
    for (const record of batch.records) {
      if (record.offset < fromOffset) continue;
      if (batch.isControl) {
        // Other control types (KRaft's) never reach a coordinator's topic; a marker is one record.
        const type = controlRecordType(record);
        if (type === ControlRecordType.COMMIT || type === ControlRecordType.ABORT) {
          replayer.replayEndTransactionMarker(producerId, batch.producerEpoch, type === ControlRecordType.COMMIT);
        }
        continue;
      }
      if (record.key === null) continue;
      replayer.replay({ key: record.key, value: record.value }, { offset: record.offset, producerId, producerEpoch: batch.producerEpoch });
      replayed++;
    }
  }
  return { nextOffset, replayed };
}
