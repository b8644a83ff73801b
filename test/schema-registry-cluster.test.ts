/**
 * The schema registry on a three-broker cluster (in-process brokers on a real ZooKeeper): `_schemas`
 * is created with replication factor 3, as Confluent's kafkastore.topic.replication.factor asks;
 * a second registry instance, reading the same log, sees what the first one wrote; and the
 * registry keeps answering writes after a broker other than the partition's leader dies.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Broker } from '../src/broker/broker.ts';
import { Admin } from '../src/client/index.ts';
import { startSchemaRegistryServer, type SchemaRegistryServer } from '../src/registry/schema-registry-server.ts';
import { startClusterBrokers, type Closers } from './helpers/in-process-cluster.ts';
import { waitFor } from './helpers/wait-for.ts';
import { startZooKeeper, type TestZooKeeper } from './helpers/zookeeper-server.ts';

let zk: TestZooKeeper;
const closers: Closers = [];
let brokers: Broker[];
let bootstrap: string[];

before(async () => {
  zk = await startZooKeeper();
  brokers = await startClusterBrokers(zk, closers, { chroot: '/schema-registry' });
  for (const broker of brokers) {
    await waitFor(() => (broker.cluster.aliveBrokerIds().length === 3 && broker.cluster.controllerId >= 0) || undefined, 30_000, { what: `broker ${broker.nodeId} to see the cluster` });
  }
  bootstrap = brokers.map((b) => `${b.host}:${b.port}`);
});

after(async () => {
  for (const close of closers.reverse()) await close();
  await zk.close();
});

async function register(server: SchemaRegistryServer, subject: string, schema: string): Promise<{ status: number; body: any }> {
  const response = await fetch(`${server.url}/subjects/${subject}/versions`, {
    method: 'POST', headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' }, body: JSON.stringify({ schema }),
  });
  return { status: response.status, body: await response.json() };
}

test('_schemas gets replication factor 3; a second instance sees the first one\'s writes; a follower\'s death does not stop writes', { timeout: 120_000 }, async () => {
  const first = await startSchemaRegistryServer({ client: { bootstrapServers: bootstrap }, listener: 'http://127.0.0.1:0' });
  closers.push(() => first.close());
  const admin = new Admin({ bootstrapServers: bootstrap });
  closers.push(() => admin.close());
  const [topic] = await admin.describeTopics(['_schemas']);
  assert.equal(topic!.partitions.length, 1);
  assert.equal(topic!.partitions[0]!.replicas.length, 3);

  const { body } = await register(first, 'cluster-value', '"string"');
  const second = await startSchemaRegistryServer({ client: { bootstrapServers: bootstrap }, listener: 'http://127.0.0.1:0' });
  closers.push(() => second.close());
  assert.deepEqual(await (await fetch(`${second.url}/subjects/cluster-value/versions/1`)).json(), { subject: 'cluster-value', version: 1, id: body.id, schema: '"string"' });
  // Written after the second started: it reaches the second by its tail of the log.
  const later = await register(first, 'later-value', '"long"');
  await waitFor(async () => (await fetch(`${second.url}/subjects/later-value/versions/1`)).ok, 30_000, { what: 'the second instance to read the write' });
  assert.equal((await (await fetch(`${second.url}/subjects/later-value/versions/1`)).json() as { id: number }).id, later.body.id);

  // A follower that is not the controller either: the write must not wait for a replica that is gone.
  const leader = topic!.partitions[0]!.leaderId;
  const follower = brokers.find((b) => b.nodeId !== leader && b.nodeId !== b.cluster.controllerId)!;
  await follower.close();
  const afterDeath = await register(first, 'after-death-value', '"int"');
  assert.equal(afterDeath.status, 200, JSON.stringify(afterDeath.body));
  assert.ok(afterDeath.body.id > later.body.id);
});
