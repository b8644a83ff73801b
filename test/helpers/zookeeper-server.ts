import { startZooKeeperServer, type ZooKeeperServer, type ZooKeeperServerOptions } from '../../src/broker/cluster/zookeeper/server-process.ts';
import { makeTempDir, removeTempDir } from './temp-dir.ts';

/** A ZooKeeper of a test's own: a fresh directory, a free port on 127.0.0.1, serving when returned. */
export interface TestZooKeeper {
  readonly connectString: string;
  readonly port: number;
  readonly server: ZooKeeperServer;
  /** Stops the server and keeps its data (sessions included), for start() or restart() to resume. */
  stop(): Promise<void>;
  start(): Promise<void>;
  restart(): Promise<void>;
  /** Stops the server and removes its directory: every test that starts one calls this (in after()). */
  close(): Promise<void>;
}

/** A short tick so that session timeouts of a second or less are allowed and expire promptly. */
export const TEST_TICK_TIME_MS = 100;

export async function startZooKeeper(options: Partial<Omit<ZooKeeperServerOptions, 'dir'>> = {}): Promise<TestZooKeeper> {
  const dir = await makeTempDir('samsa-zookeeper-');
  let server: ZooKeeperServer;
  try {
    server = await startZooKeeperServer({
      dir,
      tickTimeMs: TEST_TICK_TIME_MS,
      minSessionTimeoutMs: 4 * TEST_TICK_TIME_MS,
      maxSessionTimeoutMs: 600 * TEST_TICK_TIME_MS,
      forceSync: false,
      heapMb: 64,
      ...options,
    });
  } catch (error) {
    await removeTempDir(dir);
    throw error;
  }
  return {
    get connectString() { return server.connectString; },
    get port() { return server.port; },
    server,
    stop: () => server.stop(),
    start: () => server.start(),
    restart: () => server.restart(),
    close: async () => {
      await server.stop();
      if (process.env['SAMSA_KEEP_CLUSTER_DIR'] === '1') console.error(`zookeeper kept in ${dir}`);
      else await removeTempDir(dir);
    },
  };
}
