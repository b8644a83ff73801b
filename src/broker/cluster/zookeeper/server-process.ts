import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, open, readFile, writeFile } from 'node:fs/promises';
import { createConnection, createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * One Apache ZooKeeper server (standalone, ZooKeeperServerMain) on loopback, started from Debian's
 * `zookeeper` package: what the cluster tests and `samsa dev-cluster` run. It listens on its client
 * port only (admin server off, no JMX port, no quorum ports) and answers the four-letter words in
 * FOUR_LETTER_WORDS. Its data survives stop() and restart(), so a restart keeps every session that
 * has not timed out: clients reconnect to the same session, as they would to a restarted ensemble.
 */
export interface ZooKeeperServerOptions {
  /** Where the config, the data (snapshots, transaction logs) and zookeeper.log go; created if missing. */
  readonly dir: string;
  /** The client port; 0 (the default) picks a free one on 127.0.0.1. */
  readonly port?: number;
  /** ZooKeeper's tick; sessions are checked for expiry once a tick. ZooKeeper's default is 3000. */
  readonly tickTimeMs?: number;
  /** Bounds the server puts on a client's session timeout (ZooKeeper: 2 and 20 ticks by default). */
  readonly minSessionTimeoutMs?: number;
  readonly maxSessionTimeoutMs?: number;
  /** false skips the fsync of each transaction: for tests, whose data need not survive a power cut. */
  readonly forceSync?: boolean;
  /** The JVM's heap ceiling; ZooKeeper with a few thousand znodes needs little. */
  readonly heapMb?: number;
  /** true (the default) kills ZooKeeper with this process, however it ends; false for `--detach`. */
  readonly dieWithParent?: boolean;
  /** Runs it in a process group of its own even while it dies with its parent (dev-cluster in the foreground). */
  readonly ownProcessGroup?: boolean;
  readonly startTimeoutMs?: number;
  /** How long stop() waits after SIGTERM before SIGKILL. */
  readonly stopGraceMs?: number;
  readonly java?: string;
  readonly classpath?: readonly string[];
}

export interface ZooKeeperServer {
  readonly host: string;
  readonly port: number;
  /** host:port, what zookeeper.connect takes (a chroot may follow). */
  readonly connectString: string;
  readonly dir: string;
  /** The running JVM's pid; undefined while stopped. */
  readonly pid: number | undefined;
  /** SIGTERM, then SIGKILL if it has not exited within a few seconds. Idempotent. */
  stop(): Promise<void>;
  /** Starts a stopped server again, on the same port with the same data; stops it first if running. */
  start(): Promise<void>;
  restart(): Promise<void>;
}

export const ZOOKEEPER_HOST = '127.0.0.1';

/** The four-letter words the server answers (`ruok` is how start() knows it is serving). */
export const FOUR_LETTER_WORDS = ['ruok', 'srvr', 'stat', 'mntr', 'conf', 'cons', 'dump', 'wchs', 'envi'] as const;
export type FourLetterWord = (typeof FOUR_LETTER_WORDS)[number];

/** Debian's layout: zookeeper.jar names its dependencies in its manifest's Class-Path. */
const DEBIAN_JARS = ['/usr/share/java/zookeeper.jar', '/usr/share/java/slf4j-simple.jar'];

export async function startZooKeeperServer(options: ZooKeeperServerOptions): Promise<ZooKeeperServer> {
  const classpath = options.classpath ?? DEBIAN_JARS;
  const missing = classpath.filter((jar) => !existsSync(jar));
  if (missing.length > 0) {
    throw new Error(`ZooKeeper is not installed (missing ${missing.join(', ')}): apt-get install zookeeper libslf4j-java, ` +
      'or run scripts/install-test-deps.sh');
  }
  const dir = options.dir;
  await mkdir(join(dir, 'data'), { recursive: true });
  const fixedPort = options.port !== undefined && options.port !== 0;
  let port = fixedPort ? options.port! : await freePort();
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  let onParentExit: (() => void) | undefined;

  const launch = async (): Promise<void> => {
    await writeFile(join(dir, 'zoo.cfg'), configText(options, dir, port));
    const log = await open(join(dir, 'zookeeper.log'), 'a');
    try {
      const java = options.java ?? 'java';
      const args = [...jvmArgs(options, classpath), 'org.apache.zookeeper.server.ZooKeeperServerMain', join(dir, 'zoo.cfg')];
      // setpriv's parent-death signal stops the JVM even when this process is SIGKILLed.
      const [command, commandArgs] = options.dieWithParent !== false && existsSync('/usr/bin/setpriv')
        ? ['/usr/bin/setpriv', ['--pdeathsig', 'SIGKILL', '--', java, ...args]]
        : [java, args];
      // In a process group of its own (when detached, or asked), a Ctrl-C in the terminal reaches the
      // parent only, which stops ZooKeeper when it chooses (after the brokers that need it).
      const ownGroup = options.dieWithParent === false || options.ownProcessGroup === true;
      child = spawn(command, commandArgs, { stdio: ['ignore', log.fd, log.fd], detached: ownGroup });
    } finally {
      await log.close();
    }
    const started = child;
    exited = new Promise((resolve) => started.once('exit', () => resolve()));
    started.once('exit', () => { if (child === started) child = undefined; });
    if (options.dieWithParent !== false) {
      onParentExit = () => started.kill('SIGKILL');
      process.once('exit', onParentExit);
    } else {
      started.unref();
    }
  };

  const stop = async (): Promise<void> => {
    const running = child;
    if (onParentExit !== undefined) process.removeListener('exit', onParentExit);
    onParentExit = undefined;
    if (running === undefined) return;
    running.kill('SIGTERM');
    const gone = await Promise.race([exited.then(() => true), sleep(options.stopGraceMs ?? 5_000, false)]);
    if (!gone) {
      running.kill('SIGKILL');
      await exited;
    }
  };

  let firstStart = true;
  const start = async (): Promise<void> => {
    await stop();
    // Only the first start may move to another port: after it, clients hold host:port.
    const mayMove = firstStart && !fixedPort;
    firstStart = false;
    for (let attempt = 1; ; attempt++) {
      await launch();
      try {
        await waitUntilServing(port, () => child === undefined, options.startTimeoutMs ?? 60_000);
        return;
      } catch (error) {
        await stop();
        const output = await logTail(dir);
        // A free port found by us can be taken by another process before the JVM binds it; on a
        // restart the port is kept and the bind tried again a little later.
        if (attempt < 5 && /Address already in use/.test(output)) {
          if (mayMove) port = await freePort();
          else await sleep(500 * attempt);
          continue;
        }
        throw new Error(`ZooKeeper did not start on ${ZOOKEEPER_HOST}:${port}: ${(error as Error).message}\n${output}`, { cause: error });
      }
    }
  };

  await start();
  return {
    host: ZOOKEEPER_HOST,
    get port() { return port; },
    get connectString() { return `${ZOOKEEPER_HOST}:${port}`; },
    dir,
    get pid() { return child?.pid; },
    stop,
    start,
    restart: start,
  };
}

/** Sends one four-letter word and returns the whole answer (the server closes the connection after it). */
export function fourLetterWord(host: string, port: number, word: FourLetterWord, timeoutMs = 5_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = createConnection({ host, port });
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error(`no answer to ${word} within ${timeoutMs} ms`)));
    socket.on('connect', () => socket.end(word));
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}

