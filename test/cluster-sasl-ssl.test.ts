/**
 * A 3-broker cluster whose brokers speak to one another only over SASL_SSL: each broker has a
 * CLIENT listener and an INTERNAL one (inter.broker.listener.name), both SASL_SSL with the test's
 * certificates; brokers log in to one another with PLAIN as User:broker (sasl.mechanism.inter.broker.protocol),
 * and the ACL authorizer lets only the super users (User:broker, User:admin) do what replication and
 * the controller need (CLUSTER_ACTION). Replication, a SIGKILL of the leader, the election, the
 * killed broker's return to the ISR: all as in a plaintext cluster, with an ordinary user (SCRAM,
 * allowed by ACLs) producing with acks=all and reading everything back exactly once.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { Admin, Consumer, Producer, clientSecurityFromProperties, type ClientSecurity } from '../src/client/index.ts';
import { Connection } from '../src/client/connection.ts';
import { makeTestCertificates } from './helpers/certificates.ts';
import { CLUSTER_WAIT_MS, startCluster, type TestCluster } from './helpers/cluster.ts';
import { firstSegmentPath, readSegmentBatches } from './helpers/log-segment.ts';
import { waitFor } from './helpers/wait-for.ts';

const TOPIC = 'secured';
const PLAIN = 'org.apache.kafka.common.security.plain.PlainLoginModule';
const SCRAM = 'org.apache.kafka.common.security.scram.ScramLoginModule';
// The INTERNAL listener's JAAS config: the login brokers use (username/password) and the users it accepts.
const INTERNAL_JAAS = `${PLAIN} required username="broker" password="broker-secret" user_broker="broker-secret";`;
const CLIENT_JAAS = `${PLAIN} required user_admin="admin-secret";`;

const certs = makeTestCertificates();
/** Client port -> the INTERNAL listener's port, for the broker that has both. */
const internalPorts = new Map<number, number>();

/** Client properties as a user writes them in --command-config. */
function security(module: string, mechanism: string, user: string, password: string): ClientSecurity {
  return clientSecurityFromProperties(new Map([
    ['security.protocol', 'SASL_SSL'], ['ssl.truststore.type', 'PEM'], ['ssl.truststore.location', certs.truststore],
    ['sasl.mechanism', mechanism], ['sasl.jaas.config', `${module} required username="${user}" password="${password}";`],
  ]))!;
}

const admin = security(PLAIN, 'PLAIN', 'admin', 'admin-secret');
const alice = security(SCRAM, 'SCRAM-SHA-512', 'alice', 'alice-secret');

let cluster: TestCluster;

before(async () => {
  cluster = await startCluster({
    brokers: 3,
    listeners: ({ client, internal }) => {
      internalPorts.set(client, internal);
      return {
        listeners: `CLIENT://127.0.0.1:${client},INTERNAL://127.0.0.1:${internal}`,
        'listener.security.protocol.map': 'CLIENT:SASL_SSL,INTERNAL:SASL_SSL',
        'inter.broker.listener.name': 'INTERNAL',
      };
    },
    overrides: {
      'ssl.keystore.type': 'PEM', 'ssl.keystore.location': certs.broker.keystore,
      'ssl.truststore.type': 'PEM', 'ssl.truststore.location': certs.truststore,
      'sasl.enabled.mechanisms': 'SCRAM-SHA-512,PLAIN',
      'sasl.mechanism.inter.broker.protocol': 'PLAIN',
      'listener.name.internal.plain.sasl.jaas.config': INTERNAL_JAAS,
      'listener.name.client.plain.sasl.jaas.config': CLIENT_JAAS,
      'authorizer.class.name': 'kafka.security.authorizer.AclAuthorizer',
      'super.users': 'User:broker;User:admin',
      'connection.failed.authentication.delay.ms': '100',
    },
    // The test reads the brokers' logs for failed authentications, which are logged at info.
    brokerEnv: { SAMSA_LOG_LEVEL: 'info' },
    clientSecurity: admin,
  });
});

after(async () => {
  await cluster?.close();
});

function aliceOn(servers: string[]): { bootstrapServers: string[]; security: ClientSecurity; requestTimeoutMs: number } {
  return { bootstrapServers: servers, security: alice, requestTimeoutMs: 10_000 };
}

/** Records in a broker's copy of the partition, read from its segment file. */
async function storedRecords(id: number): Promise<number> {
  const batches = await readSegmentBatches(firstSegmentPath(cluster.broker(id).logDir, TOPIC, 0)).catch(() => []);
  return batches.reduce((sum, b) => sum + b.recordsCount, 0);
}

async function waitForStored(ids: readonly number[], count: number): Promise<void> {
  await waitFor(async () => {
    const stored = await Promise.all(ids.map(storedRecords));
    if (!stored.every((n) => n === count)) throw new Error(`brokers ${ids.join(',')} store ${stored.join(',')} records, not ${count}`);
    return true;
  }, CLUSTER_WAIT_MS, { intervalMs: 200, what: `every replica to store ${count} records` });
}

