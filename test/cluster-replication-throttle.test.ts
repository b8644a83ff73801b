/**
 * Replication throttles honoured while a partition moves (Kafka's leader/follower
 * .replication.throttled.rate with the topics' .replication.throttled.replicas, set as dynamic
 * configs, the way kafka-reassign-partitions --throttle sets them): a 200 MB partition copied to a
 * new replica at 20 MB/s. The rate is read as a user would watch it, from the growth of the new
 * replica's log files between 20% and 80% of the way (so the move's start-up is not counted).
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Producer } from '../src/client/index.ts';
import { ErrorCode } from '../src/protocol/errors.ts';
import { CLUSTER_WAIT_MS, startCluster } from './helpers/cluster.ts';
import { KafkaApiClient, type ApiCodecs } from './helpers/kafka-api-client.ts';
import { Api } from './helpers/kafka-apis.ts';
import { waitFor } from './helpers/wait-for.ts';

const cluster = await startCluster({ brokers: 2 });
after(() => cluster.close());

const TOPIC = 'throttled';
const BYTES = 200 * 1024 * 1024;
const RATE = 20 * 1024 * 1024;

/** The bytes of the partition's .log files on a broker (0 while it has none). */
function logBytes(brokerId: number): number {
  const dir = join(cluster.broker(brokerId).logDir, `${TOPIC}-0`);
  try {
    return readdirSync(dir).filter((f) => f.endsWith('.log')).reduce((sum, f) => sum + statSync(join(dir, f)).size, 0);
  } catch {
    return 0;
  }
}

async function call<Req, Res>(brokerId: number, codecs: ApiCodecs<Req, Res>, body: Req, version = 0): Promise<Res> {
  const client = await KafkaApiClient.open('127.0.0.1', cluster.broker(brokerId).port);
  try {
    return await client.call(codecs, version, body);
  } finally {
    client.close();
  }
}

test('a throttled reassignment of a 200 MB partition moves at the set rate (within 20%)', { timeout: 240_000 }, async (t) => {
  await cluster.createTopic({ topic: TOPIC, replicaAssignment: [{ partition: 0, replicas: [1] }] });
  const producer = new Producer({ bootstrapServers: cluster.bootstrapServers, batchSize: 1_000_000, lingerMs: 5, acks: 1 });
  const value = Buffer.alloc(100_000, 7);
  for (let sent = 0; sent < BYTES; sent += 100 * value.length) {
    await producer.sendBatch(Array.from({ length: 100 }, () => ({ topic: TOPIC, partition: 0, value })));
  }
  await producer.close();
  const total = logBytes(1);
  assert.ok(total >= BYTES, `broker 1 holds ${total} bytes`);

  // As kafka-reassign-partitions --execute --throttle does: the rates on the brokers, the replicas on the topic.
  for (const id of [1, 2]) {
    const answer = await call(id, Api.incrementalAlterConfigs, {
      resources: [{ resourceType: 4, resourceName: String(id), configs: ['leader', 'follower'].map((side) => ({ name: `${side}.replication.throttled.rate`, configOperation: 0, value: String(RATE) })) }],
      validateOnly: false,
    });
    assert.equal(answer.responses[0]!.errorCode, 0, answer.responses[0]!.errorMessage ?? '');
  }
  const topicAnswer = await call(1, Api.incrementalAlterConfigs, {
    resources: [{ resourceType: 2, resourceName: TOPIC, configs: [
      { name: 'leader.replication.throttled.replicas', configOperation: 0, value: '0:1' },
      { name: 'follower.replication.throttled.replicas', configOperation: 0, value: '0:2' },
    ] }],
    validateOnly: false,
  });
  assert.equal(topicAnswer.responses[0]!.errorCode, 0, topicAnswer.responses[0]!.errorMessage ?? '');
  // A broker config that is not dynamic, and a rate that is not a number, are refused and change nothing.
  const refused = await call(1, Api.incrementalAlterConfigs, {
    resources: [
      { resourceType: 4, resourceName: '1', configs: [{ name: 'log.retention.hours', configOperation: 0, value: '1' }] },
      { resourceType: 4, resourceName: '1', configs: [{ name: 'leader.replication.throttled.rate', configOperation: 0, value: 'fast' }] },
    ],
    validateOnly: false,
  });
  assert.deepEqual(refused.responses.map((r) => r.errorCode), [ErrorCode.INVALID_REQUEST, ErrorCode.INVALID_CONFIG]);
  assert.match(refused.responses[0]!.errorMessage ?? '', /Cannot update these configs dynamically: log.retention.hours/);
  // Every broker has the rates in force before the move starts (DescribeConfigs shows them as dynamic).
  for (const id of [1, 2]) {
    await waitFor(async () => {
      const described = await call(id, Api.describeConfigs, {
        resources: [{ resourceType: 4, resourceName: String(id), configurationKeys: ['leader.replication.throttled.rate'] }], includeSynonyms: false, includeDocumentation: false,
      }, 4);
      const entry = described.results[0]!.configs[0];
      return entry?.value === String(RATE) && entry.configSource === 2 || undefined;
    }, CLUSTER_WAIT_MS, { what: `broker ${id} to show its throttle` });
  }

  const { controllerId } = await cluster.waitForBrokers(cluster.ids);
  const moved = await call(controllerId, Api.alterPartitionReassignments, {
    timeoutMs: 30_000, topics: [{ name: TOPIC, partitions: [{ partitionIndex: 0, replicas: [2] }] }],
  });
  assert.equal(moved.responses[0]!.partitions[0]!.errorCode, 0);
  const marks: Array<{ at: number; bytes: number }> = [];
  for (;;) {
    const bytes = logBytes(2);
    marks.push({ at: performance.now(), bytes });
    if (bytes >= total) break;
    assert.ok(marks.length < 4 * 200, 'the move finishes within 200 s');
    await sleep(250);
  }
  const from = marks.find((m) => m.bytes >= total * 0.2)!;
  const to = marks.find((m) => m.bytes >= total * 0.8)!;
  const rate = (to.bytes - from.bytes) / ((to.at - from.at) / 1000);
  t.diagnostic(`moved ${(total / 2 ** 20).toFixed(0)} MiB; between 20% and 80% at ${(rate / 2 ** 20).toFixed(1)} MiB/s (throttle ${RATE / 2 ** 20} MiB/s)`);
  assert.ok(Math.abs(rate - RATE) <= RATE * 0.2, `rate ${(rate / 2 ** 20).toFixed(1)} MiB/s is within 20% of ${RATE / 2 ** 20}`);
  const settled = await cluster.waitForPartition(TOPIC, 0, (p) => p.replicas.join(',') === '2' && p.leaderId === 2, 'moved to broker 2');
  assert.deepEqual(settled.isr, [2]);
});
