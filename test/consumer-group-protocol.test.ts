/**
 * KIP-848 consumer groups end to end over real sockets: the raw client drives
 * ConsumerGroupHeartbeat the way a consumer does (join, acknowledge revocations, heartbeat), and
 * @platformatic/kafka consumes with groupProtocol 'consumer' (its ConsumerGroupHeartbeat support).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Admin, Consumer, MessagesStreamModes, ProduceAcks, Producer, stringDeserializers, stringSerializers } from '@platformatic/kafka';
import {
  consumerGroupDescribeRequest, consumerGroupDescribeResponse,
} from '../src/protocol/generated/consumer-group-describe.ts';
import {
  consumerGroupHeartbeatRequest, consumerGroupHeartbeatResponse, type ConsumerGroupHeartbeatResponse,
} from '../src/protocol/generated/consumer-group-heartbeat.ts';
import { findCoordinatorRequest, findCoordinatorResponse } from '../src/protocol/generated/find-coordinator.ts';
import { ErrorCode } from '../src/protocol/errors.ts';
import { api, KafkaApiClient } from './helpers/kafka-api-client.ts';
import { removeTempDir } from './helpers/temp-dir.ts';
import { startTestBroker, type TestBroker } from './helpers/test-broker.ts';
import { waitFor } from './helpers/wait-for.ts';

const HEARTBEAT = api(consumerGroupHeartbeatRequest, consumerGroupHeartbeatResponse);
const DESCRIBE = api(consumerGroupDescribeRequest, consumerGroupDescribeResponse);
const FIND_COORDINATOR = api(findCoordinatorRequest, findCoordinatorResponse);
const SESSION_TIMEOUT_MS = 3000;

let broker: TestBroker;

before(async () => {
  broker = await startTestBroker({
    'group.consumer.session.timeout.ms': String(SESSION_TIMEOUT_MS),
    'group.consumer.min.session.timeout.ms': '1000',
    'group.consumer.heartbeat.interval.ms': '200',
    'group.consumer.min.heartbeat.interval.ms': '100',
    'offsets.topic.num.partitions': '3',
  });
});

after(async () => {
  await broker?.close();
  if (broker) await removeTempDir(broker.dataDir);
});

async function createTopic(topic: string, partitions: number): Promise<void> {
  const admin = new Admin({ clientId: 'samsa-kip848-admin', bootstrapBrokers: [broker.bootstrap], retries: 2 });
  try {
    await admin.createTopics({ topics: [topic], partitions, replicas: 1 });
  } finally {
    await admin.close();
  }
}

async function findCoordinator(client: KafkaApiClient, groupId: string): Promise<void> {
  await waitFor(async () => {
    const response = await client.call(FIND_COORDINATOR, 4, { keyType: 0, coordinatorKeys: [groupId] });
    return response.coordinators?.[0]?.errorCode === ErrorCode.NONE;
  }, 20_000, { what: 'the group coordinator' });
}

/** A consumer's side of the protocol: full requests, owned partitions as acknowledged. */
class RawMember {
  memberId = '';
  memberEpoch = 0;
  owned: Array<{ topicId: string; partitions: number[] }> = [];
  readonly client: KafkaApiClient;
  readonly groupId: string;
  readonly topic: string;

  constructor(client: KafkaApiClient, groupId: string, topic: string) {
    this.client = client;
    this.groupId = groupId;
    this.topic = topic;
  }

  async heartbeat(): Promise<ConsumerGroupHeartbeatResponse> {
    const response = await this.client.call(HEARTBEAT, 0, {
      groupId: this.groupId, memberId: this.memberId, memberEpoch: this.memberEpoch, instanceId: null, rackId: null,
      rebalanceTimeoutMs: 10_000, subscribedTopicNames: [this.topic], serverAssignor: null,
      topicPartitions: this.memberEpoch === 0 ? [] : this.owned,
    });
    assert.equal(response.errorCode, ErrorCode.NONE, response.errorMessage ?? '');
    this.memberId = response.memberId ?? this.memberId;
    this.memberEpoch = response.memberEpoch;
    if (response.assignment !== null) this.owned = response.assignment.topicPartitions.map((t) => ({ topicId: t.topicId, partitions: [...t.partitions] }));
    return response;
  }

  partitions(): number[] {
    return this.owned.flatMap((t) => t.partitions).sort((a, b) => a - b);
  }
}