/** Sends `values` with acks=all, a few at a time; answers those acknowledged (a send that failed is not). */
async function produce(producer: Producer, values: readonly string[]): Promise<string[]> {
  const acknowledged: string[] = [];
  for (let i = 0; i < values.length; i += 10) {
    const chunk = values.slice(i, i + 10);
    const results = await Promise.allSettled(chunk.map((v) => producer.send({ topic: TOPIC, partition: 0, value: Buffer.from(v) })));
    results.forEach((r, j) => { if (r.status === 'fulfilled') acknowledged.push(chunk[j]!); });
  }
  return acknowledged;
}

/** The partition's high watermark, as the admin reads it. */
async function endOffset(): Promise<number> {
  const asAdmin = cluster.admin();
  try {
    const [end] = await asAdmin.listOffsets([{ topic: TOPIC, partition: 0, spec: 'latest' }]);
    return Number(end!.offset);
  } finally {
    await asAdmin.close();
  }
}

const acknowledged: string[] = [];
let killed = -1;

test('an ordinary user creates nothing, but with ACLs produces with acks=all and every broker replicates over SASL_SSL', { timeout: 90_000 }, async () => {
  const setup = cluster.admin();
  try {
    assert.deepEqual((await setup.alterUserScramCredentials([{ user: 'alice', mechanism: 'SCRAM-SHA-512', iterations: 4096, password: 'alice-secret' }])).map((r) => r.error), [null]);
    await setup.createAcls((['WRITE', 'READ', 'DESCRIBE'] as const).map((operation) => ({
      pattern: { resourceType: 'TOPIC', name: TOPIC, patternType: 'LITERAL' },
      entry: { principal: 'User:alice', host: '*', operation, permissionType: 'ALLOW' },
    })));
  } finally {
    await setup.close();
  }
  // alice may not create topics (no CREATE ACL): the admin does, over SASL_SSL.
  const aliceAdmin = new Admin(aliceOn(cluster.bootstrapServers));
  try {
    await waitFor(async () => (await aliceAdmin.describeCluster()).brokers.length === 3, 30_000, { what: 'alice to log in' });
    await assert.rejects(aliceAdmin.createTopics([{ topic: 'not-allowed', numPartitions: 1, replicationFactor: 3 }]), /TOPIC_AUTHORIZATION_FAILED|CLUSTER_AUTHORIZATION_FAILED|not authorized/i);
  } finally {
    await aliceAdmin.close();
  }
  await cluster.createTopic({ topic: TOPIC, numPartitions: 1, replicationFactor: 3, configs: { 'min.insync.replicas': '2' } });
  // Every broker has alice's SCRAM credentials and her ACLs before she produces (both spread through ZooKeeper).
  for (const id of cluster.ids) {
    const asAlice = new Admin(aliceOn([cluster.broker(id).bootstrap]));
    try {
      await waitFor(async () => (await asAlice.describeTopics([TOPIC]))[0]?.partitions.length === 1, 30_000, { what: `broker ${id} to let alice describe ${TOPIC}` });
    } finally {
      await asAlice.close();
    }
  }

  const producer = new Producer({ ...aliceOn(cluster.bootstrapServers), acks: -1, clientId: 'alice-producer' });
  try {
    const values = Array.from({ length: 100 }, (_, i) => `before-${i}`);
    acknowledged.push(...await produce(producer, values));
  } finally {
    await producer.close();
  }
  assert.equal(acknowledged.length, 100);
  const partition = await cluster.waitForIsr(TOPIC, 0, [1, 2, 3]);
  assert.deepEqual([...partition.replicas].sort(), [1, 2, 3]);
  // The followers fetched every record over the INTERNAL (SASL_SSL) listener: each broker's own log holds them.
  await waitForStored(cluster.ids, 100);
});

