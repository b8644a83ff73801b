import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ZooKeeperClient } from '../src/broker/cluster/zookeeper/zookeeper-client.ts';
import { scramCredentialFromString } from '../src/broker/security/scram-credential-store.ts';
import { Apis } from '../src/client/apis.ts';
import type { Admin } from '../src/client/index.ts';
import { ErrorCode } from '../src/protocol/errors.ts';
import { saltedPassword, scramCredentialFromSaltedPassword, SCRAM_SHA_256 } from '../src/protocol/sasl/scram.ts';
import { startCluster, type TestCluster } from './helpers/cluster.ts';
import { runCliOk } from './helpers/run-cli.ts';
import { waitFor } from './helpers/wait-for.ts';

/**
 * SCRAM credentials in a real cluster (broker processes on a real ZooKeeper): set through the
 * controller, as Kafka's admin client does in ZooKeeper mode, stored in /config/users/<user> in
 * Kafka's form, and seen by the other broker once the /config/changes notification reaches it.
 */
let cluster: TestCluster;
let admin: Admin;
let zk: ZooKeeperClient;
let controllerId: number;
let otherId: number;

before(async () => {
  cluster = await startCluster({ brokers: 2 });
  admin = cluster.admin();
  zk = await ZooKeeperClient.connect({ connect: cluster.zookeeper.connectString, sessionTimeoutMs: 5000 });
  controllerId = (await cluster.waitForBrokers([1, 2])).controllerId;
  otherId = cluster.ids.find((id) => id !== controllerId)!;
  await admin.cluster.refreshMetadata();
});

after(async () => {
  await admin?.close();
  await zk?.close();
  await cluster?.close();
});

/** DescribeUserScramCredentials as one broker answers it. */
async function describeOn(brokerId: number, user: string) {
  const response = await admin.cluster.send(brokerId, 'admin', Apis.DescribeUserScramCredentials, { users: [{ name: user }] });
  return response.results[0]!;
}

test('a credential set through the controller is in /config/users in Kafka\'s form and visible on the other broker within a second', { timeout: 120_000 }, async () => {
  const salt = Buffer.from('cluster-salt');
  const [result] = await admin.alterUserScramCredentials([{ user: 'alice', mechanism: 'SCRAM-SHA-256', iterations: 8192, password: 'alice-secret', salt }]);
  assert.equal(result!.error, null);
  const seen = await waitFor(async () => {
    const answer = await describeOn(otherId, 'alice');
    return answer.errorCode === ErrorCode.NONE ? answer : undefined;
  }, 1_000, { intervalMs: 10, what: `broker ${otherId} to describe alice's credential` });
  assert.deepEqual(seen.credentialInfos, [{ mechanism: SCRAM_SHA_256.type, iterations: 8192 }]);

  const znode = JSON.parse((await zk.getData('/config/users/alice')).data.toString('utf8')) as { version: number; config: Record<string, string> };
  assert.equal(znode.version, 1);
  assert.deepEqual(Object.keys(znode.config), ['SCRAM-SHA-256']);
  const expected = scramCredentialFromSaltedPassword(SCRAM_SHA_256, salt, saltedPassword(SCRAM_SHA_256, 'alice-secret', salt, 8192), 8192);
  assert.equal(znode.config['SCRAM-SHA-256'],
    `salt=${salt.toString('base64')},stored_key=${expected.storedKey.toString('base64')},server_key=${expected.serverKey.toString('base64')},iterations=8192`);
  assert.deepEqual(scramCredentialFromString(znode.config['SCRAM-SHA-256']!), expected);
});

test('a broker that is not the controller refuses to alter (NOT_CONTROLLER); samsa configs finds the controller and deletes', { timeout: 120_000 }, async () => {
  const refused = await admin.cluster.send(otherId, 'admin', Apis.AlterUserScramCredentials, {
    deletions: [{ name: 'alice', mechanism: SCRAM_SHA_256.type }], upsertions: [],
  });
  assert.deepEqual(refused.results.map((r) => [r.user, r.errorCode]), [['alice', ErrorCode.NOT_CONTROLLER]]);
  assert.equal((await describeOn(otherId, 'alice')).errorCode, ErrorCode.NONE, 'nothing was deleted');

  await runCliOk(['configs', '--bootstrap-server', cluster.broker(otherId).bootstrap, '--alter', '--entity-type', 'users', '--entity-name', 'alice', '--delete-config', 'SCRAM-SHA-256']);
  await waitFor(async () => (await describeOn(otherId, 'alice')).errorCode === ErrorCode.RESOURCE_NOT_FOUND, 1_000, { intervalMs: 10, what: 'the deletion on the other broker' });
  assert.deepEqual(JSON.parse((await zk.getData('/config/users/alice')).data.toString('utf8')), { version: 1, config: {} });
});