async function describeGroup(client: KafkaApiClient, groupId: string) {
  const response = await client.call(DESCRIBE, 0, { groupIds: [groupId], includeAuthorizedOperations: false });
  return response.groups[0]!;
}

async function settle(members: RawMember[], client: KafkaApiClient, groupId: string): Promise<void> {
  await waitFor(async () => {
    for (const member of members) await member.heartbeat();
    return (await describeGroup(client, groupId)).groupState === 'Stable';
  }, 20_000, { what: 'a stable group' });
}

test('raw ConsumerGroupHeartbeat: three members split six partitions, a fourth joins, a silent one is fenced', { timeout: 60_000 }, async () => {
  const topic = 'kip848-raw';
  const groupId = 'kip848-raw-group';
  await createTopic(topic, 6);
  const clients = await Promise.all(Array.from({ length: 4 }, () => KafkaApiClient.open(broker.host, broker.port)));
  try {
    await findCoordinator(clients[0]!, groupId);
    const members = clients.slice(0, 3).map((client) => new RawMember(client, groupId, topic));
    const first = await members[0]!.heartbeat();
    assert.ok(first.memberId !== null && first.memberId.length > 0, 'the coordinator hands out the member id');
    assert.equal(first.heartbeatIntervalMs, 200);
    await settle(members, clients[0]!, groupId);
    assert.deepEqual(members.map((m) => m.partitions().length), [2, 2, 2]);
    assert.deepEqual(members.flatMap((m) => m.partitions()).sort(), [0, 1, 2, 3, 4, 5]);

    const fourth = new RawMember(clients[3]!, groupId, topic);
    members.push(fourth);
    await fourth.heartbeat();
    await settle(members, clients[0]!, groupId);
    assert.deepEqual(members.map((m) => m.partitions().length).sort(), [1, 1, 2, 2]);
    const described = await describeGroup(clients[0]!, groupId);
    assert.equal(described.members.length, 4);
    assert.equal(described.assignorName, 'uniform');
    assert.equal(described.members[0]!.assignment.topicPartitions[0]?.topicName ?? topic, topic);
    assert.equal(described.authorizedOperations, -2147483648, 'not asked for');
    // Asked for, without an authorizer: every operation on a group, AclOperation READ (3), DELETE (6), DESCRIBE (8).
    const asked = await clients[0]!.call(DESCRIBE, 0, { groupIds: [groupId, 'no-such-kip848-group'], includeAuthorizedOperations: true });
    assert.deepEqual(asked.groups.map((g) => g.authorizedOperations), [(1 << 3) | (1 << 6) | (1 << 8), -2147483648]);

    // The fourth goes silent: after the session timeout the others share its partitions.
    const survivors = members.slice(0, 3);
    await waitFor(async () => {
      for (const member of survivors) await member.heartbeat();
      const group = await describeGroup(clients[0]!, groupId);
      return group.members.length === 3 && group.groupState === 'Stable';
    }, SESSION_TIMEOUT_MS * 5, { intervalMs: 200, what: 'the silent member fenced' });
    assert.deepEqual(survivors.map((m) => m.partitions().length), [2, 2, 2]);
    assert.deepEqual(survivors.flatMap((m) => m.partitions()).sort(), [0, 1, 2, 3, 4, 5]);

    // Leaving: epoch -1 removes the member at once.
    const leave = await clients[0]!.call(HEARTBEAT, 0, {
      groupId, memberId: survivors[0]!.memberId, memberEpoch: -1, instanceId: null, rackId: null, rebalanceTimeoutMs: -1,
      subscribedTopicNames: null, serverAssignor: null, topicPartitions: null,
    });
    assert.equal(leave.errorCode, ErrorCode.NONE);
    assert.equal((await describeGroup(clients[0]!, groupId)).members.length, 2);
    const stale = await clients[3]!.call(HEARTBEAT, 0, {
      groupId, memberId: fourth.memberId, memberEpoch: fourth.memberEpoch, instanceId: null, rackId: null, rebalanceTimeoutMs: -1,
      subscribedTopicNames: null, serverAssignor: null, topicPartitions: null,
    });
    assert.equal(stale.errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
  } finally {
    for (const client of clients) client.close();
  }
});

test('@platformatic/kafka with groupProtocol consumer: three consumers get two partitions each and read every record once', { timeout: 90_000 }, async () => {
  const topic = 'kip848-platformatic';
  const groupId = 'kip848-platformatic-group';
  const total = 120;
  await createTopic(topic, 6);
  const consumers = Array.from({ length: 3 }, (_, i) => new Consumer({
    clientId: `kip848-consumer-${i}`, groupId, groupProtocol: 'consumer', bootstrapBrokers: [broker.bootstrap],
    deserializers: stringDeserializers, autocommit: 200, rebalanceTimeout: 60_000,
  }));
  // value -> the consumers (by index) that read it, and whether it was read from a partition the consumer owned.
  const seen = new Map<string, number[]>();
  const streams = [];
  try {
    for (const [index, consumer] of consumers.entries()) {
      const stream = await consumer.consume({ topics: [topic], mode: MessagesStreamModes.EARLIEST, maxWaitTime: 200 });
      stream.on('data', (message) => { seen.set(message.value, [...(seen.get(message.value) ?? []), index]); });
      streams.push(stream);
    }
    const partitionsOf = (c: Consumer<string, string, string, string>) => (c.assignments ?? []).flatMap((a) => a.partitions);
    await waitFor(() => consumers.every((c) => partitionsOf(c).length === 2), 30_000, { what: 'two partitions per consumer' });
    assert.deepEqual(consumers.flatMap(partitionsOf).sort(), [0, 1, 2, 3, 4, 5]);
    const owner = new Map(consumers.flatMap((c, index) => partitionsOf(c).map((p) => [p, index] as const)));

    // Records produced once the group is settled: each must reach the owner of its partition, once.
    const producer = new Producer({ clientId: 'kip848-producer', bootstrapBrokers: [broker.bootstrap], serializers: stringSerializers, autocreateTopics: false });
    try {
      await producer.send({
        acks: ProduceAcks.ALL,
        messages: Array.from({ length: total }, (_, i) => ({ topic, key: `k${i}`, value: `v${i}`, partition: i % 6 })),
      });
    } finally {
      await producer.close();
    }
    await waitFor(() => seen.size === total, 60_000, { what: `${total} records consumed` });
    for (let i = 0; i < total; i++) assert.deepEqual(seen.get(`v${i}`), [owner.get(i % 6)], `v${i}`);
  } finally {
    for (const stream of streams) await stream.close().catch(() => undefined);
    for (const consumer of consumers) await consumer.close(true).catch(() => undefined);
  }
});

test('@platformatic/kafka with groupProtocol consumer: records already there are all read while the group forms (commits on revocation)', { timeout: 90_000 }, async () => {
  const topic = 'kip848-backlog';
  const groupId = 'kip848-backlog-group';
  const total = 300;
  await createTopic(topic, 6);
  const producer = new Producer({ clientId: 'kip848-producer', bootstrapBrokers: [broker.bootstrap], serializers: stringSerializers, autocreateTopics: false });
  try {
    await producer.send({ acks: ProduceAcks.ALL, messages: Array.from({ length: total }, (_, i) => ({ topic, key: `k${i}`, value: `v${i}`, partition: i % 6 })) });
  } finally {
    await producer.close();
  }
  const consumers = Array.from({ length: 3 }, (_, i) => new Consumer({
    clientId: `kip848-backlog-${i}`, groupId, groupProtocol: 'consumer', bootstrapBrokers: [broker.bootstrap],
    deserializers: stringDeserializers, autocommit: 100, rebalanceTimeout: 60_000,
  }));
  const seen = new Map<string, number>();
  const streams = [];
  try {
    for (const consumer of consumers) {
      const stream = await consumer.consume({ topics: [topic], mode: MessagesStreamModes.COMMITTED, fallbackMode: 'earliest', maxWaitTime: 200 });
      stream.on('data', (message) => { seen.set(message.value, (seen.get(message.value) ?? 0) + 1); });
      streams.push(stream);
    }
    await waitFor(() => seen.size === total, 60_000, { what: `${total} records consumed` });
    const duplicates = [...seen.values()].filter((n) => n > 1).length;
    // The client commits what it read before acknowledging a revocation, and the new owner starts at that commit.
    assert.equal(duplicates, 0, `${duplicates} records read more than once`);
  } finally {
    for (const stream of streams) await stream.close().catch(() => undefined);
    for (const consumer of consumers) await consumer.close(true).catch(() => undefined);
  }
});
