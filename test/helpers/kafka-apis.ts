/**
 * The APIs the API tests speak, as codec pairs for KafkaApiClient, plus the few steps every one of
 * those tests repeats (create a topic, produce one batch, fetch a partition, list an offset), each
 * asserting nothing but returning what the broker answered.
 */
import { alterConfigsRequest, alterConfigsResponse } from '../../src/protocol/generated/alter-configs.ts';
import { alterPartitionReassignmentsRequest, alterPartitionReassignmentsResponse } from '../../src/protocol/generated/alter-partition-reassignments.ts';
import { alterReplicaLogDirsRequest, alterReplicaLogDirsResponse } from '../../src/protocol/generated/alter-replica-log-dirs.ts';
import { electLeadersRequest, electLeadersResponse } from '../../src/protocol/generated/elect-leaders.ts';
import { listPartitionReassignmentsRequest, listPartitionReassignmentsResponse } from '../../src/protocol/generated/list-partition-reassignments.ts';
import { createPartitionsRequest, createPartitionsResponse } from '../../src/protocol/generated/create-partitions.ts';
import { createTopicsRequest, createTopicsResponse } from '../../src/protocol/generated/create-topics.ts';
import type { CreateTopicsResponseCreatableTopicResult } from '../../src/protocol/generated/create-topics.ts';
import { deleteRecordsRequest, deleteRecordsResponse } from '../../src/protocol/generated/delete-records.ts';
import { deleteTopicsRequest, deleteTopicsResponse } from '../../src/protocol/generated/delete-topics.ts';
import { describeClusterRequest, describeClusterResponse } from '../../src/protocol/generated/describe-cluster.ts';
import { describeLogDirsRequest, describeLogDirsResponse } from '../../src/protocol/generated/describe-log-dirs.ts';
import { describeConfigsRequest, describeConfigsResponse } from '../../src/protocol/generated/describe-configs.ts';
import { fetchRequest, fetchResponse } from '../../src/protocol/generated/fetch.ts';
import type { FetchRequest, FetchResponsePartitionData } from '../../src/protocol/generated/fetch.ts';
import { incrementalAlterConfigsRequest, incrementalAlterConfigsResponse } from '../../src/protocol/generated/incremental-alter-configs.ts';
import { listOffsetsRequest, listOffsetsResponse } from '../../src/protocol/generated/list-offsets.ts';
import type { ListOffsetsResponseListOffsetsPartitionResponse } from '../../src/protocol/generated/list-offsets.ts';
import { metadataRequest, metadataResponse } from '../../src/protocol/generated/metadata.ts';
import { offsetForLeaderEpochRequest, offsetForLeaderEpochResponse } from '../../src/protocol/generated/offset-for-leader-epoch.ts';
import { produceRequest, produceResponse } from '../../src/protocol/generated/produce.ts';
import type { ProduceResponsePartitionProduceResponse } from '../../src/protocol/generated/produce.ts';
import { buildRecordBatch, type RecordBatchOptions } from '../../src/protocol/records/record-batch-builder.ts';
import { decodeRecordBatches, type RecordBatch } from '../../src/protocol/records/record-batch.ts';
import { api, type KafkaApiClient } from './kafka-api-client.ts';

export const Api = {
  produce: api(produceRequest, produceResponse),
  fetch: api(fetchRequest, fetchResponse),
  listOffsets: api(listOffsetsRequest, listOffsetsResponse),
  metadata: api(metadataRequest, metadataResponse),
  offsetForLeaderEpoch: api(offsetForLeaderEpochRequest, offsetForLeaderEpochResponse),
  createTopics: api(createTopicsRequest, createTopicsResponse),
  deleteTopics: api(deleteTopicsRequest, deleteTopicsResponse),
  deleteRecords: api(deleteRecordsRequest, deleteRecordsResponse),
  createPartitions: api(createPartitionsRequest, createPartitionsResponse),
  describeCluster: api(describeClusterRequest, describeClusterResponse),
  describeConfigs: api(describeConfigsRequest, describeConfigsResponse),
  describeLogDirs: api(describeLogDirsRequest, describeLogDirsResponse),
  alterReplicaLogDirs: api(alterReplicaLogDirsRequest, alterReplicaLogDirsResponse),
  alterConfigs: api(alterConfigsRequest, alterConfigsResponse),
  incrementalAlterConfigs: api(incrementalAlterConfigsRequest, incrementalAlterConfigsResponse),
  alterPartitionReassignments: api(alterPartitionReassignmentsRequest, alterPartitionReassignmentsResponse),
  listPartitionReassignments: api(listPartitionReassignmentsRequest, listPartitionReassignmentsResponse),
  electLeaders: api(electLeadersRequest, electLeadersResponse),
} as const;

/** DescribeConfigs / AlterConfigs resource types. */
export const ResourceType = { TOPIC: 2, BROKER: 4 } as const;

