import { describeProducersRequest, describeProducersResponse } from '../../protocol/generated/describe-producers.ts';
import type { DescribeProducersResponsePartitionResponse } from '../../protocol/generated/describe-producers.ts';
import { ErrorCode, KafkaError } from '../../protocol/errors.ts';
import { lastSequenceOf } from '../../storage/producer-state/producer-state-entry.ts';
import { defineHandler, type RequestContext } from './handler.ts';
import { errorAnswer } from './error-code.ts';
import { TopicAuthorization } from '../security/request-authorization.ts';

/**
 * DescribeProducers (KIP-664, Kafka's ReplicaManager.activeProducerState): the producers the
 * partition's leader remembers, with their epoch, last sequence and timestamp, the coordinator
 * epoch of their last marker and where their open transaction starts (-1 when none). This is what
 * `transactions describe-producers`, find-hanging and abort read. As Kafka, each topic needs READ
 * (TOPIC_AUTHORIZATION_FAILED).
 */
export const describeProducersHandler = defineHandler({
  request: describeProducersRequest,
  response: describeProducersResponse,
  minVersion: 0,
  maxVersion: 0,
  handle(request, context) {
    const readable = TopicAuthorization.of(context, 'READ', request.topics.map((topic) => topic.name));
    const topics = request.topics.map((topic) => ({
      name: topic.name,
      partitions: topic.partitionIndexes.map((index) => describePartition(topic.name, index, context, readable)),
    }));
    return { throttleTimeMs: 0, topics };
  },
});

function describePartition(topic: string, index: number, context: RequestContext, readable: TopicAuthorization): DescribeProducersResponsePartitionResponse {
  try {
    readable.check(topic);
    if (context.broker.metadata.topic(topic) === undefined) throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Unknown topic ${topic}`);
    const partition = context.broker.replicaManager.leaderPartition(topic, index);
    const activeProducers = partition.log.transactions.producerState.activeProducers().map((entry) => ({
      producerId: BigInt(entry.producerId),
      producerEpoch: entry.producerEpoch,
      lastSequence: lastSequenceOf(entry),
      lastTimestamp: BigInt(entry.lastTimestamp),
      coordinatorEpoch: entry.coordinatorEpoch,
      currentTxnStartOffset: BigInt(entry.currentTxnFirstOffset),
    }));
    return { partitionIndex: index, errorCode: ErrorCode.NONE, errorMessage: null, activeProducers };
  } catch (error) {
    const { errorCode, errorMessage } = errorAnswer(error, context);
    return { partitionIndex: index, errorCode, errorMessage: errorMessage ?? null, activeProducers: [] };
  }
}
