/**
 * The setup most API tests share: one in-process broker per test file (topic auto-creation off
 * unless overridden), a first client, more clients on demand, all closed and the data directory
 * removed once the file's tests are done. Call it at the top level of a test file.
 */
import { after, before } from 'node:test';
import { KafkaApiClient } from './kafka-api-client.ts';
import { removeTempDir } from './temp-dir.ts';
import { startTestBroker, type KafkaConfigOverrides, type TestBroker } from './test-broker.ts';

export interface ApiTestBroker {
  /** The broker, once the file's `before` hook has started it. */
  readonly broker: TestBroker;
  /** A client opened with the broker, for requests that need no connection of their own. */
  readonly client: KafkaApiClient;
  /** Another connection (a consumer whose fetch waits, say), closed with the rest. */
  open(): Promise<KafkaApiClient>;
}

export function apiTestBroker(overrides: KafkaConfigOverrides = {}): ApiTestBroker {
  let broker: TestBroker | undefined;
  let client: KafkaApiClient | undefined;
  const clients: KafkaApiClient[] = [];
  const started = (): TestBroker => {
    if (broker === undefined) throw new Error('the broker starts in the before hook: use it inside tests');
    return broker;
  };
  const open = async (): Promise<KafkaApiClient> => {
    const opened = await KafkaApiClient.open(started().host, started().port);
    clients.push(opened);
    return opened;
  };
  before(async () => {
    broker = await startTestBroker({ 'auto.create.topics.enable': 'false', ...overrides });
    client = await open();
  });
  after(async () => {
    for (const each of clients) each.close();
    await broker?.close();
    if (broker) await removeTempDir(broker.dataDir);
  });
  return {
    get broker() { return started(); },
    get client() {
      if (client === undefined) throw new Error('the client opens in the before hook: use it inside tests');
      return client;
    },
    open,
  };
}
