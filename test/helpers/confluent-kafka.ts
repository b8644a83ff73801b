/**
 * @confluentinc/kafka-javascript (librdkafka 2.15), loaded from .test-clients/confluent where
 * scripts/install-test-deps.sh builds it: it is not a dependency of the project, so a plain import
 * would not find it. Only the KafkaJS-compatible API is used; its types are written here for what
 * the tests call, so type-checking does not depend on the client being installed.
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { REPO_ROOT } from './test-broker.ts';

export const CONFLUENT_CLIENT_DIR = join(REPO_ROOT, '.test-clients', 'confluent');

export type Codec = 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';

export interface ConfluentMessage {
  key?: string | Buffer | null;
  value: string | Buffer | null;
  partition?: number;
  headers?: Record<string, string | Buffer>;
  timestamp?: string;
}

export interface ConfluentProducer {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  send(record: { topic: string; messages: ConfluentMessage[] }): Promise<Array<{ topicName: string; partition: number; errorCode: number; baseOffset?: string }>>;
}

export interface ConsumedMessage {
  topic: string;
  partition: number;
  message: { key: Buffer | null; value: Buffer | null; headers?: Record<string, Buffer | Buffer[]>; timestamp: string; offset: string };
}

export interface ConfluentConsumer {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  subscribe(subscription: { topics: string[] }): Promise<void>;
  run(config: { eachMessage: (payload: ConsumedMessage) => Promise<void> }): Promise<void>;
  commitOffsets(offsets: Array<{ topic: string; partition: number; offset: string }>): Promise<void>;
}

/** librdkafka's ConsumerGroupStates. */
export const GroupState = { STABLE: 3, DEAD: 4, EMPTY: 5 } as const;

export interface ConfluentAdmin {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  createTopics(options: { topics: Array<{ topic: string; numPartitions?: number; configEntries?: Array<{ name: string; value: string }> }> }): Promise<boolean>;
  deleteTopics(options: { topics: string[] }): Promise<void>;
  listTopics(): Promise<string[]>;
  fetchTopicMetadata(options: { topics: string[]; includeAuthorizedOperations?: boolean }): Promise<Array<{
    name: string; partitions: Array<{ partitionId: number; leader: number }>; authorizedOperations?: number[];
  }>>;
  fetchTopicOffsets(topic: string): Promise<Array<{ partition: number; offset: string; high: string; low: string }>>;
  deleteTopicRecords(options: { topic: string; partitions: Array<{ partition: number; offset: string }> }): Promise<unknown>;
  listGroups(): Promise<{ groups: Array<{ groupId: string; protocolType: string; state: number }>; errors: unknown[] }>;
  describeGroups(groupIds: string[], options?: { includeAuthorizedOperations?: boolean }): Promise<{
    groups: Array<{ groupId: string; state: number; protocolType: string; members: Array<{ memberId: string; clientId: string }>; authorizedOperations?: number[] }>;
  }>;
  deleteGroups(groupIds: string[]): Promise<Array<{ groupId: string; errorCode?: number }>>;
  fetchOffsets(options: { groupId: string; topics?: string[] }): Promise<Array<{ topic: string; partitions: Array<{ partition: number; offset: string }> }>>;
}

export interface ConfluentKafka {
  producer(config: Record<string, unknown>): ConfluentProducer;
  consumer(config: Record<string, unknown>): ConfluentConsumer;
  admin(config?: Record<string, unknown>): ConfluentAdmin;
}

interface ConfluentModule {
  KafkaJS: { Kafka: new (config: Record<string, unknown>) => ConfluentKafka; logLevel: Record<string, number> };
  librdkafkaVersion: string;
}

/** The client module; throws, naming the install step, when it is not built. */
export function loadConfluentKafka(): ConfluentModule {
  const require = createRequire(join(CONFLUENT_CLIENT_DIR, 'package.json'));
  try {
    return require('@confluentinc/kafka-javascript') as ConfluentModule;
  } catch (error) {
    throw new Error(`@confluentinc/kafka-javascript is not built in ${CONFLUENT_CLIENT_DIR}: run bash scripts/install-test-deps.sh`, { cause: error });
  }
}

/** A KafkaJS-style client of `bootstrap` that logs only errors (librdkafka's own log is chatty). */
export function confluentKafka(bootstrap: string, clientId: string): ConfluentKafka {
  const { KafkaJS } = loadConfluentKafka();
  return new KafkaJS.Kafka({ kafkaJS: { brokers: [bootstrap], clientId, logLevel: KafkaJS.logLevel.ERROR } });
}
