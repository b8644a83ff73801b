/**
 * Broker lifecycle for end-to-end tests: the real broker, in-process (fast) or as a child process
 * (for kill -9), each on 127.0.0.1 with its own temp data directory.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { startBroker } from '../../src/broker/broker.ts';
import type { FetchSessionCache } from '../../src/broker/replica/fetch-session-cache.ts';
import type { ReplicaManager } from '../../src/broker/replica/replica-manager.ts';
import { createSilentLogger, type Logger } from '../../src/broker/logger.ts';
import { fetchApiVersions } from './raw-kafka.ts';
import { makeTempDir, removeTempDir, tempDirSync } from './temp-dir.ts';
import { waitFor } from './wait-for.ts';

export const REPO_ROOT = join(import.meta.dirname, '..', '..');

export type KafkaConfigOverrides = Record<string, string>;

export interface TestBroker {
  readonly host: string;
  readonly port: number;
  /** `host:port`, as clients take it. */
  readonly bootstrap: string;
  readonly dataDir: string;
  /** Every listener by name, as bound (the first is `host` and `port`). */
  readonly listeners: ReadonlyMap<string, { readonly host: string; readonly port: number }>;
  /**
   * The in-process broker's partitions: what the controller will move (leader epochs), and where a
   * test sees that a fetch it sent is parked in the purgatory before it changes anything.
   */
  readonly replicaManager: ReplicaManager;
  /** The broker's incremental fetch sessions: which fetchers fetch in a session, and a session to drop as an eviction would. */
  readonly fetchSessions: FetchSessionCache;
  /** Where the broker serves GET /metrics, with metrics.listener set. */
  readonly metricsListener: { readonly host: string; readonly port: number } | undefined;
  /** Closes the broker; the data directory stays (restart tests reuse it). */
  close(): Promise<void>;
}

/**
 * Starts the broker in this process on a free port; `dataDir` defaults to a fresh temp dir, removed
 * when the test process exits.
 * `silent` drops the broker's log, for tests whose bad input makes it log errors on purpose;
 * `logger` takes it, for tests that read it.
 */
export async function startTestBroker(
  overrides: KafkaConfigOverrides = {},
  dataDir?: string,
  { silent = false, logger }: { silent?: boolean; logger?: Logger } = {},
): Promise<TestBroker> {
  // A directory of its own is removed when the test process exits (restart tests reuse it until then).
  const dir = dataDir ?? tempDirSync('samsa-broker-');
  const broker = await startBroker({ port: 0, dataDir: dir, ...overrides }, { logger: logger ?? (silent ? createSilentLogger() : undefined) });
  let closed = false;
  return {
    host: broker.host,
    port: broker.port,
    bootstrap: `${broker.host}:${broker.port}`,
    dataDir: dir,
    listeners: broker.listeners,
    replicaManager: broker.replicaManager,
    fetchSessions: broker.fetchSessions,
    metricsListener: broker.metricsListener,
    async close() {
      if (closed) return;
      closed = true;
      await broker.close();
    },
  };
}

/**
 * Resolves once `count` fetches are parked in the broker's fetch purgatory: a test that changes a
 * partition after this knows the fetch was waiting, not answered already or still on its way.
 */
export async function waitForParkedFetches(broker: TestBroker, count = 1): Promise<void> {
  await waitFor(() => broker.replicaManager.fetchPurgatory.watchedCount >= count, 10_000, { intervalMs: 10, what: `${count} parked fetch(es)` });
}

/** A port that was free a moment ago (the child binds it itself; tests tolerate the tiny race). */
export async function findFreePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  server.close();
  await once(server, 'close');
  return port;
}

export interface BrokerProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly host: string;
  readonly port: number;
  readonly bootstrap: string;
  readonly dataDir: string;
  /** stdout + stderr so far, for failure messages. */
  output(): string;
  /** SIGKILL: no shutdown hook runs, nothing unflushed survives in the broker's memory. */
  kill9(): Promise<void>;
  /** SIGTERM, then SIGKILL if it has not exited within 10 s. */
  stop(): Promise<void>;
}

/**
 * Starts `node src/cli/main.ts broker` as a child process and waits until it answers ApiVersions.
 * `overrides` become `--override key=value` flags on top of listeners and log.dirs.
 */
/** The Node flags a broker process starts with, as bin/samsa.js reads them (one per line, # comments). */
export function brokerNodeFlags(): string[] {
  const text = readFileSync(join(REPO_ROOT, 'bin', 'broker-node-flags'), 'utf8');
  return text.split('\n').map((line) => line.replace(/#.*/, '').trim()).filter((line) => line !== '');
}

export async function startBrokerProcess(dataDir: string, overrides: KafkaConfigOverrides = {},
  { startTimeoutMs = 30_000, env = {}, port: chosenPort }: { startTimeoutMs?: number; env?: NodeJS.ProcessEnv;
    /** The PLAINTEXT port to wait on, for callers whose `listeners` override names more listeners than one. */
    port?: number } = {}): Promise<BrokerProcess> {
  const host = '127.0.0.1';
  const port = chosenPort ?? await findFreePort();
  const config: KafkaConfigOverrides = { listeners: `PLAINTEXT://${host}:${port}`, 'log.dirs': dataDir, ...overrides };
  const args = [...brokerNodeFlags(), join(REPO_ROOT, 'src', 'cli', 'main.ts'), 'broker'];
  for (const [key, value] of Object.entries(config)) args.push('--override', `${key}=${value}`);
  const child = spawn(process.execPath, args, { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let output = '';
  const append = (chunk: Buffer): void => {
    // Keep the tail only: a chatty broker must not grow the test's memory without bound.
    output = (output + chunk.toString('utf8')).slice(-64 * 1024);
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  let exited = child.exitCode !== null;
  const exit = once(child, 'exit').then(() => { exited = true; });
  const handle: BrokerProcess = {
    child,
    pid: child.pid ?? -1,
    host,
    port,
    bootstrap: `${host}:${port}`,
    dataDir,
    output: () => output,
    async kill9() {
      if (exited) return;
      child.kill('SIGKILL');
      await exit;
    },
    async stop() {
      if (exited) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exit;
      clearTimeout(timer);
    },
  };
  try {
    await waitFor(async () => {
      if (exited) throw new Error(`broker exited with code ${child.exitCode}`);
      return (await fetchApiVersions(host, port)).length > 0;
    }, startTimeoutMs, { intervalMs: 100, what: `broker process on port ${port}` });
  } catch (error) {
    await handle.kill9();
    throw new Error(`${(error as Error).message}\n--- broker output ---\n${output}`, { cause: error });
  }
  return handle;
}

/** A temp data dir plus cleanup, for tests that run several brokers over the same directory. */
export async function withTempDataDir<T>(body: (dataDir: string) => Promise<T>): Promise<T> {
  const dir = await makeTempDir('samsa-data-');
  try {
    return await body(dir);
  } finally {
    await removeTempDir(dir);
  }
}
