/**
 * The leader's side of replication on the wire, against one real broker that the tests make the
 * leader (or a follower) of a partition with LeaderAndIsr, as the controller will: acks=all waits
 * for a follower's Fetch (replica id) past the records, consumers see only the replicated part,
 * the follower reads the tail; a broker that no longer leads steers producers and consumers to the
 * new leader; stale controller epochs are refused. The follower here is this test, fetching with
 * raw requests.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Kafka, logLevel } from 'kafkajs';
import { ErrorCode } from '../src/protocol/errors.ts';
import { leaderAndIsrRequest, leaderAndIsrResponse, type LeaderAndIsrRequest } from '../src/protocol/generated/leader-and-isr.ts';
import { stopReplicaRequest, stopReplicaResponse } from '../src/protocol/generated/stop-replica.ts';
import { Api, batchOf, batchesOf, createTopic, fetchBody, onlyPartition, produce } from './helpers/kafka-apis.ts';
import { api } from './helpers/kafka-api-client.ts';
import { apiTestBroker } from './helpers/api-test-broker.ts';

const broker = apiTestBroker({ 'node.id': '1', 'broker.id': '1' });
const LeaderAndIsr = api(leaderAndIsrRequest, leaderAndIsrResponse);
const StopReplica = api(stopReplicaRequest, stopReplicaResponse);

function leaderAndIsr(topic: string, topicId: string, state: { leader: number; leaderEpoch: number; isr: number[]; replicas: number[] }, controllerEpoch = 1): LeaderAndIsrRequest {
  return {
    controllerId: 1, controllerEpoch, brokerEpoch: -1n, type: 0,
    topicStates: [{ topicName: topic, topicId, partitionStates: [{ partitionIndex: 0, controllerEpoch, partitionEpoch: state.leaderEpoch, isNew: false, ...state }] }],
    liveLeaders: [{ brokerId: 2, hostName: '127.0.0.1', port: 1 }],
  };
}

/** A follower's Fetch (v12: replica id in the header of the body, last fetched epoch). */
async function followerFetch(topic: string, fetchOffset: bigint, replicaId = 2, maxWaitMs = 0) {
  const body = { ...fetchBody({ topic, fetchOffset, currentLeaderEpoch: 1, maxWaitMs }), replicaId };
  return onlyPartition(await broker.client.call(Api.fetch, 12, body));
}

test('acks=all from KafkaJS is answered once the follower fetched past the records; consumers see them only then', async () => {
  const { client } = broker;
  const { topicId } = await createTopic(client, 'replicated');
  const answer = await client.call(LeaderAndIsr, 7, leaderAndIsr('replicated', topicId!, { leader: 1, leaderEpoch: 1, isr: [1, 2], replicas: [1, 2] }));
  assert.deepEqual(answer.topics?.[0]?.partitionErrors.map((p) => p.errorCode), [ErrorCode.NONE]);

  const kafka = new Kafka({ clientId: 'replication-test', brokers: [`${broker.broker.host}:${broker.broker.port}`], logLevel: logLevel.NOTHING });
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  try {
    let acknowledged = false;
    const sending = producer.send({ topic: 'replicated', acks: -1, timeout: 20_000, messages: [{ value: 'one' }, { value: 'two' }] })
      .then((result) => { acknowledged = true; return result; });

    // The follower's first fetch (a long poll, woken by the append) brings the records: read up to the log end, past the high watermark.
    const fetched = await followerFetch('replicated', 0n, 2, 15_000);
    assert.equal(fetched.errorCode, ErrorCode.NONE);
    assert.deepEqual(batchesOf(fetched).flatMap((b) => b.records.map((r) => r.value?.toString())), ['one', 'two']);
    assert.equal(fetched.highWatermark, 0n, 'nothing is replicated yet');
    assert.equal(acknowledged, false);
    const consumerView = onlyPartition(await broker.client.call(Api.fetch, 12, fetchBody({ topic: 'replicated' })));
    assert.equal(consumerView.records?.length ?? 0, 0, 'a consumer sees nothing above the high watermark');

    // Its next fetch says it holds both: the high watermark moves and the producer is answered.
    const next = await followerFetch('replicated', 2n);
    assert.equal(next.highWatermark, 2n);
    const [result] = await sending;
    assert.equal(result!.errorCode, 0);
    assert.equal(result!.baseOffset, '0');
    const consumed = onlyPartition(await broker.client.call(Api.fetch, 12, fetchBody({ topic: 'replicated' })));
    assert.deepEqual(batchesOf(consumed).flatMap((b) => b.records.map((r) => r.value?.toString())), ['one', 'two']);
  } finally {
    await producer.disconnect();
  }
});