/** CreateTopics v7 for one topic; returns that topic's result. */
export async function createTopic(
  client: KafkaApiClient,
  name: string,
  { numPartitions = 1, replicationFactor = 1, configs = {}, validateOnly = false, version = 7 }: {
    numPartitions?: number; replicationFactor?: number; configs?: Record<string, string>; validateOnly?: boolean; version?: number;
  } = {},
): Promise<CreateTopicsResponseCreatableTopicResult> {
  const response = await client.call(Api.createTopics, version, {
    topics: [{
      name, numPartitions, replicationFactor, assignments: [],
      configs: Object.entries(configs).map(([key, value]) => ({ name: key, value })),
    }],
    timeoutMs: 10_000,
    validateOnly,
  });
  const result = response.topics[0];
  if (result === undefined || response.topics.length !== 1) throw new Error('CreateTopics answered for no topic or several');
  return result;
}

/** Values as one uncompressed CreateTime batch, every record stamped `timestamp` unless given per value. */
export function batchOf(values: readonly string[], timestamp = Date.now(), options: RecordBatchOptions = {}): Buffer {
  return buildRecordBatch(values.map((value, i) => ({
    key: Buffer.from(`key-${i}`), value: Buffer.from(value), timestamp,
  })), options);
}

/** Produce (v9 by default) of one partition's record set; returns that partition's answer. */
export async function produce(
  client: KafkaApiClient,
  topic: string,
  partition: number,
  records: Buffer,
  { acks = -1, version = 9 }: { acks?: number; version?: number } = {},
): Promise<ProduceResponsePartitionProduceResponse> {
  const response = await client.call(Api.produce, version, {
    transactionalId: null, acks, timeoutMs: 10_000, topicData: [{ name: topic, partitionData: [{ index: partition, records }] }],
  });
  const answer = response.responses[0]?.partitionResponses[0];
  if (answer === undefined) throw new Error('Produce answered for no partition');
  return answer;
}

/** A Fetch request body for one partition of a topic (by name; pass topicId for v13+). */
export function fetchBody(
  {
    topic, topicId, partition = 0, fetchOffset = 0n, maxWaitMs = 0, minBytes = 1, maxBytes = 0x7fffffff, partitionMaxBytes = 1024 * 1024,
    currentLeaderEpoch = -1,
  }: {
    topic?: string; topicId?: string; partition?: number; fetchOffset?: bigint; maxWaitMs?: number; minBytes?: number;
    maxBytes?: number; partitionMaxBytes?: number; currentLeaderEpoch?: number;
  },
): FetchRequest {
  return {
    replicaId: -1, maxWaitMs, minBytes, maxBytes, isolationLevel: 0, sessionId: 0, sessionEpoch: -1,
    topics: [{ topic, topicId, partitions: [{ partition, currentLeaderEpoch, fetchOffset, logStartOffset: -1n, partitionMaxBytes }] }],
    forgottenTopicsData: [], rackId: '',
  };
}

/** The one partition of a one-partition Fetch response. */
export function onlyPartition(response: { responses: Array<{ partitions: FetchResponsePartitionData[] }> }): FetchResponsePartitionData {
  const partition = response.responses[0]?.partitions[0];
  if (partition === undefined || response.responses.length !== 1 || response.responses[0]!.partitions.length !== 1) {
    throw new Error('Fetch answered for no partition or several');
  }
  return partition;
}

/** The whole batches of a fetched partition (a truncated tail is dropped, as consumers do). */
export function batchesOf(partition: FetchResponsePartitionData): RecordBatch[] {
  return decodeRecordBatches(partition.records ?? Buffer.alloc(0), { allowTruncatedTail: true });
}

/** ListOffsets for one partition at `timestamp` (-1 latest, -2 earliest, -3 max timestamp). */
export async function listOffset(
  client: KafkaApiClient,
  topic: string,
  timestamp: bigint,
  { version = 7, partition = 0, currentLeaderEpoch = -1 }: { version?: number; partition?: number; currentLeaderEpoch?: number } = {},
): Promise<ListOffsetsResponseListOffsetsPartitionResponse> {
  const response = await client.call(Api.listOffsets, version, {
    replicaId: -1, isolationLevel: 0, timeoutMs: 0,
    topics: [{ name: topic, partitions: [{ partitionIndex: partition, currentLeaderEpoch, timestamp }] }],
  });
  const answer = response.topics[0]?.partitions[0];
  if (answer === undefined) throw new Error('ListOffsets answered for no partition');
  return answer;
}

/** DeleteRecords (v2) of one partition below `offset`; returns that partition's answer. */
export async function deleteRecordsBefore(client: KafkaApiClient, topic: string, offset: bigint, { partition = 0, version = 2 } = {}) {
  const response = await client.call(Api.deleteRecords, version, { topics: [{ name: topic, partitions: [{ partitionIndex: partition, offset }] }], timeoutMs: 10_000 });
  const answer = response.topics[0]?.partitions[0];
  if (answer === undefined) throw new Error('DeleteRecords answered for no partition');
  return answer;
}

/** Metadata v12 for the given topic names (null: all topics). */
export async function metadata(
  client: KafkaApiClient,
  names: string[] | null,
  { version = 12, allowAutoTopicCreation = true }: { version?: number; allowAutoTopicCreation?: boolean } = {},
) {
  return client.call(Api.metadata, version, {
    topics: names === null ? null : names.map((name) => ({ name })),
    allowAutoTopicCreation,
    includeClusterAuthorizedOperations: false,
    includeTopicAuthorizedOperations: false,
  });
}
