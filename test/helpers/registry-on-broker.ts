import { startSchemaRegistryServer, type SchemaRegistryServer, type SchemaRegistryServerOptions } from '../../src/registry/schema-registry-server.ts';
import { startTestBroker, type TestBroker } from './test-broker.ts';

/** What a test may set on the registry; the client and the listener are the helper's. */
export type RegistryTestOptions = Omit<Partial<SchemaRegistryServerOptions>, 'client' | 'listener'>;

export interface RegistryOnBroker {
  readonly broker: TestBroker;
  /** The registry now serving (another one after restartRegistry). */
  readonly registry: SchemaRegistryServer;
  /** Closes the registry and starts another with the same options, which rebuilds its state from `_schemas`. */
  restartRegistry(): Promise<SchemaRegistryServer>;
  /** Closes the registry, then the broker (its data dir goes when the test process exits). */
  close(): Promise<void>;
}

/**
 * An in-process test broker and a schema registry on it, listening on a free loopback port: the
 * setup of the registry's tests that need one of each.
 */
export async function startRegistryOnBroker(options: RegistryTestOptions = {}): Promise<RegistryOnBroker> {
  const broker = await startTestBroker({}, undefined, { silent: true });
  const startRegistry = () => startSchemaRegistryServer({ ...options, client: { bootstrapServers: [broker.bootstrap] }, listener: 'http://127.0.0.1:0' });
  let registry: SchemaRegistryServer;
  try {
    registry = await startRegistry();
  } catch (error) {
    await broker.close();
    throw error;
  }
  return {
    broker,
    get registry() {
      return registry;
    },
    async restartRegistry() {
      await registry.close();
      registry = await startRegistry();
      return registry;
    },
    async close() {
      try {
        await registry.close();
      } finally {
        await broker.close();
      }
    },
  };
}
