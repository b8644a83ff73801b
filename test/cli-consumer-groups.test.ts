/**
 * samsa consumer-groups as a child process: list, describe with LAG (idle and active groups),
 * every --reset-offsets spec in dry-run and execute, delete; effects read back with the Admin client.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Admin, Consumer, Producer } from '../src/client/index.ts';
import { runCli, runCliOk } from './helpers/run-cli.ts';
import { removeTempDir } from './helpers/temp-dir.ts';
import { startTestBroker, type TestBroker } from './helpers/test-broker.ts';
import { waitFor } from './helpers/wait-for.ts';

const T0 = Date.UTC(2024, 0, 1);

let broker: TestBroker;
let b: string[];
let admin: Admin;

before(async () => {
  broker = await startTestBroker({ 'group.initial.rebalance.delay.ms': '0' }, undefined, { silent: true });
  b = ['--bootstrap-server', broker.bootstrap];
  admin = new Admin({ bootstrapServers: [broker.bootstrap] });
  await admin.createTopics([{ topic: 'cg', numPartitions: 2 }, { topic: 'cg-other', numPartitions: 1 }]);
  const producer = new Producer({ bootstrapServers: [broker.bootstrap], lingerMs: 0 });
  try {
    // Partition p, record i: timestamp T0 + i seconds, so --to-datetime has known answers.
    await producer.sendBatch([0, 1].flatMap((partition) => Array.from({ length: 10 }, (_, i) => ({ topic: 'cg', partition, value: `v${i}`, timestamp: T0 + i * 1000 }))));
    await producer.send({ topic: 'cg-other', value: 'x' });
  } finally {
    await producer.close();
  }
});

after(async () => {
  await admin?.close();
  await broker?.close();
  if (broker) await removeTempDir(broker.dataDir);
});

async function committed(group: string): Promise<Array<[string, number, number]>> {
  return (await admin.listConsumerGroupOffsets(group)).map((o) => [o.topic, o.partition, o.offset] as [string, number, number])
    .sort((x, y) => x[0].localeCompare(y[0]) || x[1] - y[1]);
}

test('--list and --describe an idle group: offsets, log-end offsets and LAG as Kafka prints them', async () => {
  await admin.alterConsumerGroupOffsets('idle', [{ topic: 'cg', partition: 0, offset: 3 }, { topic: 'cg', partition: 1, offset: 10 }]);
  const list = await runCliOk(['consumer-groups', ...b, '--list']);
  assert.ok(list.stdout.split('\n').includes('idle'), list.stdout);
  const listed = JSON.parse((await runCliOk(['consumer-groups', ...b, '--list', '--json'])).stdout) as Array<{ groupId: string }>;
  assert.ok(listed.some((g) => g.groupId === 'idle'));

  const described = await runCliOk(['consumer-groups', ...b, '--describe', '--group', 'idle']);
  const lines = described.stdout.split('\n');
  assert.equal(lines[0], '');
  assert.deepEqual(lines.slice(1, 4).map((l) => l.split(/\s+/)), [
    ['GROUP', 'TOPIC', 'PARTITION', 'CURRENT-OFFSET', 'LOG-END-OFFSET', 'LAG', 'CONSUMER-ID', 'HOST', 'CLIENT-ID'],
    ['idle', 'cg', '0', '3', '10', '7', '-', '-', '-'],
    ['idle', 'cg', '1', '10', '10', '0', '-', '-', '-'],
  ]);
  // Kafka's column widths: PARTITION 10, the offsets 15 wide.
  assert.equal(lines[2]!.indexOf('3 '), lines[1]!.indexOf('CURRENT-OFFSET'));
  assert.equal(lines[1]!.indexOf('LOG-END-OFFSET') - lines[1]!.indexOf('CURRENT-OFFSET'), 16);
  assert.match(described.stderr, /Consumer group 'idle' has no active members\./);

  const json = JSON.parse((await runCliOk(['consumer-groups', ...b, '--describe', '--group', 'idle', '--json'])).stdout) as Array<{ offsets: Array<{ lag: number }> }>;
  assert.deepEqual(json[0]!.offsets.map((o) => o.lag), [7, 0]);

  const missing = await runCli(['consumer-groups', ...b, '--describe', '--group', 'no-such-group']);
  assert.equal(missing.status, 1);
  assert.equal(missing.stderr, "Error: Consumer group 'no-such-group' does not exist.\n");
});

test('--reset-offsets: dry run by default changes nothing; --execute moves the committed offsets', async () => {
  await admin.alterConsumerGroupOffsets('reset', [{ topic: 'cg', partition: 0, offset: 6 }, { topic: 'cg', partition: 1, offset: 6 }]);
  const dry = await runCliOk(['consumer-groups', ...b, '--reset-offsets', '--group', 'reset', '--topic', 'cg', '--to-earliest']);
  assert.deepEqual(dry.stdout.trim().split('\n').map((l) => l.trim().split(/\s+/)), [
    ['GROUP', 'TOPIC', 'PARTITION', 'NEW-OFFSET'], ['reset', 'cg', '0', '0'], ['reset', 'cg', '1', '0'],
  ]);
  assert.match(dry.stderr, /No action will be performed as the --execute option is missing/);
  assert.deepEqual(await committed('reset'), [['cg', 0, 6], ['cg', 1, 6]]);
  await runCliOk(['consumer-groups', ...b, '--reset-offsets', '--group', 'reset', '--topic', 'cg', '--to-earliest', '--dry-run']);
  assert.deepEqual(await committed('reset'), [['cg', 0, 6], ['cg', 1, 6]]);

  const steps: Array<[string[], Array<[string, number, number]>]> = [
    [['--to-earliest'], [['cg', 0, 0], ['cg', 1, 0]]],
    [['--to-offset', '5'], [['cg', 0, 5], ['cg', 1, 5]]],
    [['--shift-by', '-2'], [['cg', 0, 3], ['cg', 1, 3]]],
    [['--shift-by', '100'], [['cg', 0, 10], ['cg', 1, 10]]],
    [['--to-datetime', new Date(T0 + 4_500).toISOString()], [['cg', 0, 5], ['cg', 1, 5]]],
    [['--to-latest'], [['cg', 0, 10], ['cg', 1, 10]]],
  ];
  for (const [spec, expected] of steps) {
    const result = await runCliOk(['consumer-groups', ...b, '--reset-offsets', '--group', 'reset', '--topic', 'cg', ...spec, '--execute']);
    assert.equal(result.stderr, '', spec.join(' '));
    assert.deepEqual(await committed('reset'), expected, spec.join(' '));
  }
  await runCliOk(['consumer-groups', ...b, '--reset-offsets', '--group', 'reset', '--topic', 'cg:1', '--to-offset', '2', '--execute']);
  assert.deepEqual(await committed('reset'), [['cg', 0, 10], ['cg', 1, 2]]);
  await admin.alterConsumerGroupOffsets('reset', [{ topic: 'cg-other', partition: 0, offset: 1 }]);
  const all = await runCliOk(['consumer-groups', ...b, '--reset-offsets', '--group', 'reset', '--all-topics', '--to-earliest', '--execute', '--json']);
  assert.equal((JSON.parse(all.stdout) as unknown[]).length, 3);
  assert.deepEqual(await committed('reset'), [['cg', 0, 0], ['cg', 1, 0], ['cg-other', 0, 0]]);
  // --all-topics takes the partitions the group committed, as Kafka's tool does: cg's partition 0 stays uncommitted.
  await admin.alterConsumerGroupOffsets('reset-some', [{ topic: 'cg', partition: 1, offset: 7 }]);
  await runCliOk(['consumer-groups', ...b, '--reset-offsets', '--group', 'reset-some', '--all-topics', '--to-earliest', '--execute']);
  assert.deepEqual(await committed('reset-some'), [['cg', 1, 0]]);

  const usage = await runCli(['consumer-groups', ...b, '--reset-offsets', '--group', 'reset', '--topic', 'cg', '--to-earliest', '--to-latest']);
  assert.equal(usage.status, 2);
});

test('an active group: members in --describe, --members, --state; reset refused while it is active', async () => {
  const consumer = new Consumer({ bootstrapServers: [broker.bootstrap], groupId: 'active', clientId: 'cli-test-client', autoOffsetReset: 'earliest' });
  try {
    consumer.subscribe(['cg']);
    let seen = 0;
    await waitFor(async () => { seen += (await consumer.poll(200)).length; return seen >= 20; }, 20_000, { what: 'the group consumer to read 20 records' });
    await consumer.commit();
    const described = await runCliOk(['consumer-groups', ...b, '--describe', '--group', 'active']);
    const rows = described.stdout.trim().split('\n').slice(1).map((l) => l.split(/\s+/));
    assert.equal(rows.length, 2);
    for (const row of rows) {
      assert.deepEqual(row.slice(0, 6), ['active', 'cg', row[2], '10', '10', '0']);
      assert.notEqual(row[6], '-');
      assert.equal(row[8], 'cli-test-client');
    }
    const members = await runCliOk(['consumer-groups', ...b, '--describe', '--group', 'active', '--members', '--verbose']);
    const memberRow = members.stdout.trim().split('\n')[1]!.split(/\s+/);
    assert.equal(memberRow[3], 'cli-test-client');
    assert.equal(memberRow[4], '2');
    assert.equal(memberRow[5], 'cg(0,1)');
    const state = await runCliOk(['consumer-groups', ...b, '--describe', '--group', 'active', '--state']);
    // The coordinator FindCoordinator names, in Kafka's "host:port  (id)".
    assert.match(state.stdout, new RegExp(`\\nactive\\s+${broker.bootstrap.replace(/\./g, '\\.')}  \\(1\\)\\s+\\S+\\s+Stable\\s+1\\n`));
    const stateJson = JSON.parse((await runCliOk(['consumer-groups', ...b, '--describe', '--group', 'active', '--json'])).stdout) as Array<{ coordinator: { nodeId: number; port: number } }>;
    assert.deepEqual([stateJson[0]!.coordinator.nodeId, stateJson[0]!.coordinator.port], [1, broker.port]);

    const plain = await runCliOk(['consumer-groups', ...b, '--describe', '--group', 'active', '--members']);
    const plainRows = plain.stdout.trim().split('\n').map((l) => l.split(/\s+/));
    assert.deepEqual(plainRows[0], ['GROUP', 'CONSUMER-ID', 'HOST', 'CLIENT-ID', '#PARTITIONS']);
    assert.deepEqual([plainRows[1]![0], plainRows[1]![3], plainRows[1]![4], plainRows[1]!.length], ['active', 'cli-test-client', '2', 5]);

    const listed = await runCliOk(['consumer-groups', ...b, '--list', '--state', 'stable']);
    const listedRows = listed.stdout.trimEnd().split('\n');
    assert.deepEqual(listedRows.map((l) => l.split(/\s+/)), [['GROUP', 'STATE'], ['active', 'Stable']]);
    assert.equal(listedRows[0]!.indexOf('STATE'), 26, 'GROUP is max(15, longest id) + 10 wide, as in Kafka');
    const typed = await runCliOk(['consumer-groups', ...b, '--list', '--type', 'classic', '--state', 'Stable,Empty']);
    const typedRows = typed.stdout.trimEnd().split('\n').map((l) => l.split(/\s+/));
    assert.deepEqual(typedRows[0], ['GROUP', 'TYPE', 'STATE']);
    assert.ok(typedRows.some((r) => r.join(' ') === 'active Classic Stable'), typed.stdout);
    assert.ok(typedRows.slice(1).every((r) => r[1] === 'Classic' && (r[2] === 'Stable' || r[2] === 'Empty')), typed.stdout);
    const consumerType = await runCliOk(['consumer-groups', ...b, '--list', '--type', 'consumer']);
    assert.deepEqual(consumerType.stdout.trimEnd().split('\n').map((l) => l.split(/\s+/)), [['GROUP', 'TYPE']], 'no KIP-848 group runs here');
    const badState = await runCli(['consumer-groups', ...b, '--list', '--state', 'Sleepy']);
    assert.equal(badState.status, 2);
    assert.match(badState.stderr, /Invalid state list 'Sleepy'\. Valid states are: PreparingRebalance, CompletingRebalance, Stable, Dead, Empty, Assigning, Reconciling/);
    assert.equal((await runCli(['consumer-groups', ...b, '--list', '--type', 'share'])).status, 2);

    const dryRun = await runCli(['consumer-groups', ...b, '--reset-offsets', '--group', 'active', '--topic', 'cg', '--to-earliest', '--dry-run']);
    assert.equal(dryRun.status, 1, 'a dry run is refused for an active group too, as in Kafka');
    assert.match(dryRun.stderr, /Assignments can only be reset if the group 'active' is inactive, but the current state is Stable\./);

    const refused = await runCli(['consumer-groups', ...b, '--reset-offsets', '--group', 'active', '--topic', 'cg', '--to-earliest', '--execute']);
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, /^samsa consumer-groups: Assignments can only be reset if the group 'active' is inactive, but the current state is Stable\.\n$/);
    const busy = await runCli(['consumer-groups', ...b, '--delete', '--group', 'active']);
    assert.equal(busy.status, 1);
    assert.match(busy.stderr, /Group active: the group is not empty/);
  } finally {
    await consumer.close();
  }
});

test('--delete removes a group and its offsets', async () => {
  await admin.alterConsumerGroupOffsets('doomed', [{ topic: 'cg', partition: 0, offset: 1 }]);
  const deleted = await runCliOk(['consumer-groups', ...b, '--delete', '--group', 'doomed']);
  assert.equal(deleted.stdout, "Deletion of requested consumer groups ('doomed') was successful.\n");
  assert.ok(!(await admin.listGroups()).some((g) => g.groupId === 'doomed'));
  assert.deepEqual(await committed('doomed'), []);
});

test('--list --state without a value lists every group with its state', async () => {
  await admin.alterConsumerGroupOffsets('listed-empty', [{ topic: 'cg', partition: 0, offset: 1 }]);
  const listed = await runCliOk(['consumer-groups', ...b, '--list', '--state']);
  const rows = listed.stdout.trimEnd().split('\n').map((l) => l.split(/\s+/));
  assert.deepEqual(rows[0], ['GROUP', 'STATE']);
  assert.ok(rows.some((r) => r[0] === 'listed-empty' && r[1] === 'Empty'), listed.stdout);
  const empty = await runCliOk(['consumer-groups', ...b, '--list', '--state', 'Empty', '--json']);
  const groups = JSON.parse(empty.stdout) as Array<{ groupId: string; state: string; type: string }>;
  assert.ok(groups.some((g) => g.groupId === 'listed-empty'));
  assert.ok(groups.every((g) => g.state === 'Empty' && g.type === 'classic'));
});

test('--reset-offsets --export writes a plan that --from-file applies; --by-duration resets by time', async () => {
  await admin.alterConsumerGroupOffsets('planned', [{ topic: 'cg', partition: 0, offset: 7 }, { topic: 'cg', partition: 1, offset: 8 }, { topic: 'cg-other', partition: 0, offset: 1 }]);
  const exported = await runCliOk(['consumer-groups', ...b, '--reset-offsets', '--group', 'planned', '--topic', 'cg:0', '--topic', 'cg-other', '--to-earliest', '--dry-run', '--export']);
  assert.equal(exported.stdout, 'cg,0,0\ncg-other,0,0\n');
  const file = join(broker.dataDir, 'plan.csv');
  // Kafka's multi-group form too: only this group's lines count.
  await writeFile(file, exported.stdout + 'cg,1,4\nother-group,cg,1,9\n');
  const dry = await runCliOk(['consumer-groups', ...b, '--reset-offsets', '--group', 'planned', '--from-file', file, '--dry-run']);
  assert.deepEqual(dry.stdout.trim().split('\n').slice(1).map((l) => l.trim().split(/\s+/)), [
    ['planned', 'cg', '0', '0'], ['planned', 'cg', '1', '4'], ['planned', 'cg-other', '0', '0'],
  ]);
  assert.deepEqual(await committed('planned'), [['cg', 0, 7], ['cg', 1, 8], ['cg-other', 0, 1]]);
  await runCliOk(['consumer-groups', ...b, '--reset-offsets', '--group', 'planned', '--from-file', file, '--execute']);
  assert.deepEqual(await committed('planned'), [['cg', 0, 0], ['cg', 1, 4], ['cg-other', 0, 0]]);
  // Offsets past the log end are clamped, as Kafka's checkOffsetsRange does.
  await writeFile(file, 'cg,0,99\n');
  await runCliOk(['consumer-groups', ...b, '--reset-offsets', '--group', 'planned', '--from-file', file, '--execute']);
  assert.deepEqual(await committed('planned'), [['cg', 0, 10], ['cg', 1, 4], ['cg-other', 0, 0]]);
  await writeFile(file, 'cg;0;1\n');
  const bad = await runCli(['consumer-groups', ...b, '--reset-offsets', '--group', 'planned', '--from-file', file, '--execute']);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--from-file line 1 is not topic,partition,offset/);
  const both = await runCli(['consumer-groups', ...b, '--reset-offsets', '--group', 'planned', '--from-file', file, '--to-earliest']);
  assert.equal(both.status, 2);

  // Records were written with 2024 timestamps: one hour back from now is past all of them, so the end.
  await runCliOk(['consumer-groups', ...b, '--reset-offsets', '--group', 'planned', '--topic', 'cg', '--by-duration', 'PT1H', '--execute']);
  assert.deepEqual(await committed('planned'), [['cg', 0, 10], ['cg', 1, 10], ['cg-other', 0, 0]]);
  await runCliOk(['consumer-groups', ...b, '--reset-offsets', '--group', 'planned', '--topic', 'cg', '--by-duration', 'P3650D', '--execute']);
  assert.deepEqual(await committed('planned'), [['cg', 0, 0], ['cg', 1, 0], ['cg-other', 0, 0]]);
  assert.equal((await runCli(['consumer-groups', ...b, '--reset-offsets', '--group', 'planned', '--topic', 'cg', '--by-duration', '1h'])).status, 2);
});

test('--delete-offsets removes a topic\'s committed offsets, or only some partitions\'', async () => {
  await admin.alterConsumerGroupOffsets('pruned', [{ topic: 'cg', partition: 0, offset: 2 }, { topic: 'cg', partition: 1, offset: 3 }, { topic: 'cg-other', partition: 0, offset: 1 }]);
  const some = await runCliOk(['consumer-groups', ...b, '--delete-offsets', '--group', 'pruned', '--topic', 'cg:1']);
  assert.deepEqual(some.stdout.split('\n').map((l) => l.trim().split(/\s+/).join(' ')), [
    'Request succeed for deleting offsets from group pruned.', '', 'TOPIC PARTITION STATUS', 'cg 1 Successful', '',
  ]);
  assert.deepEqual(await committed('pruned'), [['cg', 0, 2], ['cg-other', 0, 1]]);
  await runCliOk(['consumer-groups', ...b, '--delete-offsets', '--group', 'pruned', '--topic', 'cg-other']);
  assert.deepEqual(await committed('pruned'), [['cg', 0, 2]]);
  assert.equal((await runCli(['consumer-groups', ...b, '--delete-offsets', '--group', 'pruned'])).status, 2);
});

test('--all-groups with --describe and --delete covers every group', async () => {
  const all = await runCli(['consumer-groups', ...b, '--describe', '--all-groups', '--json']);
  const described = JSON.parse(all.stdout) as Array<{ group: string }>;
  const listed = (await admin.listGroups()).map((g) => g.groupId);
  assert.ok(listed.length >= 3);
  assert.deepEqual(described.map((d) => d.group).sort(), listed.filter((g) => described.some((d) => d.group === g)).sort());
  assert.ok(described.some((d) => d.group === 'idle'), all.stdout);

  const deleted = await runCli(['consumer-groups', ...b, '--delete', '--all-groups']);
  assert.equal(deleted.status, 0, deleted.stderr);
  assert.match(deleted.stdout, /^Deletion of requested consumer groups \(.*'idle'.*\) was successful\.\n$/);
  assert.deepEqual(await admin.listGroups(), []);
});
