/**
 * The controller APIs on a single node answer as a one-broker Kafka cluster does, so the tools and
 * admin clients that use them work against it too: no reassignment is in progress, a reassignment
 * onto the node alone has nothing to do and one onto another broker names a dead broker, and every
 * leader is already elected.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import kafkajs from 'kafkajs';
import { Admin } from '../src/client/index.ts';
import { ErrorCode } from '../src/protocol/errors.ts';
import { runCli, runCliOk } from './helpers/run-cli.ts';
import { removeTempDir } from './helpers/temp-dir.ts';
import { startTestBroker, type TestBroker } from './helpers/test-broker.ts';

let broker: TestBroker;
let admin: Admin;

before(async () => {
  broker = await startTestBroker({}, undefined, { silent: true });
  admin = new Admin({ bootstrapServers: [broker.bootstrap] });
  await admin.createTopics([{ topic: 'alone', numPartitions: 2 }]);
});

after(async () => {
  await admin.close();
  await broker.close();
  await removeTempDir(broker.dataDir);
});

test('our Admin: nothing to list, elections not needed, a reassignment onto another broker refused', async () => {
  const { nodeId } = (await admin.describeCluster()).brokers[0]!;
  assert.deepEqual(await admin.listPartitionReassignments(), []);
  const elected = await admin.electLeaders('preferred', null);
  assert.deepEqual(elected.map((r) => [r.topic, r.partition, r.error?.code ?? ErrorCode.NONE]).sort(),
    [['alone', 0, ErrorCode.ELECTION_NOT_NEEDED], ['alone', 1, ErrorCode.ELECTION_NOT_NEEDED]]);
  const results = await admin.alterPartitionReassignments([
    { topic: 'alone', partition: 0, replicas: [nodeId] },
    { topic: 'alone', partition: 1, replicas: [nodeId + 1] },
    { topic: 'alone', partition: 7, replicas: [nodeId] },
  ]);
  assert.deepEqual(results.map((r) => r.error?.code ?? ErrorCode.NONE),
    [ErrorCode.NONE, ErrorCode.INVALID_REPLICA_ASSIGNMENT, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]);
  const [cancelled] = await admin.alterPartitionReassignments([{ topic: 'alone', partition: 0, replicas: null }]);
  assert.equal(cancelled!.error?.code, ErrorCode.NO_REASSIGNMENT_IN_PROGRESS);
});

test('KafkaJS lists no reassignment; the tools say what Kafka\'s say against one broker', async () => {
  const kafka = new kafkajs.Kafka({ clientId: 'single-node', brokers: [broker.bootstrap], logLevel: kafkajs.logLevel.NOTHING });
  const kafkaAdmin = kafka.admin();
  await kafkaAdmin.connect();
  try {
    assert.deepEqual((await kafkaAdmin.listPartitionReassignments({})).topics, []);
  } finally {
    await kafkaAdmin.disconnect();
  }
  const b = ['--bootstrap-server', broker.bootstrap];
  assert.equal((await runCliOk(['leader-election', ...b, '--election-type', 'preferred', '--all-topic-partitions'])).stdout,
    'Valid replica already elected for partitions alone-0, alone-1\n');
  assert.equal((await runCliOk(['reassign-partitions', ...b, '--list'])).stdout, 'No partition reassignments found.\n');
  const unknown = await runCli(['leader-election', ...b, '--election-type', 'preferred', '--topic', 'alone', '--partition', '5']);
  assert.equal(unknown.status, 1);
});
