/**
 * ACLs in a cluster: stored in ZooKeeper in Kafka's layout, and in force on every broker within a
 * second of their creation through any one of them. Two broker processes on a real ZooKeeper.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ZooKeeperClient } from '../src/broker/cluster/zookeeper/zookeeper-client.ts';
import { createAclsRequest, createAclsResponse } from '../src/protocol/generated/create-acls.ts';
import { describeAclsRequest, describeAclsResponse, type DescribeAclsResponse } from '../src/protocol/generated/describe-acls.ts';
import { api, KafkaApiClient } from './helpers/kafka-api-client.ts';
import { TestCluster } from './helpers/cluster.ts';
import { waitFor } from './helpers/wait-for.ts';

const CreateAcls = api(createAclsRequest, createAclsResponse);
const DescribeAcls = api(describeAclsRequest, describeAclsResponse);
const Code = { TOPIC: 2, GROUP: 3, ANY: 1, LITERAL: 3, PREFIXED: 4, READ: 3, WRITE: 4, ALLOW: 3, DENY: 2 } as const;

let cluster: TestCluster;
let zk: ZooKeeperClient;
const clients = new Map<number, KafkaApiClient>();

before(async () => {
  cluster = await TestCluster.start({
    brokers: 2,
    overrides: { 'authorizer.class.name': 'kafka.security.authorizer.AclAuthorizer', 'super.users': 'User:ANONYMOUS' },
  });
  zk = await ZooKeeperClient.connect({ connect: cluster.zookeeper.connectString, sessionTimeoutMs: 5_000 });
  for (const id of cluster.ids) {
    const { bootstrap } = cluster.broker(id);
    const [host, port] = [bootstrap.slice(0, bootstrap.lastIndexOf(':')), Number(bootstrap.slice(bootstrap.lastIndexOf(':') + 1))];
    clients.set(id, await KafkaApiClient.open(host, port));
  }
});

after(async () => {
  for (const client of clients.values()) client.close();
  await zk?.close();
  await cluster?.close();
});

function creation(
  resourceName: string, principal: string,
  { resourceType = Code.TOPIC, patternType = Code.LITERAL, operation = Code.READ, permissionType = Code.ALLOW }: Partial<Record<'resourceType' | 'patternType' | 'operation' | 'permissionType', number>> = {},
) {
  return { resourceType, resourceName, resourcePatternType: patternType, principal, host: '*', operation, permissionType };
}

async function create(brokerId: number, creations: ReturnType<typeof creation>[]): Promise<void> {
  const response = await clients.get(brokerId)!.call(CreateAcls, 3, { creations });
  assert.deepEqual(response.results.map((r) => r.errorCode), creations.map(() => 0));
}

async function describe(brokerId: number, resourceName: string | null = null): Promise<DescribeAclsResponse> {
  return clients.get(brokerId)!.call(DescribeAcls, 3, {
    resourceTypeFilter: Code.ANY, resourceNameFilter: resourceName, patternTypeFilter: Code.ANY,
    principalFilter: null, hostFilter: null, operation: 1, permissionType: 1,
  });
}

const principalsIn = (response: DescribeAclsResponse): string[] => response.resources.flatMap((r) => r.acls.map((a) => a.principal)).sort();

test('an ACL created through broker 1 is in force on broker 2 within a second, in Kafka\'s znodes', { timeout: 120_000 }, async () => {
  await create(1, [creation('orders', 'User:alice'), creation('pay-', 'User:bob', { patternType: Code.PREFIXED, operation: Code.WRITE, permissionType: Code.DENY })]);
  const startedMs = Date.now();
  await waitFor(async () => principalsIn(await describe(2)).length === 2, 1_000, { intervalMs: 20, what: 'broker 2 to see the ACLs' });
  assert.ok(Date.now() - startedMs < 1_000);
  assert.deepEqual(principalsIn(await describe(2)), ['User:alice', 'User:bob']);

  const literal = JSON.parse((await zk.getData('/kafka-acl/Topic/orders')).data.toString()) as unknown;
  assert.deepEqual(literal, { version: 1, acls: [{ principal: 'User:alice', permissionType: 'Allow', operation: 'Read', host: '*' }] });
  const prefixed = JSON.parse((await zk.getData('/kafka-acl-extended/prefixed/Topic/pay-')).data.toString()) as unknown;
  assert.deepEqual(prefixed, { version: 1, acls: [{ principal: 'User:bob', permissionType: 'Deny', operation: 'Write', host: '*' }] });
  const literalChanges = await zk.getChildren('/kafka-acl-changes');
  assert.ok(literalChanges.some((name) => /^acl_changes_\d{10}$/.test(name)));
  const notes = await Promise.all(literalChanges.map(async (name) => (await zk.getData(`/kafka-acl-changes/${name}`)).data.toString()));
  assert.ok(notes.includes('TOPIC:orders'), notes.join(', '));
  const extended = await zk.getChildren('/kafka-acl-extended-changes');
  const events = await Promise.all(extended.map(async (name) => JSON.parse((await zk.getData(`/kafka-acl-extended-changes/${name}`)).data.toString()) as unknown));
  assert.deepEqual(events.at(-1), { version: 1, resourceType: 'TOPIC', name: 'pay-', patternType: 'PREFIXED' });
});

test('ACLs added to one resource through both brokers at once are all kept', { timeout: 120_000 }, async () => {
  const names = Array.from({ length: 8 }, (_, i) => `User:writer-${i}`);
  await Promise.all(names.map((principal, i) => create(i % 2 === 0 ? 1 : 2, [creation('shared', principal, { resourceType: Code.GROUP })])));
  const stored = JSON.parse((await zk.getData('/kafka-acl/Group/shared')).data.toString()) as { acls: Array<{ principal: string }> };
  assert.deepEqual(stored.acls.map((a) => a.principal).sort(), [...names].sort());
  for (const id of cluster.ids) {
    await waitFor(async () => principalsIn(await describe(id, 'shared')).length === names.length, 5_000, { intervalMs: 20, what: `broker ${id} to see every writer` });
  }
});
