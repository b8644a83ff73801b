import { listOffsetsRequest, listOffsetsResponse } from '../../protocol/generated/list-offsets.ts';
import type {
  ListOffsetsResponseListOffsetsPartitionResponse,
  ListOffsetsResponseListOffsetsTopicResponse,
} from '../../protocol/generated/list-offsets.ts';
import { ErrorCode, KafkaError } from '../../protocol/errors.ts';
import { decodeRecordBatch } from '../../protocol/records/record-batch.ts';
import type { Partition } from '../replica/partition.ts';
import { defineHandler, type RequestContext } from './handler.ts';
import { errorAnswer } from './error-code.ts';
import { checkLeaderEpoch } from './fetch.ts';
import { TopicAuthorization } from '../security/request-authorization.ts';

/** ListOffsetsRequest's special timestamps. */
const LATEST_TIMESTAMP = -1n;
const EARLIEST_TIMESTAMP = -2n;
const MAX_TIMESTAMP = -3n;
const EARLIEST_LOCAL_TIMESTAMP = -4n;
const LATEST_TIERED_TIMESTAMP = -5n;

/**
 * ListOffsets: the earliest (log start) and latest (high watermark, or last stable offset for
 * read_committed) offsets, the first offset whose timestamp is at or after a given time, and the
 * offset of the largest timestamp (v7+). As Kafka, each topic needs DESCRIBE (TOPIC_AUTHORIZATION_FAILED).
 */
export const listOffsetsHandler = defineHandler({
  request: listOffsetsRequest,
  response: listOffsetsResponse,
  minVersion: 1,
  maxVersion: 10,
  handle(request, context) {
    const describable = TopicAuthorization.of(context, 'DESCRIBE', request.topics.map((topic) => topic.name));
    const topics: ListOffsetsResponseListOffsetsTopicResponse[] = request.topics.map((topic) => ({
      name: topic.name,
      partitions: topic.partitions.map((requested): ListOffsetsResponseListOffsetsPartitionResponse => {
        const partitionIndex = requested.partitionIndex;
        try {
          describable.check(topic.name);
          const partition = context.broker.replicaManager.leaderPartition(topic.name, partitionIndex);
          // Only -1 means "no epoch" here (Kafka's ListOffsetsResponse.UNKNOWN_EPOCH): -2 is an epoch, and fenced.
          const currentLeaderEpoch = requested.currentLeaderEpoch ?? -1;
          checkLeaderEpoch(currentLeaderEpoch === -1 ? undefined : currentLeaderEpoch, partition);
          // read_committed sees up to the last stable offset (Kafka's lastFetchableOffset), others up to the high watermark.
          const visibleEnd = request.isolationLevel === 1 ? partition.lastStableOffset : partition.highWatermark;
          const found = offsetFor(partition, requested.timestamp, visibleEnd, context);
          return {
            partitionIndex,
            errorCode: ErrorCode.NONE,
            timestamp: BigInt(found.timestamp),
            offset: BigInt(found.offset),
            // The field exists from v4 and the codec refuses a non-default value before that.
            leaderEpoch: found.offset === -1 || context.apiVersion < 4 ? -1 : partition.leaderEpoch,
          };
        } catch (error) {
          const { errorCode } = errorAnswer(error, context);
          return { partitionIndex, errorCode, timestamp: -1n, offset: -1n, leaderEpoch: -1 };
        }
      }),
    }));
    return { throttleTimeMs: 0, topics };
  },
});

function offsetFor(partition: Partition, timestamp: bigint, visibleEnd: number, context: RequestContext): { offset: number; timestamp: number } {
  switch (timestamp) {
    case LATEST_TIMESTAMP:
      return { offset: visibleEnd, timestamp: -1 };
    // No tiered storage: the local log is the whole log, and nothing is tiered (Kafka answers -1).
    case LATEST_TIERED_TIMESTAMP:
      return { offset: -1, timestamp: -1 };
    case EARLIEST_TIMESTAMP:
    case EARLIEST_LOCAL_TIMESTAMP:
      return { offset: partition.logStartOffset, timestamp: -1 };
    case MAX_TIMESTAMP:
      if (context.apiVersion < 7) throw new KafkaError(ErrorCode.UNSUPPORTED_VERSION, 'max timestamp needs ListOffsets v7');
      const max = partition.log.maxTimestampAndOffset();
      // Nothing visible: an empty log, or one whose records were all deleted (DeleteRecords, retention).
      if (max.offset === -1 || max.offset < partition.logStartOffset || max.offset >= visibleEnd) return { offset: -1, timestamp: -1 };
      return recordIn(partition, max.offset, (recordTimestamp) => recordTimestamp === max.timestamp) ?? max;
    default: {
      if (timestamp < 0n) throw new KafkaError(ErrorCode.INVALID_REQUEST, `no special timestamp ${timestamp}`);
      const found = partition.log.offsetForTimestamp(Number(timestamp));
      // Only offsets below the high watermark (or last stable offset) are visible to consumers.
      if (found === undefined || found.offset >= visibleEnd) return { offset: -1, timestamp: -1 };
      return recordIn(partition, found.offset, (recordTimestamp) => recordTimestamp >= Number(timestamp)) ?? found;
    }
  }
}

/**
 * Storage answers timestamp questions per batch (it never decompresses). The exact record, the
 * first in the batch holding `offset` whose timestamp matches, needs the records themselves: a
 * full decode of that one batch, off the produce and fetch paths (KAFKA-16310 for max timestamp).
 */
function recordIn(partition: Partition, offset: number, matches: (timestamp: number) => boolean) {
  const { records } = partition.log.read(offset, 1, true);
  if (records.length === 0) return undefined;
  for (const record of decodeRecordBatch(records).records) {
    if (matches(record.timestamp)) return { offset: record.offset, timestamp: record.timestamp };
  }
  return undefined;
}
