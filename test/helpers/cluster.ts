/**
 * A real cluster for fault tests: a ZooKeeper of the test's own and N broker PROCESSES, each started
 * as a user starts one (`bin/samsa broker server.properties`, the file written as `samsa
 * dev-cluster` writes it), so SIGKILL, SIGSTOP and a restart are real. What a test reads about the
 * cluster it reads as a user would, through our Admin client (Metadata, DescribeCluster), asking
 * every running broker, and it waits for conditions by polling, never by sleeping a fixed time.
 * Every process dies with the test process however it ends; close() (in after()) stops them all.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort } from '../../src/broker/cluster/zookeeper/server-process.ts';
import { brokerProperties, LOOPBACK } from '../../src/cli/dev-cluster/layout.ts';
import { logTail, spawnBroker, waitUntilAnswering, type SpawnedBroker } from '../../src/cli/dev-cluster/processes.ts';
import { Admin, type NewTopic, type PartitionMetadata } from '../../src/client/index.ts';
import type { ClientSecurity } from '../../src/client/client-security.ts';
import { startTcpProxy, type TcpProxy } from './tcp-proxy.ts';
import { makeTempDir, removeTempDir } from './temp-dir.ts';
import { waitFor } from './wait-for.ts';
import { startZooKeeper, type TestZooKeeper } from './zookeeper-server.ts';

export interface TestClusterOptions {
  /** Broker ids 1..brokers (default 3). */
  readonly brokers?: number;
  /** Broker configs for every broker, over the test defaults below. */
  readonly overrides?: Readonly<Record<string, string>>;
  readonly startTimeoutMs?: number;
  /**
   * Each broker reaches ZooKeeper through a proxy of its own and is reached by the other brokers
   * through another (its INTERNAL listener, the inter-broker one; clients use CLIENT, direct), so
   * isolate(id) can cut it off from the others and from ZooKeeper while clients still reach it.
   */
  readonly partitionable?: boolean;
  /** Log dirs per broker (default 1): `data`, then `data-2`, ... in its directory. */
  readonly logDirsPerBroker?: number;
  /** Environment for every broker process over this one's (SAMSA_LOG_LEVEL=info for a test that reads their logs). */
  readonly brokerEnv?: Readonly<Record<string, string>>;
  /**
   * The listener settings of each broker instead of one PLAINTEXT listener (not with `partitionable`):
   * given the port clients and this helper use (`client`) and a second free port (`internal`, e.g. for
   * an inter-broker listener), the listeners, listener.security.protocol.map, inter.broker.listener.name...
   */
  readonly listeners?: (ports: { readonly client: number; readonly internal: number }) => Readonly<Record<string, string>>;
  /** How this helper's clients (its Admin, its wait for a broker to answer) connect to the client port when that one is secured. */
  readonly clientSecurity?: ClientSecurity;
}

/**
 * Short enough that a SIGKILLed broker's registration expires within seconds, long enough that a
 * broker on a busy two-core machine does not lose its session to a slow event loop.
 */
export const TEST_SESSION_TIMEOUT_MS = 3_000;

const DEFAULT_OVERRIDES: Readonly<Record<string, string>> = {
  'zookeeper.session.timeout.ms': String(TEST_SESSION_TIMEOUT_MS),
  'zookeeper.connection.timeout.ms': '10000',
  // Followers out of step leave the ISR in seconds rather than Kafka's 30.
  'replica.lag.time.max.ms': '5000',
  'log.segment.bytes': String(1024 * 1024),
};

/** How long a fault test waits for the cluster to react (an election, a rejoin); generous for CI load. */
export const CLUSTER_WAIT_MS = 60_000;

export interface ClusterBroker {
  readonly id: number;
  readonly port: number;
  /** host:port of this broker alone. */
  readonly bootstrap: string;
  readonly propertiesFile: string;
  readonly logFile: string;
  /** Its first log dir. */
  readonly logDir: string;
  /** All of its log.dirs. */
  readonly logDirs: readonly string[];
  /** The broker's process id while running. */
  readonly pid: number | undefined;
  readonly running: boolean;
}

