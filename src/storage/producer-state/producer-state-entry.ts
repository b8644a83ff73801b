import { ErrorCode, KafkaError } from '../../protocol/errors.ts';

/** No producer epoch yet (RecordBatch.NO_PRODUCER_EPOCH); also a batch's "no producer". */
export const NO_PRODUCER_EPOCH = -1;
export const NO_SEQUENCE = -1;
/** Kafka keeps the metadata of a producer's last five batches: what a client may have in flight. */
export const NUM_BATCHES_TO_RETAIN = 5;

/** One appended batch of a producer, as deduplication needs it. */
export interface BatchMetadata {
  readonly firstSeq: number;
  readonly lastSeq: number;
  readonly firstOffset: number;
  readonly lastOffset: number;
  readonly timestamp: number;
}

/**
 * What a partition knows of one producer id (Kafka's ProducerStateEntry): its epoch, its last
 * batches, the coordinator epoch of its last marker, and the first offset of its open transaction
 * (-1 when none).
 */
export interface ProducerStateEntry {
  readonly producerId: number;
  producerEpoch: number;
  batches: BatchMetadata[];
  coordinatorEpoch: number;
  currentTxnFirstOffset: number;
  lastTimestamp: number;
}

export function newEntry(producerId: number): ProducerStateEntry {
  return { producerId, producerEpoch: NO_PRODUCER_EPOCH, batches: [], coordinatorEpoch: -1, currentTxnFirstOffset: -1, lastTimestamp: -1 };
}

export function lastSequenceOf(entry: ProducerStateEntry): number {
  return entry.batches.length === 0 ? NO_SEQUENCE : entry.batches[entry.batches.length - 1].lastSeq;
}

/** The sequence after `sequence`: int32 wraps to 0, as Kafka's producers wrap. */
export function inSequence(lastSeq: number, nextSeq: number): boolean {
  return nextSeq === lastSeq + 1 || (nextSeq === 0 && lastSeq === 0x7fff_ffff);
}

/** The batch a retry repeats, if the entry still holds it (same epoch, same sequence range). */
export function findDuplicate(entry: ProducerStateEntry | undefined, epoch: number, firstSeq: number, lastSeq: number): BatchMetadata | undefined {
  if (entry === undefined || entry.producerEpoch !== epoch) return undefined;
  return entry.batches.find((batch) => batch.firstSeq === firstSeq && batch.lastSeq === lastSeq);
}

/** The data batch a client sends, as validation sees it (header fields only). */
export interface ProducerBatch {
  readonly producerId: number;
  readonly producerEpoch: number;
  readonly baseSequence: number;
  readonly lastSequence: number;
  readonly isTransactional: boolean;
}

/**
 * Kafka's ProducerAppendInfo checks for a client's data batch, before it is appended: an epoch
 * older than the one seen is INVALID_PRODUCER_EPOCH (since 2.7 not PRODUCER_FENCED, so the client
 * may abort and retry); a new epoch must start at sequence 0; within an epoch the batch must follow
 * the last sequence, unless nothing of this producer is known (its batches went with retention or
 * DeleteRecords: any sequence is accepted, KIP-360); a non-transactional write while this
 * producer's transaction is open is INVALID_TXN_STATE.
 */
export function checkClientBatch(entry: ProducerStateEntry | undefined, batch: ProducerBatch, where: string): void {
  const known = entry ?? newEntry(batch.producerId);
  if (batch.producerEpoch < known.producerEpoch) {
    throw new KafkaError(ErrorCode.INVALID_PRODUCER_EPOCH,
      `Epoch of producer ${batch.producerId} in ${where} is ${batch.producerEpoch}, which is smaller than the last seen epoch ${known.producerEpoch}`);
  }
  if (batch.producerEpoch !== known.producerEpoch) {
    if (batch.baseSequence !== 0 && known.producerEpoch !== NO_PRODUCER_EPOCH) {
      throw new KafkaError(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
        `Invalid sequence number for new epoch of producer ${batch.producerId} in ${where}: ${batch.producerEpoch} (request epoch), ${batch.baseSequence} (seq. number), ${known.producerEpoch} (current end epoch)`);
    }
  } else {
    const lastSeq = lastSequenceOf(known);
    if (lastSeq !== NO_SEQUENCE && !inSequence(lastSeq, batch.baseSequence)) {
      throw new KafkaError(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
        `Out of order sequence number for producer ${batch.producerId} in ${where}: ${batch.baseSequence} (incoming seq. number), ${lastSeq} (current end sequence number)`);
    }
  }
  if (known.currentTxnFirstOffset >= 0 && !batch.isTransactional) {
    throw new KafkaError(ErrorCode.INVALID_TXN_STATE, `Expected transactional write from producer ${batch.producerId} in ${where}: its transaction is open`);
  }
}

/**
 * Kafka's checks for a transaction marker written by a coordinator: an older producer epoch is
 * INVALID_PRODUCER_EPOCH; an older coordinator epoch than the last marker's means a deposed
 * coordinator wrote it: TRANSACTION_COORDINATOR_FENCED.
 */
export function checkMarker(entry: ProducerStateEntry | undefined, producerId: number, producerEpoch: number, coordinatorEpoch: number, where: string): void {
  if (entry === undefined) return;
  if (producerEpoch < entry.producerEpoch) {
    throw new KafkaError(ErrorCode.INVALID_PRODUCER_EPOCH,
      `Epoch of producer ${producerId} in ${where} is ${producerEpoch}, which is smaller than the last seen epoch ${entry.producerEpoch}`);
  }
  if (coordinatorEpoch < entry.coordinatorEpoch) {
    throw new KafkaError(ErrorCode.TRANSACTION_COORDINATOR_FENCED,
      `Invalid coordinator epoch for producer ${producerId} in ${where}: ${coordinatorEpoch} (zombie), ${entry.coordinatorEpoch} (current)`);
  }
}
