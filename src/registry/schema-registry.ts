import type { ClusterOptions } from '../client/index.ts';
import { KafkaStore } from './kafka-store.ts';
import type { Operation } from './registry-operations.ts';
import { RegistryState } from './registry-state.ts';
import type { RegistryRecord } from './schemas-records.ts';

/**
 * Where writes go. Today every instance writes itself (the `local` writer); with leader election
 * an instance that is not the leader gets a writer that forwards the request to the leader instead,
 * and the routes do not change.
 */
export interface RegistryWriter {
  write(records: readonly RegistryRecord[]): Promise<void>;
}

export interface SchemaRegistryOptions {
  readonly client: ClusterOptions;
  /** kafkastore.topic (default _schemas). */
  readonly topic?: string;
  /** kafkastore.topic.replication.factor (default 3, at most the cluster's broker count). */
  readonly replicationFactor?: number;
  /** kafkastore.timeout.ms: how long a write waits to be read back (default 10 s). */
  readonly storeTimeoutMs?: number;
  readonly log?: (message: string) => void;
}

/**
 * One registry instance: its state, rebuilt from `_schemas` at start and kept up by tailing it,
 * and the writer its operations' records go through. Writes run one at a time, so an operation
 * sees the state every earlier write left (the next id, the next version).
 */
export class SchemaRegistry {
  readonly state = new RegistryState();
  readonly #store: KafkaStore;
  #writer: RegistryWriter;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(options: SchemaRegistryOptions) {
    this.#store = new KafkaStore({
      client: options.client,
      ...(options.topic === undefined ? {} : { topic: options.topic }),
      ...(options.replicationFactor === undefined ? {} : { replicationFactor: options.replicationFactor }),
      ...(options.storeTimeoutMs === undefined ? {} : { timeoutMs: options.storeTimeoutMs }),
      log: options.log ?? (() => {}),
    }, (record) => this.state.replay(record));
    this.#writer = this.#store;
  }

  async start(): Promise<void> {
    await this.#store.start();
  }

  /**
   * Runs a write: the operation is computed from the state, its records written and read back,
   * then its answer returned. An operation that throws (a refused request) writes nothing.
   */
  execute<T>(operation: (state: RegistryState) => Operation<T>): Promise<T> {
    const run = this.#queue.then(async () => {
      const { records, response } = operation(this.state);
      await this.#writer.write(records);
      return response;
    });
    this.#queue = run.catch(() => {});
    return run;
  }

  async close(): Promise<void> {
    await this.#queue;
    await this.#store.close();
  }
}