/** How a broker process ended: its exit code, or the signal that ended it. */
export type BrokerExit = Awaited<SpawnedBroker['exited']>;

interface BrokerSlot extends ClusterBroker {
  process: SpawnedBroker | undefined;
  /** With `partitionable`: its way to ZooKeeper, and the other brokers' way to it. */
  readonly proxies: readonly TcpProxy[];
}

export class TestCluster {
  readonly zookeeper: TestZooKeeper;
  readonly dir: string;
  readonly #brokers = new Map<number, BrokerSlot>();
  readonly #startTimeoutMs: number;
  readonly #brokerEnv: Readonly<Record<string, string>>;
  #overrides: Readonly<Record<string, string>> = {};
  #partitionable = false;
  #logDirsPerBroker = 1;
  #listeners: TestClusterOptions['listeners'];
  #clientSecurity: ClientSecurity | undefined;

  private constructor(zookeeper: TestZooKeeper, dir: string, startTimeoutMs: number, brokerEnv: Readonly<Record<string, string>>) {
    this.zookeeper = zookeeper;
    this.dir = dir;
    this.#startTimeoutMs = startTimeoutMs;
    this.#brokerEnv = brokerEnv;
  }

  static async start(options: TestClusterOptions = {}): Promise<TestCluster> {
    const dir = await makeTempDir('samsa-cluster-');
    let zookeeper: TestZooKeeper;
    try {
      zookeeper = await startZooKeeper();
    } catch (error) {
      await removeTempDir(dir);
      throw error;
    }
    const cluster = new TestCluster(zookeeper, dir, options.startTimeoutMs ?? 60_000, options.brokerEnv ?? {});
    try {
      const count = options.brokers ?? 3;
      cluster.#overrides = { ...DEFAULT_OVERRIDES, ...options.overrides };
      cluster.#partitionable = options.partitionable === true;
      cluster.#logDirsPerBroker = options.logDirsPerBroker ?? 1;
      if (options.listeners !== undefined && cluster.#partitionable) throw new Error('listeners and partitionable cannot be combined');
      cluster.#listeners = options.listeners;
      cluster.#clientSecurity = options.clientSecurity;
      for (let id = 1; id <= count; id++) await cluster.#addBroker(id, count, cluster.#overrides);
      await Promise.all(cluster.ids.map((id) => cluster.start(id)));
      await cluster.waitForBrokers(cluster.ids);
    } catch (error) {
      await cluster.close();
      throw error;
    }
    return cluster;
  }

  /** A new broker joins the running cluster (the next id, the cluster's configs over `overrides`); answers its id once it is registered. */
  async addBroker(overrides: Readonly<Record<string, string>> = {}): Promise<number> {
    const id = Math.max(...this.ids) + 1;
    await this.#addBroker(id, id, { ...this.#overrides, ...overrides });
    await this.start(id);
    await this.waitForBrokers(this.runningIds);
    return id;
  }

  async #addBroker(id: number, count: number, overrides: Readonly<Record<string, string>>): Promise<void> {
    const partitionable = this.#partitionable;
    const brokerDir = join(this.dir, `broker-${id}`);
    await mkdir(brokerDir, { recursive: true });
    const port = await freePort();
    const propertiesFile = join(brokerDir, 'server.properties');
    const proxies: TcpProxy[] = [];
    let zookeeperConnect = this.zookeeper.connectString;
    let listenerOverrides: Record<string, string> = {};
    if (partitionable) {
      const internalPort = await freePort();
      const toZooKeeper = await startTcpProxy(this.zookeeper.port);
      const toBroker = await startTcpProxy(internalPort);
      proxies.push(toZooKeeper, toBroker);
      zookeeperConnect = `${LOOPBACK}:${toZooKeeper.port}`;
      listenerOverrides = {
        listeners: `CLIENT://${LOOPBACK}:${port},INTERNAL://${LOOPBACK}:${internalPort}`,
        'advertised.listeners': `CLIENT://${LOOPBACK}:${port},INTERNAL://${LOOPBACK}:${toBroker.port}`,
        'listener.security.protocol.map': 'CLIENT:PLAINTEXT,INTERNAL:PLAINTEXT',
        'inter.broker.listener.name': 'INTERNAL',
      };
    } else if (this.#listeners !== undefined) {
      listenerOverrides = { ...this.#listeners({ client: port, internal: await freePort() }) };
    }
    const logDirs = Array.from({ length: this.#logDirsPerBroker }, (_, i) => join(brokerDir, i === 0 ? 'data' : `data-${i + 1}`));
    const logDir = logDirs.join(',');
    await writeFile(propertiesFile, brokerProperties({
      id, port, logDir, zookeeperConnect, brokers: count, overrides: { ...listenerOverrides, ...overrides },
    }));
    const slot: BrokerSlot = {
      id, port, bootstrap: `${LOOPBACK}:${port}`, propertiesFile, logFile: join(brokerDir, 'broker.log'), logDir: logDirs[0]!, logDirs, process: undefined, proxies,
      get pid() { return this.process?.hasExited() === false ? this.process.pid : undefined; },
      get running() { return this.process?.hasExited() === false; },
    };
    this.#brokers.set(id, slot);
  }

  get ids(): number[] { return [...this.#brokers.keys()]; }
  get runningIds(): number[] { return this.ids.filter((id) => this.broker(id).running); }
  broker(id: number): ClusterBroker {
    const broker = this.#brokers.get(id);
    if (broker === undefined) throw new Error(`no broker ${id} in this cluster`);
    return broker;
  }
  /** Every broker's host:port, as a user's bootstrap.servers lists them (dead ones included). */
  get bootstrap(): string { return this.ids.map((id) => this.broker(id).bootstrap).join(','); }
  get bootstrapServers(): string[] { return this.bootstrap.split(','); }

  /** Starts a stopped broker (same id, port, data) and waits until it answers. */
  async start(id: number): Promise<void> {
    const slot = this.#brokers.get(id)!;
    if (slot.running) throw new Error(`broker ${id} is running`);
    slot.process = await spawnBroker({ propertiesFile: slot.propertiesFile, logFile: slot.logFile, lifetime: 'SIGKILL', env: this.#brokerEnv });
    try {
      await waitUntilAnswering(LOOPBACK, slot.port, slot.process.hasExited, this.#startTimeoutMs, this.#clientSecurity);
    } catch (error) {
      throw new Error(`broker ${id}: ${(error as Error).message}\n--- ${slot.logFile} ---\n${await logTail(slot.logFile)}`, { cause: error });
    }
  }

  /** SIGKILL: a crash; nothing runs in the broker after it (no controlled shutdown, no flush). */
  async kill(id: number): Promise<void> { await this.#signal(id, 'SIGKILL'); }

  /** SIGTERM: the broker's clean shutdown (controlled shutdown first when enabled); resolves with how it exited. */
  stop(id: number): Promise<BrokerExit | undefined> { return this.#signal(id, 'SIGTERM'); }

  async #signal(id: number, signal: NodeJS.Signals): Promise<BrokerExit | undefined> {
    const broker = this.#brokers.get(id)?.process;
    if (broker === undefined || broker.hasExited()) return undefined;
    broker.child.kill(signal);
    return broker.exited;
  }

  /** SIGSTOP / SIGCONT: the broker freezes (no heartbeats, no answers) without losing anything. */
  pause(id: number): void { this.#brokers.get(id)?.process?.child.kill('SIGSTOP'); }
  resume(id: number): void { this.#brokers.get(id)?.process?.child.kill('SIGCONT'); }

  /**
   * Cuts the broker off from ZooKeeper (unless `zookeeper` is false) and from the other brokers'
   * connections to it (a black hole: connections stay open, nothing gets through); clients still
   * reach it. Needs `partitionable`.
   */
  isolate(id: number, { zookeeper = true }: { zookeeper?: boolean } = {}): void {
    const { proxies } = this.#brokers.get(id)!;
    if (proxies.length === 0) throw new Error('isolate() needs a cluster started with partitionable: true');
    const [toZooKeeper, toBroker] = proxies;
    if (zookeeper) toZooKeeper!.blackhole();
    toBroker!.blackhole();
  }

  /** Ends isolate(): what was held goes through, new connections work again. */
  async heal(id: number): Promise<void> {
    for (const proxy of this.#brokers.get(id)!.proxies) await proxy.restore();
  }

  /** The last lines a broker logged, for an assertion's message. */
  logTail(id: number, lines = 40): Promise<string> { return logTail(this.broker(id).logFile, lines); }

  /**
   * An Admin client bootstrapping from the running brokers (a refused bootstrap server would only
   * cost it a moment: cluster-client-failover.test.ts shows our clients moving on); the caller closes it.
   */
  admin(clientId = 'cluster-test'): Admin {
    return new Admin({ bootstrapServers: this.runningBootstrapServers, clientId, requestTimeoutMs: 10_000, ...this.#security() });
  }

  /** An Admin client whose first requests (Metadata, DescribeCluster) go to broker `id`; the caller closes it. */
  adminOf(id: number): Admin {
    return new Admin({ bootstrapServers: [this.broker(id).bootstrap], clientId: `cluster-test-ask-${id}`, requestTimeoutMs: 5_000, connectTimeoutMs: 2_000, ...this.#security() });
  }

  #security(): { security?: ClientSecurity } {
    return this.#clientSecurity === undefined ? {} : { security: this.#clientSecurity };
  }

  /** What one broker answers, through a client that bootstraps from it alone. */
  async #askBroker<T>(id: number, ask: (admin: Admin) => Promise<T>): Promise<T> {
    const admin = this.adminOf(id);
    try {
      return await ask(admin);
    } finally {
      await admin.close();
    }
  }

  /** DescribeCluster as broker `id` answers it. */
  describeCluster(id: number): ReturnType<Admin['describeCluster']> { return this.#askBroker(id, (admin) => admin.describeCluster()); }

  /** A partition's leader, epoch, replicas and ISR as broker `id` answers Metadata. */
  async partition(topic: string, partition: number, id: number): Promise<PartitionMetadata> {
    const [described] = await this.#askBroker(id, (admin) => admin.describeTopics([topic]));
    const found = described!.partitions.find((p) => p.partition === partition);
    if (found === undefined) throw new Error(`broker ${id} knows no partition ${topic}-${partition}`);
    return found;
  }

  /**
   * Polls until every running broker answers Metadata for the partition with one leader, epoch and
   * ISR, and that answer satisfies `condition`; returns it. A broker that has not caught up with the
   * controller yet, or that answers nothing, keeps the wait going.
   */
  async waitForPartition(topic: string, partition: number, condition: (p: PartitionMetadata) => boolean, what: string,
    { timeoutMs = CLUSTER_WAIT_MS, among }: { timeoutMs?: number; among?: readonly number[] } = {}): Promise<PartitionMetadata> {
    return waitFor(async () => {
      const asked = among ?? this.runningIds;
      const answers = await Promise.all(asked.map((id) => this.partition(topic, partition, id)));
      const first = answers[0];
      if (first === undefined) throw new Error('no broker is running');
      const key = (p: PartitionMetadata) => JSON.stringify([p.leaderId, p.leaderEpoch, [...p.isr].sort()]);
      if (!answers.every((p) => key(p) === key(first))) throw new Error(`the brokers disagree: ${answers.map(key).join(' / ')}`);
      if (!condition(first)) throw new Error(`last answer ${JSON.stringify(first)}`);
      return first;
    }, timeoutMs, { intervalMs: 200, what: `${topic}-${partition}: ${what}` });
  }

  /**
   * The partition's leader once every running broker (or those `among`) names the same running one
   * (not `not`).
   */
  async waitForLeader(topic: string, partition: number, { not, among }: { not?: number; among?: readonly number[] } = {}): Promise<PartitionMetadata> {
    return this.waitForPartition(topic, partition,
      (p) => p.leaderId >= 0 && p.leaderId !== not && this.broker(p.leaderId).running,
      not === undefined ? 'a running leader' : `a running leader other than broker ${not}`, { among });
  }

  /** Until the ISR is exactly `isr` (in any order), with a running leader. */
  async waitForIsr(topic: string, partition: number, isr: readonly number[]): Promise<PartitionMetadata> {
    const wanted = [...isr].sort().join(',');
    return this.waitForPartition(topic, partition,
      (p) => [...p.isr].sort().join(',') === wanted && p.leaderId >= 0 && this.broker(p.leaderId).running, `ISR ${wanted}`);
  }

  /** Until every running broker lists exactly `ids` as the cluster's brokers and names one running controller. */
  async waitForBrokers(ids: readonly number[], timeoutMs = CLUSTER_WAIT_MS): Promise<{ controllerId: number }> {
    const wanted = [...ids].sort().join(',');
    return waitFor(async () => {
      const answers = await Promise.all(this.runningIds.map((id) => this.describeCluster(id)));
      const summary = answers.map((a) => `brokers ${a.brokers.map((b) => b.nodeId).sort().join(',')} controller ${a.controllerId}`);
      const controllerId = answers[0]?.controllerId ?? -1;
      const agreed = answers.every((a) => a.controllerId === controllerId && a.brokers.map((b) => b.nodeId).sort().join(',') === wanted);
      if (!agreed || controllerId < 0 || !this.broker(controllerId).running) throw new Error(summary.join(' / '));
      return { controllerId };
    }, timeoutMs, { intervalMs: 200, what: `brokers ${wanted} and one running controller` });
  }

  /** Until every running broker names one running controller other than `not`. */
  async waitForController({ not }: { not?: number } = {}): Promise<number> {
    return waitFor(async () => {
      const answers = await Promise.all(this.runningIds.map((id) => this.describeCluster(id)));
      const controllerId = answers[0]?.controllerId ?? -1;
      const ok = controllerId >= 0 && controllerId !== not && this.broker(controllerId).running && answers.every((a) => a.controllerId === controllerId);
      if (!ok) throw new Error(`controllers named: ${answers.map((a) => a.controllerId).join(', ')}`);
      return controllerId;
    }, CLUSTER_WAIT_MS, { intervalMs: 200, what: `a running controller${not === undefined ? '' : ` other than broker ${not}`}` });
  }

  /** Creates a topic and waits until each partition has a running leader and its full ISR everywhere. */
  async createTopic(topic: NewTopic): Promise<void> {
    const admin = this.admin();
    try {
      await admin.createTopics([topic]);
    } finally {
      await admin.close();
    }
    // Brokers other than the controller learn of the topic a little later (UpdateMetadata).
    const described = await waitFor(async () => {
      const answers = await Promise.all(this.runningIds.map(async (id) => {
        const [t] = await this.#askBroker(id, (a) => a.describeTopics([topic.topic]));
        return t!;
      }));
      return answers[0];
    }, CLUSTER_WAIT_MS, { intervalMs: 200, what: `every running broker knows topic ${topic.topic}` });
    for (const p of described.partitions) await this.waitForIsr(topic.topic, p.partition, p.replicas);
  }

  /** host:port of every running broker: a bootstrap list for a client that must not start on a dead one. */
  get runningBootstrapServers(): string[] { return this.runningIds.map((id) => this.broker(id).bootstrap); }

  /** Kills every broker and ZooKeeper and removes the directory (unless SAMSA_KEEP_CLUSTER_DIR=1). Safe to call twice. */
  async close(): Promise<void> {
    await Promise.all(this.ids.map((id) => {
      this.resume(id);
      return this.kill(id);
    }));
    for (const slot of this.#brokers.values()) for (const proxy of slot.proxies) await proxy.close();
    await this.zookeeper.close();
    // SAMSA_KEEP_CLUSTER_DIR=1 keeps the brokers' logs and data for a look after a failure.
    if (process.env['SAMSA_KEEP_CLUSTER_DIR'] === '1') console.error(`cluster kept in ${this.dir}`);
    else await removeTempDir(this.dir);
  }
}

export function startCluster(options: TestClusterOptions = {}): Promise<TestCluster> {
  return TestCluster.start(options);
}