test('a broker that stops leading answers NOT_LEADER_OR_FOLLOWER with the new leader (Produce v10+, a replica\'s Fetch v12+; a consumer\'s Fetch before v11); a fetch from a replica the leader does not know is UNKNOWN_LEADER_EPOCH', async () => {
  const { client } = broker;
  const { topicId } = await createTopic(client, 'moved');
  await client.call(LeaderAndIsr, 7, leaderAndIsr('moved', topicId!, { leader: 2, leaderEpoch: 4, isr: [2, 1], replicas: [2, 1] }));

  const produced = await produce(client, 'moved', 0, batchOf(['x']), { version: 10 });
  assert.equal(produced.errorCode, ErrorCode.NOT_LEADER_OR_FOLLOWER);
  assert.deepEqual(produced.currentLeader, { leaderId: 2, leaderEpoch: 4 });
  // A replica's fetch must go to the leader. (A consumer's Fetch v11+ may read from a follower,
  // KIP-392; before v11 it gets NOT_LEADER_OR_FOLLOWER, with no field for the leader.)
  const fetched = onlyPartition(await client.call(Api.fetch, 12, { ...fetchBody({ topic: 'moved', currentLeaderEpoch: 4 }), replicaId: 3 }));
  assert.equal(fetched.errorCode, ErrorCode.NOT_LEADER_OR_FOLLOWER);
  assert.deepEqual(fetched.currentLeader, { leaderId: 2, leaderEpoch: 4 });
  const consumerV10 = onlyPartition(await client.call(Api.fetch, 10, fetchBody({ topic: 'moved' })));
  assert.equal(consumerV10.errorCode, ErrorCode.NOT_LEADER_OR_FOLLOWER);
  const old = await produce(client, 'moved', 0, batchOf(['x']), { version: 9 });
  assert.equal(old.errorCode, ErrorCode.NOT_LEADER_OR_FOLLOWER);

  const { topicId: ledId } = await createTopic(client, 'led-alone');
  await client.call(LeaderAndIsr, 7, leaderAndIsr('led-alone', ledId!, { leader: 1, leaderEpoch: 1, isr: [1], replicas: [1] }));
  assert.equal((await followerFetch('led-alone', 0n, 7)).errorCode, ErrorCode.UNKNOWN_LEADER_EPOCH, 'a replica this leader does not know retries');
});

test('LeaderAndIsr and StopReplica from an older controller are refused with STALE_CONTROLLER_EPOCH for every partition', async () => {
  const { client } = broker;
  const { topicId } = await createTopic(client, 'fenced');
  await client.call(LeaderAndIsr, 7, leaderAndIsr('fenced', topicId!, { leader: 1, leaderEpoch: 1, isr: [1], replicas: [1] }, 9));
  const stale = await client.call(LeaderAndIsr, 7, leaderAndIsr('fenced', topicId!, { leader: 1, leaderEpoch: 2, isr: [1], replicas: [1] }, 8));
  assert.equal(stale.errorCode, ErrorCode.STALE_CONTROLLER_EPOCH);
  assert.deepEqual(stale.topics?.[0]?.partitionErrors.map((p) => p.errorCode), [ErrorCode.STALE_CONTROLLER_EPOCH]);
  const repeated = await client.call(LeaderAndIsr, 7, leaderAndIsr('fenced', topicId!, { leader: 1, leaderEpoch: 1, isr: [1], replicas: [1] }, 9));
  assert.deepEqual(repeated.topics?.[0]?.partitionErrors.map((p) => p.errorCode), [ErrorCode.STALE_CONTROLLER_EPOCH], 'an epoch already applied');

  const stopped = await client.call(StopReplica, 3, {
    controllerId: 1, controllerEpoch: 8, brokerEpoch: -1n,
    topicStates: [{ topicName: 'fenced', partitionStates: [{ partitionIndex: 0, leaderEpoch: 1, deletePartition: false }] }],
  });
  assert.equal(stopped.errorCode, ErrorCode.STALE_CONTROLLER_EPOCH);
  assert.equal((await produce(client, 'fenced', 0, batchOf(['still here']))).errorCode, ErrorCode.NONE);
});
