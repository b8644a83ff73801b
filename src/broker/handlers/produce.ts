import { produceRequest, produceResponse } from '../../protocol/generated/produce.ts';
import type { ProduceResponsePartitionProduceResponse, ProduceResponseTopicProduceResponse } from '../../protocol/generated/produce.ts';
import { ErrorCode, KafkaError } from '../../protocol/errors.ts';
import { BatchHeader, CompressionType, RECORD_BATCH_OVERHEAD } from '../../protocol/records/batch-header.ts';
import { RecordValidationError } from '../../protocol/records/batch-validator.ts';
import { defineHandler, type RequestContext } from './handler.ts';
import { errorAnswer } from './error-code.ts';
import { InvalidRequestError } from '../request-dispatcher.ts';

/**
 * Produce: validate each partition's batches once, append them (the log assigns offsets by
 * patching the producer's bytes) and answer with the base offset. With one replica per partition,
 * acks=1 and acks=-1 are both satisfied once the append has returned and any fsync the topic's
 * flush policy asked for has ended; that fsync runs off the event loop, so only this request waits
 * for it (a failed one answers KAFKA_STORAGE_ERROR). v0-2 are advertised because librdkafka 2.0.2
 * only compresses when Produce v0 is in range (KAFKA-18659); requests at those versions are refused
 * per partition with UNSUPPORTED_VERSION.
 */
export const produceHandler = defineHandler({
  request: produceRequest,
  response: produceResponse,
  minVersion: 0,
  maxVersion: 11,
  // The batches are in the log (copied by the write) once answered; nothing keeps a view of them.
  requestFreedOnAnswer: true,
  handle(request, context) {
    const acks = request.acks;
    const responses: ProduceResponseTopicProduceResponse[] = [];
    const fsyncs: Promise<void>[] = [];
    let anyError = false;
    for (const topic of request.topicData) {
      const partitionResponses: ProduceResponsePartitionProduceResponse[] = [];
      for (const partition of topic.partitionData) {
        const { answer, durable } = producePartition(topic.name, partition.index, partition.records, acks, context);
        if (answer.errorCode !== ErrorCode.NONE) anyError = true;
        partitionResponses.push(answer);
        if (durable !== undefined) fsyncs.push(durable.catch((error: unknown) => { Object.assign(answer, failedAnswer(answer.index, error, context)); }));
      }
      responses.push({ name: topic.name, partitionResponses });
    }
    if (acks === 0) {
      // Kafka sends nothing for acks=0; on an error it closes the connection so the client notices.
      if (anyError) throw new InvalidRequestError('acks=0 produce failed; closing the connection as Kafka does');
      return null;
    }
    const response = { responses, throttleTimeMs: 0 };
    return fsyncs.length === 0 ? response : Promise.all(fsyncs).then(() => response);
  },
});

function producePartition(
  topic: string,
  index: number,
  records: Buffer | null,
  acks: number,
  context: RequestContext,
): { answer: ProduceResponsePartitionProduceResponse; durable?: Promise<void> } {
  try {
    if (acks !== 0 && acks !== 1 && acks !== -1) {
      throw new KafkaError(ErrorCode.INVALID_REQUIRED_ACKS, `acks must be -1, 0 or 1, not ${acks}`);
    }
    const { broker } = context;
    if (broker.metadata.topic(topic) === undefined) {
      throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Unknown topic ${topic}`);
    }
    checkRecordsForVersion(records, context.apiVersion);
    const partition = broker.replicaManager.leaderPartition(topic, index);
    if (acks === -1 && partition.inSyncReplicaCount < partition.minInSyncReplicas) {
      throw new KafkaError(
        ErrorCode.NOT_ENOUGH_REPLICAS,
        `${partition.inSyncReplicaCount} in-sync replicas of ${partition.key}, min.insync.replicas is ${partition.minInSyncReplicas}`,
      );
    }
    const result = broker.replicaManager.appendRecords(topic, index, records!);
    const answer = {
      index,
      errorCode: ErrorCode.NONE,
      baseOffset: BigInt(result.baseOffset),
      logAppendTimeMs: BigInt(result.logAppendTimeMs),
      logStartOffset: BigInt(result.logStartOffset),
    };
    return { answer, durable: result.durable };
  } catch (error) {
    return { answer: failedAnswer(index, error, context) };
  }
}

function failedAnswer(index: number, error: unknown, context: RequestContext): ProduceResponsePartitionProduceResponse {
  const { errorCode, errorMessage } = errorAnswer(error, context);
  // v8+: the records that failed validation, so a client fails exactly those (Kafka's recordErrors).
  const recordErrors = error instanceof RecordValidationError
    ? error.recordErrors.map((recordError) => ({ batchIndex: recordError.batchIndex, batchIndexErrorMessage: recordError.message }))
    : [];
  return { index, errorCode, baseOffset: -1n, logAppendTimeMs: -1n, logStartOffset: -1n, recordErrors, errorMessage };
}

/** ProduceRequest.validateRecords: v3+ carries exactly one magic v2 batch; zstd needs v7+. */
function checkRecordsForVersion(records: Buffer | null, apiVersion: number): void {
  if (records === null || records.length < RECORD_BATCH_OVERHEAD) {
    throw new KafkaError(ErrorCode.CORRUPT_MESSAGE, 'Produce request carries no complete record batch');
  }
  if (apiVersion < 3) {
    // v0-2 carry magic 0/1 message sets; like Kafka 4 they are advertised but not served.
    throw new KafkaError(ErrorCode.UNSUPPORTED_VERSION, `Produce v${apiVersion} is advertised for old clients' probes only; use v3 or later`);
  }
  const header = new BatchHeader(records);
  if (header.sizeInBytes < records.length) {
    throw new KafkaError(ErrorCode.INVALID_RECORD, 'Produce v3+ must carry exactly one record batch per partition');
  }
  if (header.compression === CompressionType.zstd && apiVersion < 7) {
    throw new KafkaError(ErrorCode.UNSUPPORTED_COMPRESSION_TYPE, 'zstd needs Produce v7 or later');
  }
}
