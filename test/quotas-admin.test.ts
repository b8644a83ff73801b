import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Admin, KafkaClientError } from '../src/client/index.ts';
import { ErrorCode } from '../src/protocol/errors.ts';
import { startTestBroker, type TestBroker } from './helpers/test-broker.ts';
import { removeTempDir } from './helpers/temp-dir.ts';
import { runCli, runCliOk } from './helpers/run-cli.ts';

let broker: TestBroker;
let admin: Admin;

before(async () => {
  broker = await startTestBroker();
  admin = new Admin({ bootstrapServers: [broker.bootstrap] });
});

after(async () => {
  await admin.close();
  await broker.close();
  await removeTempDir(broker.dataDir);
});

const sortByEntity = <T extends { entity: Readonly<Record<string, string | null>> }>(list: T[]): T[] =>
  list.sort((a, b) => Object.keys(a.entity).length - Object.keys(b.entity).length || JSON.stringify(a.entity).localeCompare(JSON.stringify(b.entity)));

test('DescribeClientQuotas shows what AlterClientQuotas set, by EXACT, DEFAULT and SPECIFIED matches', async () => {
  const results = await admin.alterClientQuotas([
    { entity: { user: 'alice' }, ops: [{ key: 'producer_byte_rate', value: 1024 }, { key: 'consumer_byte_rate', value: 2048 }] },
    { entity: { user: 'alice', 'client-id': 'app' }, ops: [{ key: 'request_percentage', value: 12.5 }] },
    { entity: { 'client-id': null }, ops: [{ key: 'controller_mutation_rate', value: 10 }] },
  ]);
  assert.deepEqual(results.map((result) => result.error), [null, null, null]);

  const alice = await admin.describeClientQuotas({ components: [{ entityType: 'user', match: 'alice' }], strict: true });
  assert.deepEqual(alice, [{ entity: { user: 'alice' }, quotas: { producer_byte_rate: 1024, consumer_byte_rate: 2048 } }]);
  // Not strict: alice's client id entity matches too.
  const aliceAll = sortByEntity(await admin.describeClientQuotas({ components: [{ entityType: 'user', match: 'alice' }] }));
  assert.deepEqual(aliceAll.map((each) => each.entity), [{ user: 'alice' }, { user: 'alice', 'client-id': 'app' }]);
  const defaults = await admin.describeClientQuotas({ components: [{ entityType: 'client-id', match: null }], strict: true });
  assert.deepEqual(defaults, [{ entity: { 'client-id': null }, quotas: { controller_mutation_rate: 10 } }]);
  const anyClient = sortByEntity(await admin.describeClientQuotas({ components: [{ entityType: 'client-id' }] }));
  assert.deepEqual(anyClient.map((each) => each.entity), [{ 'client-id': null }, { user: 'alice', 'client-id': 'app' }]);
  assert.equal((await admin.describeClientQuotas({ components: [] })).length, 3);

  // Removing the last quota of an entity removes the entity.
  const [removed] = await admin.alterClientQuotas([{ entity: { 'client-id': null }, ops: [{ key: 'controller_mutation_rate', value: null }] }]);
  assert.equal(removed!.error, null);
  assert.deepEqual(await admin.describeClientQuotas({ components: [{ entityType: 'client-id', match: null }], strict: true }), []);
});

test('AlterClientQuotas refuses unknown keys, values not above 0, fractional byte rates and bad entities with INVALID_REQUEST; validateOnly writes nothing', async () => {
  const results = await admin.alterClientQuotas([
    { entity: { user: 'bob' }, ops: [{ key: 'fetch.max.bytes', value: 1 }] },
    { entity: { user: 'bob' }, ops: [{ key: 'producer_byte_rate', value: -5 }] },
    { entity: { user: 'bob' }, ops: [{ key: 'producer_byte_rate', value: 1.5 }] },
    { entity: {}, ops: [{ key: 'producer_byte_rate', value: 100 }] },
    { entity: { group: 'g' }, ops: [{ key: 'producer_byte_rate', value: 100 }] },
    { entity: { user: '' }, ops: [{ key: 'producer_byte_rate', value: 100 }] },
    { entity: { ip: '10.0.0.1', user: 'bob' }, ops: [{ key: 'producer_byte_rate', value: 100 }] },
    { entity: { user: 'carol' }, ops: [{ key: 'producer_byte_rate', value: 100 }] },
  ]);
  assert.deepEqual(results.slice(0, 7).map((result) => result.error?.code), Array(7).fill(ErrorCode.INVALID_REQUEST));
  assert.match(results[0]!.error!.message, /Invalid configuration key fetch\.max\.bytes/);
  assert.match(results[1]!.error!.message, /must be greater than 0/);
  // One refused entry does not stop the others.
  assert.equal(results[7]!.error, null);
  assert.deepEqual(await admin.describeClientQuotas({ components: [{ entityType: 'user', match: 'bob' }] }), []);

  const [validated] = await admin.alterClientQuotas([{ entity: { user: 'dave' }, ops: [{ key: 'producer_byte_rate', value: 100 }] }], { validateOnly: true });
  assert.equal(validated!.error, null);
  assert.deepEqual(await admin.describeClientQuotas({ components: [{ entityType: 'user', match: 'dave' }] }), []);

  await assert.rejects(admin.describeClientQuotas({ components: [{ entityType: 'user' }, { entityType: 'user', match: 'x' }] }),
    (error: unknown) => error instanceof KafkaClientError && error.code === ErrorCode.INVALID_REQUEST);
});

test('samsa configs --entity-type users|clients --alter --add-config / --delete-config / --describe quotas', async () => {
  const bootstrap = ['--bootstrap-server', broker.bootstrap];
  const added = await runCliOk(['configs', ...bootstrap, '--entity-type', 'clients', '--entity-name', 'cli-app', '--alter',
    '--add-config', 'producer_byte_rate=1024,consumer_byte_rate=2048']);
  assert.match(added.stdout, /Completed updating config for client cli-app\./);
  const described = await runCliOk(['configs', ...bootstrap, '--entity-type', 'clients', '--entity-name', 'cli-app', '--describe']);
  assert.equal(described.stdout, "Quota configs for client-id 'cli-app' are producer_byte_rate=1024.0, consumer_byte_rate=2048.0\n");
  await runCliOk(['configs', ...bootstrap, '--entity-type', 'users', '--entity-default', '--alter', '--add-config', 'request_percentage=50']);
  const userDefault = await runCliOk(['configs', ...bootstrap, '--entity-type', 'users', '--entity-default', '--describe']);
  assert.equal(userDefault.stdout, 'Quota configs for the default user-principal are request_percentage=50.0\n');
  await runCliOk(['configs', ...bootstrap, '--entity-type', 'clients', '--entity-name', 'cli-app', '--alter', '--delete-config', 'producer_byte_rate']);
  assert.deepEqual(await admin.describeClientQuotas({ components: [{ entityType: 'client-id', match: 'cli-app' }] }),
    [{ entity: { 'client-id': 'cli-app' }, quotas: { consumer_byte_rate: 2048 } }]);
  const refused = await runCli(['configs', ...bootstrap, '--entity-type', 'clients', '--entity-name', 'cli-app', '--alter', '--add-config', 'producer_byte_rate=-1']);
  assert.notEqual(refused.status, 0);
  assert.match(refused.stderr, /greater than 0/);
  await runCliOk(['configs', ...bootstrap, '--entity-type', 'users', '--entity-default', '--alter', '--delete-config', 'request_percentage']);
});
