/**
 * samsa reassign-partitions and samsa leader-election as a Kafka user runs them, as child
 * processes against real broker processes on a real ZooKeeper: a topic's partitions are moved to
 * other brokers (--generate, --execute, --verify --wait) with every record still readable, and a
 * preferred leader that lost its leadership gets it back. Effects are read back through Metadata
 * from every broker and with kcat.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startCluster } from './helpers/cluster.ts';
import { kcat, kcatConsumeAll } from './helpers/kcat.ts';
import { runCli, runCliOk } from './helpers/run-cli.ts';

const cluster = await startCluster({
  brokers: 3,
  // Leadership goes back to the preferred replica only when the tool asks for it.
  overrides: { 'auto.leader.rebalance.enable': 'false' },
});
after(() => cluster.close());

const file = async (name: string, content: unknown): Promise<string> => {
  const path = join(cluster.dir, name);
  await writeFile(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
};

const sameSet = (a: readonly number[], b: readonly number[]) => [...a].sort().join(',') === [...b].sort().join(',');

test('generate, execute and verify --wait move a topic off a broker, and every record is still there', { timeout: 90_000 }, async () => {
  const b = ['--bootstrap-server', cluster.bootstrap];
  await cluster.createTopic({ topic: 'moving', replicaAssignment: [{ partition: 0, replicas: [1, 2] }, { partition: 1, replicas: [2, 1] }] });
  const records = Array.from({ length: 300 }, (_, i) => `key-${i}:value-${i}`);
  await kcat(['-P', '-b', cluster.bootstrap, '-t', 'moving', '-K', ':', '-X', 'acks=all'], { input: records.join('\n') + '\n' });

  const generated = await runCliOk(['reassign-partitions', ...b, '--generate', '--broker-list', '2,3',
    '--topics-to-move-json-file', await file('topics.json', { version: 1, topics: [{ topic: 'moving' }] })]);
  const [currentPart, proposedPart] = generated.stdout.split('\n\n');
  assert.equal(currentPart, 'Current partition replica assignment\n{"version":1,"partitions":[' +
    '{"topic":"moving","partition":0,"replicas":[1,2],"log_dirs":["any","any"]},' +
    '{"topic":"moving","partition":1,"replicas":[2,1],"log_dirs":["any","any"]}]}');
  const proposalText = /^Proposed partition reassignment configuration\n(.*)\n$/.exec(proposedPart!)?.[1];
  assert.ok(proposalText !== undefined, generated.stdout);
  const proposal = JSON.parse(proposalText) as { partitions: Array<{ partition: number; replicas: number[] }> };
  for (const p of proposal.partitions) assert.ok(sameSet(p.replicas, [2, 3]), `${JSON.stringify(p)} is on brokers 2 and 3 only`);

  const plan = await file('plan.json', proposalText);
  const executed = await runCliOk(['reassign-partitions', ...b, '--execute', '--reassignment-json-file', plan]);
  assert.match(executed.stdout, /^Current partition replica assignment\n\n\{"version":1,"partitions":\[\{"topic":"moving","partition":0,"replicas":\[1,2\]/);
  assert.match(executed.stdout, /\n\nSave this to use as the --reassignment-json-file option during rollback\nSuccessfully started partition reassignments for moving-0,moving-1\n$/);

  const verified = await runCliOk(['reassign-partitions', ...b, '--verify', '--wait', '--reassignment-json-file', plan], { timeoutMs: 60_000 });
  assert.equal(verified.stdout, 'Status of partition reassignment:\n' +
    'Reassignment of partition moving-0 is completed.\nReassignment of partition moving-1 is completed.\n' +
    'Clearing broker-level throttles on brokers 1,2,3\nClearing topic-level throttles on topic moving\n');
  // Not a terminal: the progress comes as lines on stderr, the last one saying all is done.
  assert.match(verified.stderr, /Reassignment: 2 of 2 partitions complete\n$/);

  for (const p of proposal.partitions) {
    await cluster.waitForPartition('moving', p.partition, (m) => m.replicas.join(',') === p.replicas.join(',') && sameSet(m.isr, p.replicas),
      `replicas ${p.replicas} all in sync`);
  }
  const read = await kcatConsumeAll(cluster.bootstrap, 'moving');
  assert.deepEqual(read.map((m) => `${m.key}:${m.payload}`).sort(), [...records].sort());
  assert.equal((await runCliOk(['reassign-partitions', ...b, '--list'])).stdout, 'No partition reassignments found.\n');
});

test('--throttle sets the replication throttles as Kafka\'s tool does, and --verify clears them once all is done', { timeout: 60_000 }, async () => {
  const b = ['--bootstrap-server', cluster.bootstrap];
  await cluster.createTopic({ topic: 'throttled', replicaAssignment: [{ partition: 0, replicas: [1, 2] }, { partition: 1, replicas: [2, 1] }] });
  const plan = await file('throttled.json', { version: 1, partitions: [{ topic: 'throttled', partition: 0, replicas: [2, 3] }, { topic: 'throttled', partition: 1, replicas: [3, 2] }] });
  // A rate no copy of this size reaches: the configs are what is checked, not the pace.
  const executed = await runCliOk(['reassign-partitions', ...b, '--execute', '--reassignment-json-file', plan, '--throttle', '100000000']);
  assert.match(executed.stdout, /\nWarning: You must run --verify periodically, until the reassignment completes, to ensure the throttle is removed\.\n/);
  assert.match(executed.stdout, /\nThe inter-broker throttle limit was set to 100000000 B\/s\nSuccessfully started partition reassignments for throttled-0,throttled-1\n$/);
  const admin = cluster.admin();
  try {
    const throttles = async () => ({
      topic: Object.fromEntries((await admin.describeConfigs([{ type: 'topic', name: 'throttled', keys: ['leader.replication.throttled.replicas', 'follower.replication.throttled.replicas'] }]))[0]!
        .configs.map((c) => [c.name, c.value])),
      brokers: await Promise.all([1, 2, 3].map(async (id) => (await admin.describeConfigs([{ type: 'broker', name: String(id), keys: ['leader.replication.throttled.rate', 'follower.replication.throttled.rate'] }]))[0]!
        .configs.filter((c) => c.source === 2).map((c) => `${id}:${c.name}=${c.value}`).sort())),
    });
    // Leaders throttle where the data is (brokers 1 and 2), followers where it goes (3); every broker of the moves is capped.
    assert.deepEqual(await throttles(), {
      topic: { 'leader.replication.throttled.replicas': '0:1,0:2,1:1,1:2', 'follower.replication.throttled.replicas': '0:3,1:3' },
      brokers: [1, 2, 3].map((id) => [`${id}:follower.replication.throttled.rate=100000000`, `${id}:leader.replication.throttled.rate=100000000`]),
    });
    const verified = await runCliOk(['reassign-partitions', ...b, '--verify', '--wait', '--reassignment-json-file', plan], { timeoutMs: 60_000 });
    assert.match(verified.stdout, /\nClearing broker-level throttles on brokers 1,2,3\nClearing topic-level throttles on topic throttled\n$/);
    assert.deepEqual(await throttles(), {
      topic: { 'leader.replication.throttled.replicas': '', 'follower.replication.throttled.replicas': '' }, brokers: [[], [], []],
    });
  } finally {
    await admin.close();
  }
});

test('what cannot be done is refused with Kafka\'s message and exit code 1, before anything changes', { timeout: 60_000 }, async () => {
  const b = ['--bootstrap-server', cluster.bootstrap];
  const failure = async (args: string[], message: string) => {
    const result = await runCli(args);
    assert.equal(result.status, 1, `${args.join(' ')}: ${result.stdout}${result.stderr}`);
    assert.equal(result.stderr, `samsa ${args[0]}: ${message}\n`);
    return result.stdout;
  };
  await failure(['reassign-partitions', ...b, '--generate', '--broker-list', '1,2',
    '--topics-to-move-json-file', await file('nope.json', { version: 1, topics: [{ topic: 'nope' }] })], 'Topic nope not found.');
  const unknownBroker = await file('unknown-broker.json', { version: 1, partitions: [{ topic: 'moving', partition: 0, replicas: [2, 9] }] });
  assert.equal(await failure(['reassign-partitions', ...b, '--execute', '--reassignment-json-file', unknownBroker], 'Unknown broker id 9'), '');
  const unknownPartition = await file('unknown-partition.json', { version: 1, partitions: [{ topic: 'moving', partition: 7, replicas: [2, 3] }] });
  await failure(['reassign-partitions', ...b, '--execute', '--reassignment-json-file', unknownPartition], 'Unable to find partition: moving-7');
  const elected = await failure(['leader-election', ...b, '--election-type', 'PREFERRED', '--topic', 'nope', '--partition', '0'], '1 replica(s) could not be elected');
  assert.match(elected, /^Error completing leader election \(PREFERRED\) for partition: nope-0: UNKNOWN_TOPIC_OR_PARTITION/);
});

test('leader-election PREFERRED gives leadership back to the preferred replica after it moved', { timeout: 90_000 }, async () => {
  const b = ['--bootstrap-server', cluster.bootstrap];
  await cluster.createTopic({ topic: 'led', replicaAssignment: [{ partition: 0, replicas: [3, 1] }] });
  // A broker stopped hands its leaderships over (controlled shutdown); back, it follows.
  await cluster.stop(3);
  await cluster.waitForLeader('led', 0, { not: 3 });
  await cluster.start(3);
  const moved = await cluster.waitForIsr('led', 0, [1, 3]);
  assert.equal(moved.leaderId, 1);

  const elected = await runCliOk(['leader-election', ...b, '--election-type', 'PREFERRED', '--topic', 'led', '--partition', '0']);
  assert.equal(elected.stdout, 'Successfully completed leader election (PREFERRED) for partitions led-0\n');
  await cluster.waitForPartition('led', 0, (p) => p.leaderId === 3, 'leader 3');

  const again = await runCliOk(['leader-election', ...b, '--election-type', 'preferred',
    '--path-to-json-file', await file('election.json', { partitions: [{ topic: 'led', partition: 0 }] })]);
  assert.equal(again.stdout, 'Valid replica already elected for partitions led-0\n');
});

test('a reassignment that cannot finish is listed, reported in progress, and cancelled', { timeout: 90_000 }, async () => {
  // Broker 3 is paused (SIGSTOP): registered still, but it never copies the replica it is given.
  const b = ['--bootstrap-server', [1, 2].map((id) => cluster.broker(id).bootstrap).join(',')];
  await cluster.createTopic({ topic: 'stuck', replicaAssignment: [{ partition: 0, replicas: [1, 2] }] });
  const plan = await file('stuck.json', { version: 1, partitions: [{ topic: 'stuck', partition: 0, replicas: [2, 3] }] });
  cluster.pause(3);
  try {
    await runCliOk(['reassign-partitions', ...b, '--execute', '--reassignment-json-file', plan]);
    assert.equal((await runCliOk(['reassign-partitions', ...b, '--list'])).stdout,
      'Current partition reassignments:\nstuck-0: replicas: 2,3,1. adding: 3. removing: 1.\n');
    // Nothing is cleared while a reassignment is under way.
    assert.equal((await runCliOk(['reassign-partitions', ...b, '--verify', '--reassignment-json-file', plan])).stdout,
      'Status of partition reassignment:\nReassignment of partition stuck-0 is still in progress.\n');
    // Clearing the throttles would ask the paused broker too, so they are kept here.
    assert.equal((await runCliOk(['reassign-partitions', ...b, '--cancel', '--preserve-throttles', '--reassignment-json-file', plan])).stdout,
      'Successfully cancelled partition reassignment for: stuck-0\nNone of the specified partition moves are active.\n');
    assert.equal((await runCliOk(['reassign-partitions', ...b, '--list'])).stdout, 'No partition reassignments found.\n');
    const reverted = await cluster.waitForPartition('stuck', 0, (p) => sameSet(p.replicas, [1, 2]), 'back on brokers 1 and 2', { among: [1, 2] });
    assert.ok(sameSet(reverted.isr, [1, 2]));
  } finally {
    cluster.resume(3);
  }
});

test('a broker that joins the running cluster is planned into by --generate and takes its share of the replicas', { timeout: 120_000 }, async () => {
  await cluster.waitForBrokers(cluster.ids);
  await cluster.createTopic({ topic: 'grows', replicaAssignment: [0, 1, 2, 3].map((partition) => ({ partition, replicas: [1 + (partition % 3), 1 + ((partition + 1) % 3)] })) });
  const joined = await cluster.addBroker();
  const b = ['--bootstrap-server', cluster.bootstrap];
  const generated = await runCliOk(['reassign-partitions', ...b, '--generate', '--broker-list', `1,2,3,${joined}`,
    '--topics-to-move-json-file', await file('grows-topics.json', { version: 1, topics: [{ topic: 'grows' }] })]);
  const proposalText = /Proposed partition reassignment configuration\n(.*)\n$/.exec(generated.stdout)?.[1];
  assert.ok(proposalText !== undefined, generated.stdout);
  const proposal = JSON.parse(proposalText) as { partitions: Array<{ partition: number; replicas: number[] }> };
  // Kafka's assignment spreads 4 partitions x 2 replicas evenly over 4 brokers: 2 each.
  assert.equal(proposal.partitions.flatMap((p) => p.replicas).filter((id) => id === joined).length, 2, proposalText);
  const plan = await file('grows.json', proposalText);
  await runCliOk(['reassign-partitions', ...b, '--execute', '--reassignment-json-file', plan]);
  await runCliOk(['reassign-partitions', ...b, '--verify', '--wait', '--reassignment-json-file', plan], { timeoutMs: 60_000 });
  for (const p of proposal.partitions) {
    await cluster.waitForPartition('grows', p.partition, (m) => m.replicas.join(',') === p.replicas.join(',') && sameSet(m.isr, p.replicas), `replicas ${p.replicas}`);
  }
});
