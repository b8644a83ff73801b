import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { LiveBrokers, type BrokerChange } from './live-brokers.ts';
import { encodeBrokerRegistration } from './zookeeper/zk-data.ts';
import type { Znode, ZooKeeperClient, ZooKeeperWatch } from './zookeeper/zookeeper-client.ts';
import { ConnectionLossError, ZOOKEEPER_CODES } from './zookeeper/zookeeper-errors.ts';

const registration = encodeBrokerRegistration({
  endpoints: [{ listenerName: 'PLAINTEXT', securityProtocol: 'PLAINTEXT', host: '127.0.0.1', port: 9092 }],
  rack: null, jmxPort: -1, features: {}, timestampMs: 0,
});

/**
 * A ZooKeeper client with one broker under /brokers/ids whose reads the test scripts: each getData
 * answers the next entry (a czxid, or an error to throw); the children watch fires when told.
 */
function scriptedClient(reads: Array<bigint | Error>): { client: ZooKeeperClient; fireChildren: () => void } {
  let listener: ((children: string[] | null) => void) | undefined;
  const fake = {
    watchChildren: async (path: string, onChange: (children: string[] | null) => void): Promise<ZooKeeperWatch> => {
      listener = onChange;
      onChange(['1']);
      return { path, cancel: () => { listener = undefined; } };
    },
    getData: async (): Promise<Znode> => {
      const next = reads.shift();
      if (next === undefined) throw new Error('no read scripted');
      if (next instanceof Error) throw next;
      return { data: registration, stat: { czxid: next } } as unknown as Znode;
    },
  };
  return { client: fake as unknown as ZooKeeperClient, fireChildren: () => listener?.(['1']) };
}

test('a registration re-created under the same id is seen as bounced even when its first read is lost with the connection', { timeout: 10_000 }, async () => {
  // The children list is unchanged (the znode was deleted and created again), and the watch set by
  // this read will not fire again: only reading the registration again shows the new broker epoch.
  const { client, fireChildren } = scriptedClient([10n, new ConnectionLossError(ZOOKEEPER_CODES.CONNECTION_LOSS, 'connection loss'), 20n]);
  const view = await LiveBrokers.watch(client);
  try {
    assert.equal(view.brokers.get(1)?.brokerEpoch, 10n);
    const changed = once(view, 'change') as Promise<[BrokerChange]>;
    fireChildren();
    const [change] = await changed;
    assert.deepEqual(change.bounced.map((b) => [b.registration.brokerId, b.brokerEpoch]), [[1, 20n]]);
    assert.equal(view.brokers.get(1)?.brokerEpoch, 20n);
  } finally {
    view.close();
  }
});