function configText(options: ZooKeeperServerOptions, dir: string, port: number): string {
  const tickTimeMs = options.tickTimeMs ?? 2_000;
  const lines = [
    `tickTime=${tickTimeMs}`,
    `dataDir=${join(dir, 'data')}`,
    `clientPort=${port}`,
    `clientPortAddress=${ZOOKEEPER_HOST}`,
    'admin.enableServer=false',
    `4lw.commands.whitelist=${FOUR_LETTER_WORDS.join(',')}`,
    // Brokers and tools all connect from 127.0.0.1: no per-address connection cap.
    'maxClientCnxns=0',
    'maxCnxns=0',
    `minSessionTimeout=${options.minSessionTimeoutMs ?? 2 * tickTimeMs}`,
    `maxSessionTimeout=${options.maxSessionTimeoutMs ?? 20 * tickTimeMs}`,
    `forceSync=${options.forceSync === false ? 'no' : 'yes'}`,
  ];
  return `${lines.join('\n')}\n`;
}

function jvmArgs(options: ZooKeeperServerOptions, classpath: readonly string[]): string[] {
  return [
    `-Xmx${options.heapMb ?? 128}m`,
    '-Xms16m',
    // One small collector and the quick compiler: the machine's cores are for the brokers.
    '-XX:+UseSerialGC',
    '-XX:TieredStopAtLevel=1',
    '-XX:-UsePerfData',
    '-Djava.awt.headless=true',
    '-Dzookeeper.jmx.log4j.disable=true',
    '-Dorg.slf4j.simpleLogger.defaultLogLevel=warn',
    '-Dorg.slf4j.simpleLogger.showDateTime=true',
    '-cp', classpath.join(':'),
  ];
}

async function waitUntilServing(port: number, hasExited: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    if (hasExited()) throw new Error('the JVM exited');
    try {
      // imok says the process runs; srvr names a mode only once the database is loaded and
      // requests are served (before that it answers "not currently serving requests").
      const answer = await fourLetterWord(ZOOKEEPER_HOST, port, 'ruok', 2_000);
      if (answer === 'imok') {
        const status = await fourLetterWord(ZOOKEEPER_HOST, port, 'srvr', 2_000);
        if (/^Mode: /m.test(status)) return;
        last = `srvr answered ${JSON.stringify(status.trim())}`;
      } else {
        last = `ruok answered ${JSON.stringify(answer)}`;
      }
    } catch (error) {
      last = (error as Error).message;
    }
    await sleep(100);
  }
  throw new Error(`no imok within ${timeoutMs} ms (${last})`);
}

async function logTail(dir: string): Promise<string> {
  const text = await readFile(join(dir, 'zookeeper.log'), 'utf8').catch(() => '');
  return text.split('\n').slice(-30).join('\n');
}

/**
 * A port free on 127.0.0.1 right now, below the kernel's ephemeral range. Not the kernel's pick for
 * port 0: that comes from the ephemeral range, and while the server is stopped a client reconnecting
 * to such a port can be given that same number as its own local port and connect to itself (TCP
 * simultaneous open), holding the port so the restarted server cannot bind it.
 */
export async function freePort(): Promise<number> {
  const ephemeralStart = await ephemeralPortStart();
  const low = Math.min(10_000, ephemeralStart - 1_000);
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = low + Math.floor(Math.random() * (ephemeralStart - low));
    if (await canListen(port)) return port;
  }
  throw new Error(`no free port on ${ZOOKEEPER_HOST} between ${low} and ${ephemeralStart - 1}`);
}

async function ephemeralPortStart(): Promise<number> {
  const range = await readFile('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').catch(() => '');
  const start = Number(range.trim().split(/\s+/)[0]);
  return Number.isInteger(start) && start > 2_000 ? start : 32_768;
}

function canListen(port: number): Promise<boolean> {
  const server = createServer();
  return new Promise((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, ZOOKEEPER_HOST, () => server.close(() => resolve(true)));
  });
}