test('SIGKILL of the leader: a new leader is elected, acks=all writes go on, and every acknowledged record is read back exactly once', { timeout: 90_000 }, async (t) => {
  const before = await cluster.waitForLeader(TOPIC, 0);
  killed = before.leaderId;
  const producer = new Producer({ ...aliceOn(cluster.bootstrapServers), acks: -1, clientId: 'alice-producer-failover', deliveryTimeoutMs: 30_000 });
  try {
    // A producer that keeps writing, ten at a time, through the kill and the election.
    let stop = false;
    let sent = 0;
    const during = (async () => {
      const acked: string[] = [];
      while (!stop) acked.push(...await produce(producer, Array.from({ length: 10 }, () => `during-${sent++}`)));
      return acked;
    })();
    await waitFor(() => sent >= 30, 30_000, { what: 'writes under way' });
    await cluster.kill(killed);
    const after = await cluster.waitForLeader(TOPIC, 0, { not: killed });
    assert.ok(after.leaderEpoch > before.leaderEpoch, `the leader epoch moved on (${before.leaderEpoch} -> ${after.leaderEpoch})`);
    stop = true;
    const duringAcknowledged = await during;
    t.diagnostic(`${duringAcknowledged.length} of ${sent} writes made while broker ${killed} (the leader) was killed and replaced were acknowledged; broker ${after.leaderId} leads`);
    assert.ok(duringAcknowledged.length > 0);
    acknowledged.push(...duringAcknowledged);
    const afterValues = Array.from({ length: 100 }, (_, i) => `after-${i}`);
    const afterAcknowledged = await produce(producer, afterValues);
    assert.deepEqual(afterAcknowledged, afterValues, 'with two replicas of three in the ISR, every acks=all write succeeds');
    acknowledged.push(...afterAcknowledged);
  } finally {
    await producer.close();
  }
  const survivors = cluster.runningIds;
  assert.equal(survivors.length, 2);

  const consumer = new Consumer({ ...aliceOn(cluster.runningBootstrapServers), clientId: 'alice-reader', autoOffsetReset: 'earliest' });
  const read: string[] = [];
  try {
    consumer.assign([{ topic: TOPIC, partition: 0 }]);
    const highWatermark = await endOffset();
    const deadline = Date.now() + 30_000;
    let position = 0;
    while (position < highWatermark && Date.now() < deadline) {
      for (const record of await consumer.poll(500)) {
        read.push(record.value!.toString());
        position = Number(record.offset) + 1;
      }
    }
    assert.equal(read.length, highWatermark, `read ${read.length} of ${highWatermark} records`);
  } finally {
    await consumer.close();
  }
  assert.equal(new Set(read).size, read.length, 'no record is read twice');
  const readSet = new Set(read);
  const missing = acknowledged.filter((v) => !readSet.has(v));
  assert.deepEqual(missing, [], 'every acknowledged record is there');
  // In the order sent: the ones written before the kill first, every one of them.
  assert.deepEqual(read.slice(0, 100), acknowledged.slice(0, 100));
  await waitForStored(survivors, read.length);
});

test('the killed broker restarts, catches up over SASL_SSL and rejoins the ISR', { timeout: 90_000 }, async () => {
  assert.ok(killed > 0);
  await cluster.start(killed);
  await cluster.waitForIsr(TOPIC, 0, [1, 2, 3]);
  await waitForStored(cluster.ids, await endOffset());
});

test('the brokers never failed to authenticate one another', async () => {
  for (const id of cluster.ids) {
    const log = await readFile(cluster.broker(id).logFile, 'utf8');
    // The inter-broker listener only: a client may meet a broker that has not yet heard of a SCRAM
    // credential set a moment ago on the controller (it hears within a second), and retries.
    const failures = log.split('\n').filter((line) => line.includes('"listener":"INTERNAL"')
      && /failed authentication|SASL handshake refused|SASL_AUTHENTICATION_FAILED|Authentication failed/i.test(line));
    assert.deepEqual(failures, [], `broker ${id} logged authentication failures`);
    assert.doesNotMatch(log, /broker-secret/, `broker ${id} never logs the inter-broker password`);
  }
});

test('a wrong password is refused on the client and the inter-broker listeners', async () => {
  const endBefore = await endOffset();
  const wrong = security(SCRAM, 'SCRAM-SHA-512', 'alice', 'wrong-password');
  const producer = new Producer({ ...aliceOn(cluster.bootstrapServers), security: wrong, maxBlockMs: 5_000 });
  try {
    await assert.rejects(producer.send({ topic: TOPIC, partition: 0, value: Buffer.from('intruder') }), (error: Error) => {
      assert.match(error.message, /SASL_AUTHENTICATION_FAILED|Authentication failed/);
      return true;
    });
  } finally {
    await producer.close();
  }
  // Posing as a broker on the INTERNAL listener without its password.
  const { bootstrap, port } = cluster.broker(cluster.runningIds[0]!);
  const internal = internalPorts.get(port)!;
  assert.ok(internal > 0, `the INTERNAL port of ${bootstrap}`);
  await assert.rejects(
    Connection.open({ host: '127.0.0.1', port: internal, clientId: 'impostor', requestTimeoutMs: 5_000, connectTimeoutMs: 5_000, security: security(PLAIN, 'PLAIN', 'broker', 'guess') }),
    /Authentication failed: Invalid username or password/,
  );
  assert.equal(await endOffset(), endBefore, 'nothing the intruder sent was written');
  // The broker logged the impostor (what the check above looks for), without the password it tried.
  const impostorBroker = cluster.runningIds[0]!;
  const log = await waitFor(async () => {
    const text = await readFile(cluster.broker(impostorBroker).logFile, 'utf8');
    return /"listener":"INTERNAL".*wrong password for user broker.*"msg":"failed authentication"/.test(text) ? text : undefined;
  }, 10_000, { what: `broker ${impostorBroker} to log the failed authentication` });
  assert.doesNotMatch(log, /"guess"|password=guess|wrong-password/);
});
