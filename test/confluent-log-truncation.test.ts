/**
 * librdkafka (2.1+, KIP-320) validates its fetch position when a partition's leader epoch moves:
 * it asks OffsetForLeaderEpoch where the epoch of the last record it read ended, and when that is
 * below its position the log was truncated under it (a failover that lost an unreplicated tail), so
 * it seeks back to that end offset instead of waiting past the new leader's end. This test makes
 * the single broker play that failover: its log loses a tail the consumer has read, the leader epoch
 * moves on (as the controller's LeaderAndIsr will), and new records are written in the new epoch.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode } from '../src/protocol/errors.ts';
import { apiTestBroker } from './helpers/api-test-broker.ts';
import { confluentKafka } from './helpers/confluent-kafka.ts';
import { batchOf, createTopic, produce } from './helpers/kafka-apis.ts';
import { waitFor } from './helpers/wait-for.ts';

const api = apiTestBroker();
const TOPIC = 'confluent-truncated';

test('a librdkafka consumer whose log was truncated under it resumes at the end of its epoch on the new leader', { timeout: 120_000 }, async () => {
  assert.equal((await createTopic(api.client, TOPIC)).errorCode, ErrorCode.NONE);
  // Two batches, so that the log can be cut between them (truncation removes whole batches).
  assert.equal((await produce(api.client, TOPIC, 0, batchOf(['a', 'b']))).errorCode, ErrorCode.NONE);
  assert.equal((await produce(api.client, TOPIC, 0, batchOf(['c', 'd', 'e']))).errorCode, ErrorCode.NONE);
  const consumer = confluentKafka(api.broker.bootstrap, 'samsa-truncation').consumer({ kafkaJS: { groupId: 'truncation-readers', fromBeginning: true, autoCommit: false } });
  const read: Array<[number, string]> = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [TOPIC] });
    await consumer.run({ eachMessage: async ({ message }) => { read.push([Number(message.offset), message.value?.toString() ?? '']); } });
    await waitFor(() => read.length === 5, 60_000, { what: 'the first five records' });

    // The failover: offsets 2-4 (epoch 0) are lost, the new leader's epoch is 1 and it writes x, y at 2-3.
    api.broker.replicaManager.partition(TOPIC, 0)!.log.truncateTo(2);
    api.broker.replicaManager.makeLeader(TOPIC, 0, 1);
    assert.equal((await produce(api.client, TOPIC, 0, batchOf(['x', 'y']))).errorCode, ErrorCode.NONE);

    await waitFor(() => read.length >= 7, 60_000, { what: 'the records of the new epoch' });
    // Without the validation the consumer's fetch at 5 is out of range and it starts over from the
    // beginning (a, b again); with it, it seeks to 2, where epoch 0 ended, and reads x, y.
    assert.deepEqual(read.slice(5), [[2, 'x'], [3, 'y']]);
  } finally {
    await consumer.disconnect();
  }
});
