/**
 * `samsa acls` as kafka-acls.sh: --add, --list and --remove with its options and shortcuts,
 * printing what Kafka's tool prints, against a broker with the ACL authorizer.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Admin } from '../src/client/index.ts';
import { runCli, runCliOk } from './helpers/run-cli.ts';
import { removeTempDir } from './helpers/temp-dir.ts';
import { startTestBroker, type TestBroker } from './helpers/test-broker.ts';

let broker: TestBroker;
let admin: Admin;
const bootstrap = (): string[] => ['--bootstrap-server', broker.bootstrap];

before(async () => {
  broker = await startTestBroker({ 'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer', 'super.users': 'User:ANONYMOUS' }, undefined, { silent: true });
  admin = new Admin({ bootstrapServers: [broker.bootstrap] });
});

after(async () => {
  await admin?.close();
  await broker?.close();
  if (broker) await removeTempDir(broker.dataDir);
});

const entry = (principal: string, operation: string, permissionType = 'ALLOW', host = '*'): string =>
  `(principal=${principal}, host=${host}, operation=${operation}, permissionType=${permissionType})`;

test('--add prints what it adds as kafka-acls.sh does, and --list shows it per resource', async () => {
  const added = await runCliOk(['acls', ...bootstrap(), '--add', '--allow-principal', 'User:alice', '--operation', 'Read', '--operation', 'Describe', '--topic', 'orders']);
  assert.equal(added.stdout,
    'Adding ACLs for resource `ResourcePattern(resourceType=TOPIC, name=orders, patternType=LITERAL)`: \n'
    + ` \t${entry('User:alice', 'READ')}\n\t${entry('User:alice', 'DESCRIBE')} \n\n`);
  await runCliOk(['acls', ...bootstrap(), '--add', '--deny-principal', 'User:mallory', '--deny-host', '10.0.0.9', '--topic', 'pay-', '--resource-pattern-type', 'prefixed']);

  const listed = await runCliOk(['acls', ...bootstrap(), '--list', '--topic', 'orders']);
  assert.equal(listed.stdout,
    'Current ACLs for resource `ResourcePattern(resourceType=TOPIC, name=orders, patternType=LITERAL)`: \n'
    + ` \t${entry('User:alice', 'READ')}\n\t${entry('User:alice', 'DESCRIBE')} \n\n`);
  const matched = await runCliOk(['acls', ...bootstrap(), '--list', '--topic', 'pay-eu', '--resource-pattern-type', 'match']);
  assert.equal(matched.stdout,
    'Current ACLs for resource `ResourcePattern(resourceType=TOPIC, name=pay-, patternType=PREFIXED)`: \n'
    + ` \t${entry('User:mallory', 'ALL', 'DENY', '10.0.0.9')} \n\n`);
  const all = await runCliOk(['acls', ...bootstrap(), '--list', '--principal', 'User:mallory']);
  assert.match(all.stdout, /^ACLs for principal `User:mallory`\nCurrent ACLs for resource `ResourcePattern\(resourceType=TOPIC, name=pay-, patternType=PREFIXED\)`/);
  assert.doesNotMatch(all.stdout, /alice/);

  await runCliOk(['acls', ...bootstrap(), '--remove', '--force', '--topic', 'orders', '--allow-principal', 'User:alice', '--operation', 'Read']);
  assert.deepEqual((await admin.describeAcls({ pattern: { name: 'orders' } })).map((b) => b.entry.operation), ['DESCRIBE']);
  // Without --force the tool asks, and anything but y keeps the ACLs.
  const kept = await runCliOk(['acls', ...bootstrap(), '--remove', '--topic', 'orders'], { input: 'n\n' });
  assert.match(kept.stdout, /Are you sure you want to delete all ACLs for resource filter `ResourcePattern\(resourceType=TOPIC, name=orders, patternType=LITERAL\)`\? \(y\/n\)/);
  assert.equal((await admin.describeAcls({ pattern: { name: 'orders' } })).length, 1);
  await runCliOk(['acls', ...bootstrap(), '--remove', '--topic', 'orders'], { input: 'y\n' });
  await runCliOk(['acls', ...bootstrap(), '--remove', '--force', '--topic', 'pay-', '--resource-pattern-type', 'any']);
  assert.deepEqual(await admin.describeAcls({ pattern: {} }), []);
});

test('--producer and --consumer add the ACLs kafka-acls.sh\'s shortcuts do', async () => {
  await runCliOk(['acls', ...bootstrap(), '--add', '--allow-principal', 'User:app', '--producer', '--consumer', '--idempotent',
    '--topic', 'events', '--group', 'app-group', '--transactional-id', 'app-tx']);
  const acls = await admin.describeAcls({ pattern: {} });
  const by = (type: string, name: string): string[] => acls.filter((b) => b.pattern.resourceType === type && b.pattern.name === name).map((b) => b.entry.operation).sort();
  assert.deepEqual(by('TOPIC', 'events'), ['CREATE', 'DESCRIBE', 'READ', 'WRITE']);
  assert.deepEqual(by('GROUP', 'app-group'), ['READ']);
  assert.deepEqual(by('TRANSACTIONAL_ID', 'app-tx'), ['DESCRIBE', 'WRITE']);
  assert.deepEqual(by('CLUSTER', 'kafka-cluster'), ['IDEMPOTENT_WRITE']);
  assert.ok(acls.every((b) => b.entry.principal === 'User:app' && b.entry.host === '*' && b.entry.permissionType === 'ALLOW'));
  await runCliOk(['acls', ...bootstrap(), '--remove', '--force', '--allow-principal', 'User:app', '--consumer', '--topic', 'events', '--group', 'app-group']);
  const left = await admin.describeAcls({ pattern: { resourceType: 'TOPIC', name: 'events' } });
  assert.deepEqual(left.map((b) => b.entry.operation).sort(), ['CREATE', 'WRITE'], 'the consumer\'s READ and DESCRIBE are gone');
  await admin.deleteAcls([{ pattern: {} }]);
});

test('bad command lines are refused with kafka-acls.sh\'s messages', async () => {
  const cases: Array<[string[], RegExp]> = [
    [['--list', '--add'], /Command must include exactly one action: --list, --add, --remove/],
    [['--add', '--topic', 't'], /You must specify one of: --allow-principal, --deny-principal when trying to add ACLs/],
    [['--add', '--allow-principal', 'User:a'], /You must provide at least one resource/],
    [['--add', '--allow-principal', 'User:a', '--topic', 't', '--resource-pattern-type', 'match'], /'--resource-pattern-type' value of 'MATCH' is not valid when adding acls/],
    [['--add', '--allow-principal', 'User:a', '--group', 'g', '--operation', 'Write'], /ResourceType GROUP only supports operations Read, Describe, Delete, DescribeConfigs, AlterConfigs, All/],
    [['--add', '--producer', '--allow-principal', 'User:a', '--group', 'g'], /With --producer you must specify a --topic/],
    [['--add', '--consumer', '--allow-principal', 'User:a', '--topic', 't'], /With --consumer you must specify a --topic and a --group/],
  ];
  for (const [args, message] of cases) {
    const result = await runCli(['acls', ...bootstrap(), ...args]);
    assert.equal(result.status, 2, args.join(' '));
    assert.match(result.stderr, message);
  }
  const badPrincipal = await runCli(['acls', ...bootstrap(), '--add', '--allow-principal', 'alice', '--topic', 't']);
  assert.equal(badPrincipal.status, 1);
  assert.match(badPrincipal.stdout, /Error while executing ACL command: expected a string in format principalType:principalName but got alice/);
});
