import { produceRequest, produceResponse } from '../../protocol/generated/produce.ts';
import type {
  ProduceRequest,
  ProduceResponse,
  ProduceResponsePartitionProduceResponse,
  ProduceResponseTopicProduceResponse,
} from '../../protocol/generated/produce.ts';
import { APPEND_DONE } from '../replica/delayed-produce.ts';
import { ErrorCode, KafkaError } from '../../protocol/errors.ts';
import { BatchHeader, CompressionType, RECORD_BATCH_OVERHEAD } from '../../protocol/records/batch-header.ts';
import { RecordValidationError } from '../../protocol/records/batch-validator.ts';
import { defineHandler, type RequestContext } from './handler.ts';
import { errorAnswer } from './error-code.ts';
import { InvalidRequestError } from '../request-dispatcher.ts';
import { TransactionVerifier } from '../replica/transaction-verification.ts';
import { authorize } from '../security/authorize.ts';
import { TopicAuthorization } from '../security/request-authorization.ts';
import type { TopicCounts } from '../../metrics/broker-topic-metrics.ts';

/**
 * Produce: validate each partition's batches once, append them (the log assigns offsets by
 * patching the producer's bytes) and answer with the base offset once each append's acks are
 * satisfied (ReplicaManager.appendRecords' completion): acks=1 once appended and any fsync the
 * topic's flush policy asked for has ended (off the event loop, so only this request waits; a
 * failed one answers KAFKA_STORAGE_ERROR); acks=-1 once the in-sync replicas hold the records, at
 * once on a leader alone. A broker that does not lead a partition answers NOT_LEADER_OR_FOLLOWER
 * with the leader it knows of (v10+: currentLeader and its endpoint), so clients move without a
 * metadata round trip. v0-2 are advertised because librdkafka 2.0.2 only compresses when Produce
 * v0 is in range (KAFKA-18659); requests at those versions are refused per partition with
 * UNSUPPORTED_VERSION.
 *
 * Authorization as Kafka's handleProduceRequest: transactional batches need WRITE on the
 * transactional id (else the whole request is TRANSACTIONAL_ID_AUTHORIZATION_FAILED and nothing is
 * written), and each topic WRITE (TOPIC_AUTHORIZATION_FAILED for its partitions, checked before
 * whether it exists). Idempotent batches need nothing more: Kafka 3.x checks IDEMPOTENT_WRITE (or
 * WRITE on some topic) once, at InitProducerId.
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
    if (hasTransactionalRecords(request)) {
      // Kafka authorizes a transactional write by its transactional id (WRITE): none given, none authorized.
      const transactionalId = request.transactionalId ?? null;
      if (transactionalId === null || !authorize(context, 'WRITE', 'TRANSACTIONAL_ID', transactionalId)) {
        return everyPartitionFailed(request, ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
      }
    }
    const writable = TopicAuthorization.of(context, 'WRITE', request.topicData.map((topic) => topic.name));
    const responses: ProduceResponseTopicProduceResponse[] = [];
    const waits: Promise<void>[] = [];
    const leaders = new Set<number>();
    let anyError = false;
    for (const topic of request.topicData) {
      const partitionResponses: ProduceResponsePartitionProduceResponse[] = [];
      for (const partition of topic.partitionData) {
        const { answer, completion } = producePartition(topic.name, partition.index, partition.records, acks, request.timeoutMs, request.transactionalId ?? null, context, writable);
        if (answer.errorCode !== ErrorCode.NONE) {
          anyError = true;
          noteLeader(answer, leaders);
        }
        partitionResponses.push(answer);
        if (completion !== undefined && completion !== APPEND_DONE) {
          waits.push(completion.catch((error: unknown) => {
            Object.assign(answer, failedAnswer(topic.name, answer.index, error, context));
            noteLeader(answer, leaders);
          }));
        }
      }
      responses.push({ name: topic.name, partitionResponses });
    }
    if (acks === 0) {
      // Kafka sends nothing for acks=0; on an error it closes the connection so the client notices.
      if (anyError) {
        // Kafka counts the errors of the answer it does not send (RequestChannel.closeConnection).
        context.broker.metrics?.requestErrors.responded(produceRequest.apiKey, { responses, throttleTimeMs: 0 });
        throw new InvalidRequestError('acks=0 produce failed; closing the connection as Kafka does');
      }
      return null;
    }
    const respond = (): ProduceResponse => {
      const response: ProduceResponse = { responses, throttleTimeMs: 0 };
      if (leaders.size > 0) response.nodeEndpoints = context.broker.replicaManager.nodeEndpoints(leaders, context.listenerName);
      return response;
    };
    return waits.length === 0 ? respond() : Promise.all(waits).then(respond);
  },
});

function producePartition(
  topic: string,
  index: number,
  records: Buffer | null,
  acks: number,
  timeoutMs: number,
  transactionalId: string | null,
  context: RequestContext,
  writable: TopicAuthorization,
): { answer: ProduceResponsePartitionProduceResponse; completion?: Promise<void> } {
  // Kafka's BrokerTopicMetrics, counted per batch once the request reaches the log (as appendToLocalLog does).
  const topicMetrics = context.broker.metrics?.brokerTopics;
  let counted: TopicCounts | undefined;
  try {
    // Before anything about the topic, even whether it exists (Kafka's order).
    writable.check(topic);
    if (acks !== 0 && acks !== 1 && acks !== -1) {
      throw new KafkaError(ErrorCode.INVALID_REQUIRED_ACKS, `acks must be -1, 0 or 1, not ${acks}`);
    }
    const { broker } = context;
    if (broker.metadata.topic(topic) === undefined) {
      throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Unknown topic ${topic}`);
    }
    if (topicMetrics !== undefined) topicMetrics.produceAttempted((counted = topicMetrics.topic(topic)));
    checkRecordsForVersion(records, context.apiVersion);
    const append = (requireVerification: boolean) => {
      const result = broker.replicaManager.appendRecords(topic, index, records!, acks as -1 | 0 | 1, timeoutMs, { requireVerification });
      if (counted !== undefined) topicMetrics!.appended(counted, result.lastOffset - result.baseOffset + 1, records!.length);
      const appended = { baseOffset: BigInt(result.baseOffset), logAppendTimeMs: BigInt(result.logAppendTimeMs), logStartOffset: BigInt(result.logStartOffset) };
      return { appended, completion: result.completion };
    };
    const verifier = broker.config.transactionPartitionVerificationEnable && transactionalId !== null ? broker.transactionVerifier : undefined;
    const batch = new BatchHeader(records!);
    if (verifier === undefined || !batch.isTransactional) {
      const { appended, completion } = append(false);
      return { answer: { index, errorCode: ErrorCode.NONE, ...appended }, completion };
    }
    const partition = broker.replicaManager.leaderPartition(topic, index);
    if (!TransactionVerifier.needed(partition, batch)) {
      const { appended, completion } = append(true);
      return { answer: { index, errorCode: ErrorCode.NONE, ...appended }, completion };
    }
    // KIP-890: the first batch of a transaction on this partition waits for its coordinator's word.
    const answer: ProduceResponsePartitionProduceResponse = { index, errorCode: ErrorCode.NONE, baseOffset: -1n, logAppendTimeMs: -1n, logStartOffset: -1n };
    const completion = verifier.verify(transactionalId!, partition, batch, context.apiVersion >= FIRST_ABORTABLE_VERSION).then(() => {
      const { appended, completion: appendCompletion } = append(true);
      Object.assign(answer, appended);
      return appendCompletion;
    });
    return { answer, completion };
  } catch (error) {
    const answer = failedAnswer(topic, index, error, context);
    if (counted !== undefined) topicMetrics!.produceFailed(counted, answer.errorCode, records?.length ?? 0);
    return { answer };
  }
}

function failedAnswer(topic: string, index: number, error: unknown, context: RequestContext): ProduceResponsePartitionProduceResponse {
  const { errorCode, errorMessage } = errorAnswer(error, context);
  // v8+: the records that failed validation, so a client fails exactly those (Kafka's recordErrors).
  const recordErrors = error instanceof RecordValidationError
    ? error.recordErrors.map((recordError) => ({ batchIndex: recordError.batchIndex, batchIndexErrorMessage: recordError.message }))
    : [];
  const answer: ProduceResponsePartitionProduceResponse = { index, errorCode, baseOffset: -1n, logAppendTimeMs: -1n, logStartOffset: -1n, recordErrors, errorMessage };
  if (errorCode === ErrorCode.NOT_LEADER_OR_FOLLOWER && context.apiVersion >= FIRST_CURRENT_LEADER_VERSION) {
    const leader = context.broker.replicaManager.currentLeader(topic, index);
    if (leader !== undefined) answer.currentLeader = { leaderId: leader.leaderId, leaderEpoch: leader.leaderEpoch };
  }
  return answer;
}

function hasTransactionalRecords(request: ProduceRequest): boolean {
  return request.topicData.some((topic) => topic.partitionData.some(({ records }) =>
    records !== null && records.length >= RECORD_BATCH_OVERHEAD && new BatchHeader(records).isTransactional));
}

function everyPartitionFailed(request: ProduceRequest, errorCode: number): ProduceResponse {
  const responses = request.topicData.map((topic) => ({
    name: topic.name,
    partitionResponses: topic.partitionData.map(({ index }) => ({ index, errorCode, baseOffset: -1n, logAppendTimeMs: -1n, logStartOffset: -1n })),
  }));
  return { responses, throttleTimeMs: 0 };
}

/** KIP-890: Produce v11 clients know TRANSACTION_ABORTABLE. */
const FIRST_ABORTABLE_VERSION = 11;

/** KIP-951: Produce v10+ answers NOT_LEADER_OR_FOLLOWER with the leader and its endpoint. */
const FIRST_CURRENT_LEADER_VERSION = 10;

function noteLeader(answer: ProduceResponsePartitionProduceResponse, leaders: Set<number>): void {
  if (answer.currentLeader !== undefined && answer.currentLeader.leaderId >= 0) leaders.add(answer.currentLeader.leaderId);
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
