/**
 * samsa transactions (kafka-transactions.sh) against a real broker with real transactions: list,
 * describe, describe-producers, find-hanging and abort, their tables as Kafka prints them (every
 * cell padded to its column and followed by a tab) and their errors.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Admin, Producer } from '../src/client/index.ts';
import { main } from '../src/cli/main.ts';
import { captureIo } from './helpers/capture-io.ts';
import { runCli } from './helpers/run-cli.ts';
import { startTestBroker, type TestBroker } from './helpers/test-broker.ts';

const TOPIC = 'cli-txn-topic';
let broker: TestBroker;
let admin: Admin;
let brokerId: number;
let open: Producer;

before(async () => {
  broker = await startTestBroker({}, undefined, { silent: true });
  admin = new Admin({ bootstrapServers: [broker.bootstrap] });
  brokerId = (await admin.describeCluster()).brokers[0]!.nodeId;
  await admin.createTopics([{ topic: TOPIC, numPartitions: 1 }]);
  const done = new Producer({ bootstrapServers: [broker.bootstrap], transactionalId: 'cli-done', lingerMs: 0 });
  await done.initTransactions();
  done.beginTransaction();
  await done.send({ topic: TOPIC, value: 'committed' });
  await done.commitTransaction();
  await done.close();
  // Left open: offsets 2 and 3 (after the committed record and its marker).
  open = new Producer({ bootstrapServers: [broker.bootstrap], transactionalId: 'cli-open', lingerMs: 0 });
  await open.initTransactions();
  open.beginTransaction();
  await open.send({ topic: TOPIC, value: 'open-1' });
  await open.send({ topic: TOPIC, value: 'open-2' });
});
after(async () => {
  await open.close();
  await admin.close();
  await broker.close();
});

async function transactions(...args: string[]): Promise<{ code: number; out: string; err: string; rows: string[][] }> {
  const io = captureIo();
  const code = await main(['transactions', '--bootstrap-server', broker.bootstrap, ...args], io);
  const out = io.out.join('');
  return { code, out, err: io.err.join(''), rows: out.split('\n').filter((l) => l !== '').map((l) => l.split('\t').slice(0, -1).map((c) => c.trimEnd())) };
}

test('list: every transactional id with its coordinator, producer id and state; cells padded and tab-ended as Kafka prints them', async () => {
  const { code, out, rows } = await transactions('list');
  assert.equal(code, 0);
  assert.deepEqual(rows[0], ['TransactionalId', 'Coordinator', 'ProducerId', 'TransactionState']);
  const byId = new Map(rows.slice(1).map((r) => [r[0], r]));
  assert.equal(byId.get('cli-open')?.[1], String(brokerId));
  assert.equal(byId.get('cli-open')?.[3], 'Ongoing');
  assert.equal(byId.get('cli-done')?.[3], 'CompleteCommit');
  const lines = out.split('\n').filter((l) => l !== '');
  assert.ok(lines.every((l) => l.endsWith('\t') && l.split('\t')[0]!.length === lines[0]!.split('\t')[0]!.length), 'first column padded to one width');
});

test('describe: the open transaction\'s producer, epoch, state, timeout, start time, duration and partitions; an unknown id fails as Kafka\'s tool does', async () => {
  const before = Date.now();
  const { code, rows } = await transactions('describe', '--transactional-id', 'cli-open');
  assert.equal(code, 0);
  assert.deepEqual(rows[0], ['CoordinatorId', 'TransactionalId', 'ProducerId', 'ProducerEpoch', 'TransactionState', 'TransactionTimeoutMs',
    'CurrentTransactionStartTimeMs', 'TransactionDurationMs', 'TopicPartitions']);
  const [coordinator, id, producerId, epoch, state, timeout, start, duration, partitions] = rows[1]!;
  assert.deepEqual([coordinator, id, epoch, state, timeout, partitions], [String(brokerId), 'cli-open', '0', 'Ongoing', '60000', `${TOPIC}-0`]);
  assert.ok(Number(producerId) >= 0);
  assert.ok(Number(start) <= before && Number(duration) >= 0);
  const unknown = await transactions('describe', '--transactional-id', 'no-such-id');
  assert.equal(unknown.code, 1);
  assert.match(unknown.err, /^Failed to describe transaction state of transactional-id `no-such-id`: .*TRANSACTIONAL_ID_NOT_FOUND/);
});

test('describe-producers: the open transaction\'s start offset, None for the committed producer; on the leader by id too', async () => {
  const headers = ['ProducerId', 'ProducerEpoch', 'LatestCoordinatorEpoch', 'LastSequence', 'LastTimestamp', 'CurrentTransactionStartOffset'];
  for (const extra of [[], ['--broker-id', String(brokerId)]]) {
    const { code, rows } = await transactions('describe-producers', '--topic', TOPIC, '--partition', '0', ...extra);
    assert.equal(code, 0);
    assert.deepEqual(rows[0], headers);
    const starts = rows.slice(1).map((r) => r[5]).sort();
    assert.deepEqual(starts, ['2', 'None']);
    const openRow = rows.find((r) => r[5] === '2')!;
    assert.deepEqual([openRow[1], openRow[3]], ['0', '1'], 'epoch 0, two records: last sequence 1');
  }
});

test('find-hanging: a transaction its coordinator still counts is not hanging; the scope must be limited', async () => {
  const { code, rows } = await transactions('find-hanging', '--topic', TOPIC, '--max-transaction-timeout', '0');
  assert.equal(code, 0);
  assert.deepEqual(rows, [['Topic', 'Partition', 'ProducerId', 'ProducerEpoch', 'CoordinatorEpoch', 'StartOffset', 'LastTimestamp', 'Duration(min)']]);
  assert.equal((await transactions('find-hanging', '--broker-id', String(brokerId))).code, 0);
  const unscoped = await transactions('find-hanging');
  assert.deepEqual([unscoped.code, unscoped.err], [1, 'The `find-hanging` command requires either --topic or --broker-id to limit the scope of the search\n']);
  assert.equal((await transactions('find-hanging', '--partition', '0', '--broker-id', '1')).err, 'The --partition argument requires --topic to be provided\n');
});

test('abort --start-offset writes the ABORT marker: read_committed readers move past the transaction', async () => {
  const noSpec = await transactions('abort', '--topic', TOPIC, '--partition', '0');
  assert.equal(noSpec.code, 1);
  assert.match(noSpec.err, /^The transaction to abort must be identified either with --start-offset/);
  const wrong = await transactions('abort', '--topic', TOPIC, '--partition', '0', '--start-offset', '1');
  assert.deepEqual([wrong.code, wrong.err], [1, `Could not find any open transactions starting at offset 1 on partition ${TOPIC}-0\n`]);
  const tp = { topic: TOPIC, partition: 0 };
  assert.equal((await admin.listOffsets([{ ...tp, spec: 'latest' }], 'read_committed'))[0]!.offset, 2, 'held at the open transaction');
  const aborted = await transactions('abort', '--topic', TOPIC, '--partition', '0', '--start-offset', '2');
  assert.deepEqual([aborted.code, aborted.out, aborted.err], [0, '', '']);
  assert.equal((await admin.listOffsets([{ ...tp, spec: 'latest' }], 'read_committed'))[0]!.offset, 5, 'past the two records and the marker');
  const after = await transactions('describe-producers', '--topic', TOPIC, '--partition', '0');
  assert.deepEqual(after.rows.slice(1).map((r) => r[5]), ['None', 'None']);
});

test('the command is there under Kafka\'s script name too; a missing or unknown subcommand is a usage error', async () => {
  const result = await runCli(['kafka-transactions.sh', '--bootstrap-server', broker.bootstrap, 'list']);
  assert.equal(result.status, 0, result.stderr);
  assert.match(result.stdout, /^TransactionalId\tCoordinator\tProducerId\tTransactionState\t\ncli-open {7}\t/);
  const io = captureIo();
  assert.equal(await main(['transactions', '--bootstrap-server', broker.bootstrap], io), 2);
  assert.match(io.err.join(''), /missing command: one of list, describe, describe-producers, abort, find-hanging/);
  assert.equal(await main(['transactions', '--bootstrap-server', broker.bootstrap, 'describe', '--topic', 't'], io), 2);
  assert.match(io.err.join(''), /describe does not take --topic/);
  const help = captureIo();
  assert.equal(await main(['transactions', '--help'], help), 0);
  assert.match(help.out.join(''), /find-hanging/);
});
