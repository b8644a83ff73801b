/**
 * SCRAM credentials managed as a user manages them: our Admin client's alterUserScramCredentials
 * and describeUserScramCredentials and `samsa configs --entity-type users` against a real broker,
 * with the broker's store (samsa-entity-configs.json in its log dir) read back: Kafka's credential
 * form, never a password.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { scramCredentialFromSaltedPassword, saltedPassword, SCRAM_SHA_256, SCRAM_SHA_512 } from '../src/protocol/sasl/scram.ts';
import { scramCredentialFromString } from '../src/broker/security/scram-credential-store.ts';
import { Apis } from '../src/client/apis.ts';
import { Admin } from '../src/client/index.ts';
import { ErrorCode } from '../src/protocol/errors.ts';
import { runCli, runCliOk } from './helpers/run-cli.ts';
import { startTestBroker, type TestBroker } from './helpers/test-broker.ts';
import { startAuthorizingBroker } from './helpers/authorizing-broker.ts';

let broker: TestBroker;
let admin: Admin;
let b: string[];
before(async () => {
  broker = await startTestBroker({}, undefined, { silent: true });
  admin = new Admin({ bootstrapServers: [broker.bootstrap] });
  b = ['--bootstrap-server', broker.bootstrap];
});

after(async () => {
  await admin?.close();
  await broker?.close();
});

async function storedEntities(): Promise<Record<string, Record<string, string>>> {
  return (JSON.parse(await readFile(join(broker.dataDir, 'samsa-entity-configs.json'), 'utf8')) as { entities: Record<string, Record<string, string>> }).entities;
}

test('the admin client sets, describes and deletes credentials; the broker keeps the salted, hashed form only', async () => {
  const salt = Buffer.from('fixed-salt-for-the-test');
  const results = await admin.alterUserScramCredentials([
    { user: 'alice', mechanism: 'SCRAM-SHA-256', iterations: 8192, password: 'alice-secret', salt },
    { user: 'alice', mechanism: 'SCRAM-SHA-512', iterations: 4096, password: 'alice-secret' },
    { user: 'bob', mechanism: 'SCRAM-SHA-512', iterations: 4096, password: 'bob-secret' },
  ]);
  assert.deepEqual(results, [{ user: 'alice', error: null }, { user: 'bob', error: null }]);

  // What the broker stores is the credential Kafka would derive from that salted password.
  const stored = await storedEntities();
  const expected = scramCredentialFromSaltedPassword(SCRAM_SHA_256, salt, saltedPassword(SCRAM_SHA_256, 'alice-secret', salt, 8192), 8192);
  assert.equal(stored['users/alice']!['SCRAM-SHA-256'],
    `salt=${salt.toString('base64')},stored_key=${expected.storedKey.toString('base64')},server_key=${expected.serverKey.toString('base64')},iterations=8192`);
  const sha512 = scramCredentialFromString(stored['users/alice']!['SCRAM-SHA-512']!);
  assert.equal(sha512.iterations, 4096);
  assert.deepEqual(sha512, scramCredentialFromSaltedPassword(SCRAM_SHA_512, sha512.salt, saltedPassword(SCRAM_SHA_512, 'alice-secret', sha512.salt, 4096), 4096));
  assert.ok(!JSON.stringify(stored).includes('secret'), 'no password in the store');

  const all = await admin.describeUserScramCredentials();
  assert.deepEqual(all.map(({ user, credentialInfos, error }) => ({ user, credentialInfos, error })), [
    { user: 'alice', credentialInfos: [{ mechanism: 'SCRAM-SHA-256', iterations: 8192 }, { mechanism: 'SCRAM-SHA-512', iterations: 4096 }], error: null },
    { user: 'bob', credentialInfos: [{ mechanism: 'SCRAM-SHA-512', iterations: 4096 }], error: null },
  ]);
  const [carol] = await admin.describeUserScramCredentials(['carol']);
  assert.equal(carol!.error?.code, ErrorCode.RESOURCE_NOT_FOUND);
  assert.match(carol!.error!.message, /Attempt to describe a user credential that does not exist: carol/);

  assert.deepEqual(await admin.alterUserScramCredentials([{ user: 'bob', mechanism: 'SCRAM-SHA-512', delete: true }]), [{ user: 'bob', error: null }]);
  assert.equal((await storedEntities())['users/bob'], undefined, 'a user without configs is gone from the store');
  const [again] = await admin.alterUserScramCredentials([{ user: 'bob', mechanism: 'SCRAM-SHA-512', delete: true }]);
  assert.equal(again!.error?.code, ErrorCode.RESOURCE_NOT_FOUND);
});

test('the broker refuses what Kafka refuses, per user, and writes nothing of a refused user', async () => {
  const salted = { salt: Buffer.from('s'), saltedPassword: Buffer.alloc(32, 1) };
  const response = await admin.cluster.send(undefined, 'admin', Apis.AlterUserScramCredentials, {
    deletions: [{ name: 'dave', mechanism: 9 }],
    upsertions: [
      { name: 'erin', mechanism: 1, iterations: 4095, ...salted },
      { name: 'frank', mechanism: 1, iterations: 16385, ...salted },
      { name: 'grace', mechanism: 2, iterations: 4096, ...salted },
      { name: 'grace', mechanism: 2, iterations: 5000, ...salted },
      { name: 'heidi', mechanism: 1, iterations: 4096, ...salted },
      { name: '', mechanism: 1, iterations: 4096, ...salted },
    ],
  });
  const byUser = Object.fromEntries(response.results.map((r) => [r.user, [r.errorCode, r.errorMessage]]));
  assert.deepEqual(byUser, {
    dave: [ErrorCode.UNSUPPORTED_SASL_MECHANISM, 'Unknown SCRAM mechanism'],
    erin: [ErrorCode.UNACCEPTABLE_CREDENTIAL, 'Too few iterations'],
    frank: [ErrorCode.UNACCEPTABLE_CREDENTIAL, 'Too many iterations'],
    grace: [ErrorCode.DUPLICATE_RESOURCE, 'A user credential cannot be altered twice in the same request'],
    heidi: [ErrorCode.NONE, null],
    '': [ErrorCode.UNACCEPTABLE_CREDENTIAL, 'Username must not be empty'],
  });
  const stored = await storedEntities();
  assert.deepEqual(Object.keys(stored).filter((path) => /erin|frank|grace|dave/.test(path)), []);
  assert.ok(stored['users/heidi']!['SCRAM-SHA-256']!.endsWith(',iterations=4096'));

  const described = await admin.cluster.send(undefined, 'admin', Apis.DescribeUserScramCredentials, { users: [{ name: 'heidi' }, { name: 'heidi' }, { name: '' }] });
  assert.deepEqual(described.results.map((r) => [r.user, r.errorCode]), [['heidi', ErrorCode.DUPLICATE_RESOURCE], ['', ErrorCode.RESOURCE_NOT_FOUND]]);
});

test('CLUSTER ALTER and DESCRIBE are required', async () => {
  // The ACL authorizer: User:ANONYMOUS (PLAINTEXT) has no ACL; the super user sees what was stored.
  const secured = await startAuthorizingBroker();
  const anonymous = new Admin({ bootstrapServers: [`127.0.0.1:${secured.broker.listeners.get('PLAINTEXT')!.port}`] });
  try {
    const [denied] = await anonymous.alterUserScramCredentials([{ user: 'ivan', mechanism: 'SCRAM-SHA-256', iterations: 4096, password: 'x' }]);
    assert.equal(denied!.error?.code, ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
    await assert.rejects(anonymous.describeUserScramCredentials(), (error: Error & { code?: number }) => error.code === ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
    assert.deepEqual(await secured.admin.describeUserScramCredentials(), []);
    // With ALTER and DESCRIBE on the cluster, the same calls go through.
    await secured.allowOnly({ operation: 'ALTER', resourceType: 'CLUSTER', name: 'kafka-cluster' }, { operation: 'DESCRIBE', resourceType: 'CLUSTER', name: 'kafka-cluster' });
    const [allowed] = await anonymous.alterUserScramCredentials([{ user: 'ivan', mechanism: 'SCRAM-SHA-256', iterations: 4096, password: 'x' }]);
    assert.equal(allowed!.error, null);
    assert.deepEqual((await anonymous.describeUserScramCredentials()).map((d) => d.user), ['ivan']);
  } finally {
    await anonymous.close();
    await secured.close();
  }
});

test('samsa configs --entity-type users adds, describes and deletes SCRAM credentials as kafka-configs does, never printing a password', async () => {
  const added = await runCliOk(['configs', ...b, '--alter', '--entity-type', 'users', '--entity-name', 'judy',
    '--add-config', 'SCRAM-SHA-256=[iterations=8192,password=judy-secret],SCRAM-SHA-512=[password=judy-secret]']);
  assert.equal(added.stdout, 'Completed updating config for user judy.\n');
  const described = await runCliOk(['configs', ...b, '--describe', '--entity-type', 'users', '--entity-name', 'judy']);
  assert.equal(described.stdout, "SCRAM credential configs for user-principal 'judy' are SCRAM-SHA-256=iterations=8192, SCRAM-SHA-512=iterations=4096\n");
  const stored = scramCredentialFromString((await storedEntities())['users/judy']!['SCRAM-SHA-256']!);
  assert.deepEqual(stored, scramCredentialFromSaltedPassword(SCRAM_SHA_256, stored.salt, saltedPassword(SCRAM_SHA_256, 'judy-secret', stored.salt, 8192), 8192));

  await runCliOk(['configs', ...b, '--alter', '--user', 'judy', '--delete-config', 'SCRAM-SHA-512']);
  const afterDelete = await runCliOk(['configs', ...b, '--describe', '--entity-type', 'users']);
  assert.match(afterDelete.stdout, /^SCRAM credential configs for user-principal 'judy' are SCRAM-SHA-256=iterations=8192$/m);

  // Refusals, none of which shows the password.
  const tooFew = await runCli(['configs', ...b, '--alter', '--entity-type', 'users', '--entity-name', 'judy', '--add-config', 'SCRAM-SHA-256=[iterations=100,password=judy-secret]']);
  assert.equal(tooFew.status, 2);
  assert.match(tooFew.stderr, /Iterations 100 is less than the minimum 4096 required for SCRAM-SHA-256/);
  const malformed = await runCli(['configs', ...b, '--alter', '--entity-type', 'users', '--entity-name', 'judy', '--add-config', 'SCRAM-SHA-256=[pasword=judy-secret]']);
  assert.equal(malformed.status, 2);
  assert.match(malformed.stderr, /Invalid credential property SCRAM-SHA-256/);
  const onDefault = await runCli(['configs', ...b, '--alter', '--entity-type', 'users', '--entity-default', '--add-config', 'SCRAM-SHA-256=[password=judy-secret]']);
  assert.match(onDefault.stderr, /The use of --entity-default or --user-defaults is not allowed with User SCRAM Credentials/);
  const onClient = await runCli(['configs', ...b, '--alter', '--entity-type', 'clients', '--entity-name', 'app', '--add-config', 'SCRAM-SHA-256=[password=judy-secret]']);
  assert.match(onClient.stderr, /Only quota configs can be added for 'clients' using --bootstrap-server. Unexpected config names: SCRAM-SHA-256/);
  const unknown = await runCli(['configs', ...b, '--alter', '--user', 'judy', '--add-config', 'retention.ms=1']);
  assert.match(unknown.stderr, /Only quota and SCRAM credential configs can be added for 'users'/);
  const missing = await runCli(['configs', ...b, '--alter', '--user', 'judy', '--delete-config', 'SCRAM-SHA-512']);
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /RESOURCE_NOT_FOUND/);
  for (const result of [added, described, afterDelete, tooFew, malformed, onDefault, onClient, unknown, missing]) {
    assert.ok(!`${result.stdout}${result.stderr}`.includes('judy-secret'), 'no password printed');
  }
});
