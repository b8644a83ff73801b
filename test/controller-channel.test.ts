import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { ControllerChannelManager } from '../src/broker/cluster/controller/controller-channel-manager.ts';
import { InterBrokerApis } from '../src/broker/cluster/inter-broker-apis.ts';
import { createSilentLogger } from '../src/broker/logger.ts';
import { startRecordingBroker } from './helpers/recording-broker.ts';
import { waitFor } from './helpers/wait-for.ts';

/** A port that refuses connections: bound, then closed again. */
async function refusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: 0 }, resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const updateMetadata = (controllerEpoch: number) => ({ controllerId: 1, controllerEpoch, brokerEpoch: 10n, topicStates: [], liveBrokers: [] });

test('requests queued while a broker is out of reach arrive once it is reachable, in the order queued', async (t) => {
  const broker = await startRecordingBroker();
  t.after(() => broker.close());
  const deadPort = await refusedPort();
  let reachable = false;
  let attempts = 0;
  const channel = new ControllerChannelManager({
    controllerId: 1, requestTimeoutMs: 5_000, logger: createSilentLogger(), retryBackoffMs: 20,
    endpointOf: () => { attempts++; return { host: '127.0.0.1', port: reachable ? broker.port : deadPort }; },
  });
  t.after(() => channel.close());
  channel.addBroker(2);
  const answered: number[] = [];
  for (const epoch of [1, 2, 3]) channel.send(2, InterBrokerApis.UpdateMetadata, updateMetadata(epoch), () => answered.push(epoch));
  // Let a few attempts fail before the broker can be reached.
  await waitFor(() => attempts >= 3, 10_000, { what: 'three refused attempts' });
  assert.deepEqual(answered, []);
  reachable = true;
  await waitFor(() => answered.length === 3, 10_000, { what: 'all three answered' });
  assert.deepEqual(answered, [1, 2, 3]);
  assert.deepEqual(broker.requests.map((r) => r.body.controllerEpoch), [1, 2, 3]);
});

test('a request cut off by a lost connection is sent again on a new one; a removed broker gets nothing more', async (t) => {
  const broker = await startRecordingBroker();
  t.after(() => broker.close());
  const channel = new ControllerChannelManager({
    controllerId: 1, requestTimeoutMs: 5_000, logger: createSilentLogger(), retryBackoffMs: 20,
    endpointOf: () => ({ host: '127.0.0.1', port: broker.port }),
  });
  t.after(() => channel.close());
  channel.addBroker(2);
  const answered: number[] = [];
  channel.send(2, InterBrokerApis.UpdateMetadata, updateMetadata(1), () => answered.push(1));
  await waitFor(() => answered.length === 1, 10_000);
  broker.dropConnections();
  channel.send(2, InterBrokerApis.UpdateMetadata, updateMetadata(2), () => answered.push(2));
  await waitFor(() => answered.length === 2, 10_000, { what: 'the second request answered over a new connection' });
  assert.deepEqual(broker.requests.map((r) => r.body.controllerEpoch), [1, 2]);

  channel.removeBroker(2);
  channel.send(2, InterBrokerApis.UpdateMetadata, updateMetadata(3), () => answered.push(3));
  channel.addBroker(2);
  channel.send(2, InterBrokerApis.UpdateMetadata, updateMetadata(4), () => answered.push(4));
  await waitFor(() => answered.includes(4), 10_000);
  assert.deepEqual(answered, [1, 2, 4], 'what was sent while the broker was removed is dropped');
});
