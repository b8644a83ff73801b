import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Connection } from '../src/client/connection.ts';
import { InterBrokerApis } from '../src/broker/cluster/inter-broker-apis.ts';
import { ErrorCode } from '../src/protocol/errors.ts';
import { apiTestBroker } from './helpers/api-test-broker.ts';

/** A single node (no ZooKeeper) has no controller: requests meant for one are answered NOT_CONTROLLER. */
const setup = apiTestBroker();

async function open(): Promise<Connection> {
  return Connection.open({ host: setup.broker.host, port: setup.broker.port, clientId: 'test', requestTimeoutMs: 10_000, connectTimeoutMs: 10_000 });
}

test('AlterPartition to a broker that is not the controller: NOT_CONTROLLER, whatever the version', async (t) => {
  const connection = await open();
  t.after(() => connection.close());
  for (const version of [0, 1, 2, 3]) {
    const response = await connection.send(InterBrokerApis.AlterPartition, {
      brokerId: 1, brokerEpoch: 5n,
      topics: [version >= 2
        ? { topicId: 'AAAAAAAAAAAAAAAAAAAAAQ', partitions: [{ partitionIndex: 0, leaderEpoch: 0, partitionEpoch: 0, ...(version >= 3 ? { newIsrWithEpochs: [{ brokerId: 1, brokerEpoch: 5n }] } : { newIsr: [1] }) }] }
        : { topicName: 'orders', partitions: [{ partitionIndex: 0, leaderEpoch: 0, partitionEpoch: 0, newIsr: [1] }] }],
    }, { version });
    assert.equal(response.errorCode, ErrorCode.NOT_CONTROLLER, `v${version}`);
  }
});

test('ControlledShutdown to a broker that is not the controller: NOT_CONTROLLER', async (t) => {
  const connection = await open();
  t.after(() => connection.close());
  for (const version of [1, 2, 3]) {
    const response = await connection.send(InterBrokerApis.ControlledShutdown, { brokerId: 1, brokerEpoch: 7n }, { version });
    assert.equal(response.errorCode, ErrorCode.NOT_CONTROLLER);
    assert.deepEqual(response.remainingPartitions, []);
  }
});
