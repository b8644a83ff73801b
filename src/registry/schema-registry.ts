import type { ClusterOptions } from '../client/index.ts';
import { KafkaStore } from './kafka-store.ts';
import { LeaderElector, type RegistryLeader } from './leader-elector.ts';
import { DEFAULT_GROUP_ID, identityUrl, type SchemaRegistryIdentity } from './leader-election-protocol.ts';
import { forwardToLeader, unknownLeader, type WriteRequest } from './leader-forwarding.ts';
import type { Operation } from './registry-operations.ts';
import { RegistryState } from './registry-state.ts';

export interface SchemaRegistryOptions {
  readonly client: ClusterOptions;
  /** kafkastore.topic (default _schemas). */
  readonly topic?: string;
  /** kafkastore.topic.replication.factor (default 3, at most the cluster's broker count). */
  readonly replicationFactor?: number;
  /** kafkastore.timeout.ms: how long a write waits to be read back (default 10 s). */
  readonly storeTimeoutMs?: number;
  /** schema.registry.group.id: the group the instances elect their leader in (default schema-registry). */
  readonly groupId?: string;
  /** leader.eligibility (default true): false never leads, it only forwards writes. */
  readonly leaderEligibility?: boolean;
  /** kafkastore.init.timeout.ms: how long start waits for the first election (default 60 s). */
  readonly initTimeoutMs?: number;
  /** The group's session timeout (Confluent's 10 s): how long a dead leader goes unnoticed. */
  readonly sessionTimeoutMs?: number;
  readonly log?: (message: string) => void;
}

/**
 * One registry instance: its state, rebuilt from `_schemas` at start and kept up by tailing it,
 * and its place in the leader election. Only the leader writes: it runs writes one at a time, so an
 * operation sees the state every earlier write left (the next id, the next version). Any other
 * instance sends the write request on to the leader and relays its answer.
 */
export class SchemaRegistry {
  readonly state = new RegistryState();
  readonly #options: SchemaRegistryOptions;
  readonly #store: KafkaStore;
  readonly #log: (message: string) => void;
  #elector: LeaderElector | null = null;
  #identity: SchemaRegistryIdentity | null = null;
  #leader: RegistryLeader | null = null;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(options: SchemaRegistryOptions) {
    this.#options = options;
    this.#log = options.log ?? (() => {});
    this.#store = new KafkaStore({
      client: options.client,
      ...(options.topic === undefined ? {} : { topic: options.topic }),
      ...(options.replicationFactor === undefined ? {} : { replicationFactor: options.replicationFactor }),
      ...(options.storeTimeoutMs === undefined ? {} : { timeoutMs: options.storeTimeoutMs }),
      log: this.#log,
    }, (record) => this.state.replay(record));
  }

  /** Loads the state from `_schemas`. */
  async start(): Promise<void> {
    await this.#store.start();
  }

  /**
   * Joins the leader election as the instance serving at `host:port` (known once the listener is
   * bound); resolves at the first assignment, so a started instance knows its leader.
   */
  async startElection(host: string, port: number, scheme = 'http'): Promise<void> {
    this.#identity = { version: 1, host, port, scheme, leaderEligibility: this.#options.leaderEligibility ?? true };
    this.#elector = new LeaderElector({
      client: this.#options.client,
      groupId: this.groupId,
      identity: this.#identity,
      sessionTimeoutMs: this.#options.sessionTimeoutMs ?? 10_000,
      onLeader: (leader) => this.#setLeader(leader),
      log: this.#log,
    });
    await this.#elector.start(this.#options.initTimeoutMs ?? 60_000);
  }

  /** The Kafka cluster's id (/v1/metadata/id's kafka-cluster). */
  get kafkaClusterId(): string {
    return this.#store.kafkaClusterId;
  }

  /** schema.registry.group.id: the registry cluster's name (/v1/metadata/id's schema-registry-cluster). */
  get groupId(): string {
    return this.#options.groupId ?? DEFAULT_GROUP_ID;
  }

  /** The leader's URL while one is known. */
  get leaderUrl(): string | null {
    return this.#leader?.url ?? null;
  }

  get isLeader(): boolean {
    return this.#leader?.self === true;
  }

  #setLeader(leader: RegistryLeader | null): void {
    const wasLeader = this.isLeader;
    this.#leader = leader;
    if (leader?.self !== true || wasLeader) return;
    // As Confluent's registry on becoming leader: a NOOP of our own, read back, puts every record an
    // earlier leader wrote behind us before we compute an id, even one still in flight as it died.
    // It runs in the write queue, so writes wait for it.
    this.#queue = this.#queue.then(() => this.#store.write([{ key: { keytype: 'NOOP' }, value: null }]))
      .catch((error: unknown) => this.#log(`catching up with _schemas as the new leader failed: ${(error as Error).message}`));
  }

  /**
   * Runs a write. On the leader: the operation is computed from the state, its records written and
   * read back, then its answer returned; an operation that throws (a refused request) writes
   * nothing. Elsewhere: the request goes to the leader (50004 while none is known), and its answer
   * is returned once this instance has read the log as far as the leader wrote it, so a read here
   * right after sees the write.
   */
  async execute<T>(operation: (state: RegistryState) => Operation<T>, request: WriteRequest): Promise<T> {
    const leader = this.#leader;
    if (leader === null) throw unknownLeader();
    if (!leader.self) {
      if (request.forwarded) throw unknownLeader();
      const answer = await forwardToLeader(leader.url, request, identityUrl(this.#identity!), this.#forwardTimeoutMs);
      await this.#store.waitUntilCaughtUp().catch((error: unknown) => this.#log(`reading the leader's write back: ${(error as Error).message}`));
      return answer as T;
    }
    const run = this.#queue.then(async () => {
      if (!this.isLeader) throw unknownLeader();
      const { records, response } = operation(this.state);
      await this.#store.write(records);
      return response;
    });
    this.#queue = run.catch(() => {});
    return run;
  }

  /** Long enough for the leader's own store timeout, and then some for the network. */
  get #forwardTimeoutMs(): number {
    return (this.#options.storeTimeoutMs ?? 10_000) + 5_000;
  }

  async close(): Promise<void> {
    await this.#elector?.close();
    await this.#queue;
    await this.#store.close();
  }
}
