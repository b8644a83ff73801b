/**
 * `samsa dev-cluster`: the way a user tries a cluster. One command starts Apache ZooKeeper and N
 * brokers on loopback (each its own process, `bin/samsa broker` with a generated server.properties)
 * the schema registry and the console over them (`bin/samsa schema-registry`, `bin/samsa console`), prints the bootstrap list on stdout (details on
 * stderr, so `B=$(samsa dev-cluster --detach)` works) and stops everything on Ctrl-C. `--detach`
 * leaves them running, their pids in <dir>/dev-cluster.json, for `samsa dev-cluster stop`.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort, startZooKeeperServer, type ZooKeeperServer } from '../broker/cluster/zookeeper/server-process.ts';
import { Admin } from '../client/index.ts';
import { EXIT_FAILURE, EXIT_OK, UsageError } from './cli-io.ts';
import type { CliIo } from './cli-io.ts';
import { flag, intOption, listOption, parseKeyValues, parseOptions, stringOption } from './cli-options.ts';
import { consoleCommandArgs, defaultConsoleAppPaths, ensureConsoleAppBuilt } from './dev-cluster/console-app.ts';
import {
  bootstrapOf, brokerDir, brokerLogFile, brokerProperties, brokerPropertiesFile, CONSOLE_PROPERTIES, consoleDir, consoleLogFile, consolePropertiesFile,
  consoleUrlOf, LOOPBACK, metricsUrlOf, readState, SCHEMA_REGISTRY_PROPERTIES, schemaRegistryDir, schemaRegistryLogFile, schemaRegistryPropertiesFile,
  schemaRegistryUrlOf, writeState, zookeeperDir, type BrokerEntry, type DevClusterState,
} from './dev-cluster/layout.ts';
import {
  isOurProcess, logTail, spawnBroker, spawnSamsa, terminate, waitUntilAnswering, waitUntilServing, type SpawnedBroker, type SpawnedProcess,
} from './dev-cluster/processes.ts';

export const devClusterUsage = `Usage: samsa dev-cluster [--brokers 3] [--dir ./dev-cluster] [--detach] [--override k=v ...]
       samsa dev-cluster stop [--dir ./dev-cluster]

Starts Apache ZooKeeper and a cluster of brokers on 127.0.0.1, each broker its own process, and prints
the bootstrap list (host:port,...) on stdout once every broker is registered. Ctrl-C stops them all.
Data, logs and each broker's server.properties stay in --dir, so the next start finds its topics.
Each broker serves Prometheus metrics at http://127.0.0.1:<port>/metrics, and the Samsa console
(samsa console, reading those metrics) runs at http://127.0.0.1:<port>/, beside a schema registry
(samsa schema-registry, its state in the topic _schemas); their URLs are printed at start. The console's web app is built first (npm run build:console) when it is not yet.
  --brokers <n>        how many brokers (ids 1..n; default 3)
  --dir <path>         where ZooKeeper, the brokers and the console keep their data and logs (default ./dev-cluster)
  --detach             leave the cluster running and return; stop it with 'samsa dev-cluster stop'
  --override <k=v>     a broker config for every broker, e.g. --override min.insync.replicas=2 (repeatable)
  --start-timeout-ms   how long to wait for the cluster to form (default 60000)
`;

const OPTIONS = {
  brokers: { type: 'string' }, dir: { type: 'string' }, detach: { type: 'boolean' },
  override: { type: 'string', multiple: true }, 'start-timeout-ms': { type: 'string' },
} as const;

/** How long one broker may take over its controlled shutdown before it is killed. */
const BROKER_STOP_GRACE_MS = 30_000;
const ZOOKEEPER_STOP_GRACE_MS = 10_000;
const CONSOLE_STOP_GRACE_MS = 10_000;
const SCHEMA_REGISTRY_STOP_GRACE_MS = 10_000;

export async function runDevClusterCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseOptions(args, OPTIONS, { allowPositionals: true });
  if (flag(values, 'help')) {
    io.stdout(devClusterUsage);
    return EXIT_OK;
  }
  const dir = resolve(stringOption(values, 'dir') ?? 'dev-cluster');
  if (positionals.length > 1 || (positionals.length === 1 && positionals[0] !== 'stop')) {
    throw new UsageError(`unexpected argument '${positionals.join(' ')}' (the only subcommand is 'stop')`);
  }
  if (positionals[0] === 'stop') {
    for (const option of ['brokers', 'detach', 'override', 'start-timeout-ms']) {
      if (values[option] !== undefined) throw new UsageError(`--${option} is for starting a cluster, not 'stop'`);
    }
    return stopDevCluster(dir, io);
  }
  const brokers = intOption(values, 'brokers', { min: 1 }) ?? 3;
  const overrides = Object.fromEntries(parseKeyValues(listOption(values, 'override'), '--override'));
  const startTimeoutMs = intOption(values, 'start-timeout-ms', { min: 1 }) ?? 60_000;
  return startDevCluster({ dir, brokers, overrides, detach: flag(values, 'detach'), startTimeoutMs }, io);
}

interface StartOptions {
  readonly dir: string;
  readonly brokers: number;
  readonly overrides: Readonly<Record<string, string>>;
  readonly detach: boolean;
  readonly startTimeoutMs: number;
}

interface Running {
  zookeeper: ZooKeeperServer | null;
  readonly brokers: Array<{ readonly id: number; readonly port: number; readonly metricsPort: number; readonly process: SpawnedBroker }>;
  console: { readonly port: number; readonly process: SpawnedProcess } | null;
  schemaRegistry: { readonly port: number; readonly process: SpawnedProcess } | null;
}

async function startDevCluster(options: StartOptions, io: CliIo): Promise<number> {
  const { dir } = options;
  const previous = await readState(dir);
  if (previous !== null && (await liveProcesses(dir, previous)).length > 0) {
    io.stderr(`samsa dev-cluster: a cluster already runs in ${dir}; stop it first with: samsa dev-cluster stop --dir ${dir}\n`);
    return EXIT_FAILURE;
  }
  await mkdir(dir, { recursive: true });
  const running: Running = { zookeeper: null, brokers: [], console: null, schemaRegistry: null };
  const lifetime = options.detach ? 'detached' : 'SIGTERM';
  const consoleApp = await ensureConsoleAppBuilt(defaultConsoleAppPaths(), io.stderr);
  try {
    running.zookeeper = await startZooKeeperServer({ dir: zookeeperDir(dir), dieWithParent: !options.detach, ownProcessGroup: true });
    io.stderr(`ZooKeeper: ${running.zookeeper.connectString} (pid ${running.zookeeper.pid}, log ${join(zookeeperDir(dir), 'zookeeper.log')})\n`);
    for (let id = 1; id <= options.brokers; id++) {
      const kept = previous?.brokers.find((b) => b.id === id);
      const port = await keptPort(kept?.port);
      // Every broker serves Prometheus metrics on a loopback port of its own.
      const metricsPort = await keptPort(kept?.metricsPort);
      await mkdir(brokerDir(dir, id), { recursive: true });
      await writeFile(brokerPropertiesFile(dir, id), brokerProperties({
        id, port, metricsPort, logDir: join(brokerDir(dir, id), 'data'), zookeeperConnect: running.zookeeper.connectString,
        brokers: options.brokers, overrides: options.overrides,
      }));
      const spawned = await spawnBroker({ propertiesFile: brokerPropertiesFile(dir, id), logFile: brokerLogFile(dir, id), lifetime });
      running.brokers.push({ id, port, metricsPort, process: spawned });
    }
    for (const broker of running.brokers) {
      try {
        await waitUntilAnswering(LOOPBACK, broker.port, broker.process.hasExited, options.startTimeoutMs);
      } catch (error) {
        throw new Error(`broker ${broker.id}: ${(error as Error).message}\n--- ${brokerLogFile(dir, broker.id)} ---\n${await logTail(brokerLogFile(dir, broker.id))}`);
      }
      io.stderr(`broker ${broker.id}: ${LOOPBACK}:${broker.port} (pid ${broker.process.pid}, log ${brokerLogFile(dir, broker.id)}, metrics ${metricsUrlOf(broker.metricsPort)}/metrics)\n`);
    }
    const bootstrap = bootstrapOf(running.brokers);
    await waitForCluster(bootstrap, options.brokers, options.startTimeoutMs);
    // The registry and the console read the cluster the user gets, so they start once every broker is in it.
    const registry = await startSchemaRegistry(running, { dir, port: await keptPort(previous?.schemaRegistry?.port), lifetime, timeoutMs: options.startTimeoutMs });
    io.stderr(`schema registry: ${schemaRegistryUrlOf(registry.port)} (pid ${registry.process.pid}, log ${schemaRegistryLogFile(dir)})\n`);
    const consoleProcess = await startConsole(running, { dir, port: await keptPort(previous?.console?.port), lifetime, timeoutMs: options.startTimeoutMs });
    io.stderr(`console: ${consoleUrlOf(consoleProcess.port)} (pid ${consoleProcess.process.pid}, log ${consoleLogFile(dir)})\n`);
    if (consoleApp.outcome === 'missing') io.stderr(`samsa dev-cluster: ${consoleApp.message}\n`);
    await writeState(dir, stateOf(running));
    io.stdout(`${bootstrap}\n`);
  } catch (error) {
    io.stderr(`samsa dev-cluster: ${(error as Error).message}\n`);
    await stopRunning(running, io);
    await writeState(dir, stateOf(running)).catch(() => {});
    return EXIT_FAILURE;
  }
  if (options.detach) {
    io.stderr(`running in the background; stop with: samsa dev-cluster stop --dir ${dir}\n`);
    return EXIT_OK;
  }
  io.stderr('press Ctrl-C to stop the cluster\n');
  await untilStopped(running, dir, io);
  await stopRunning(running, io);
  await writeState(dir, stateOf(running));
  return EXIT_OK;
}

interface ServiceOptions {
  readonly dir: string;
  readonly port: number;
  readonly lifetime: 'detached' | 'SIGTERM';
  readonly timeoutMs: number;
}

/**
 * `samsa console` over the running brokers, reading each one's /metrics; in `running` as soon as
 * it is spawned (so a failure stops it too), resolved once it answers.
 */
async function startConsole(running: Running, options: ServiceOptions): Promise<NonNullable<Running['console']>> {
  const { dir, port } = options;
  await mkdir(consoleDir(dir), { recursive: true });
  await writeFile(consolePropertiesFile(dir), CONSOLE_PROPERTIES);
  const args = consoleCommandArgs({
    bootstrap: bootstrapOf(running.brokers), port, propertiesFile: consolePropertiesFile(dir),
    metricsUrls: running.brokers.map((b) => `${metricsUrlOf(b.metricsPort)}/metrics`),
    ...(running.schemaRegistry === null ? {} : { schemaRegistryUrl: schemaRegistryUrlOf(running.schemaRegistry.port) }),
  });
  const spawned = await spawnSamsa(args, { logFile: consoleLogFile(dir), lifetime: options.lifetime });
  running.console = { port, process: spawned };
  await untilServing('console', `${consoleUrlOf(port)}api/info`, spawned, consoleLogFile(dir), options.timeoutMs);
  return running.console;
}

/** `samsa schema-registry` over the running brokers, in `running` as soon as it is spawned; resolved once it answers. */
async function startSchemaRegistry(running: Running, options: ServiceOptions): Promise<NonNullable<Running['schemaRegistry']>> {
  const { dir, port } = options;
  await mkdir(schemaRegistryDir(dir), { recursive: true });
  await writeFile(schemaRegistryPropertiesFile(dir), SCHEMA_REGISTRY_PROPERTIES);
  const args = [
    'schema-registry', '--bootstrap-server', bootstrapOf(running.brokers), '--listeners', schemaRegistryUrlOf(port),
    '--command-config', schemaRegistryPropertiesFile(dir), '--replication-factor', String(Math.min(3, running.brokers.length)),
  ];
  const spawned = await spawnSamsa(args, { logFile: schemaRegistryLogFile(dir), lifetime: options.lifetime });
  running.schemaRegistry = { port, process: spawned };
  await untilServing('schema registry', `${schemaRegistryUrlOf(port)}/subjects`, spawned, schemaRegistryLogFile(dir), options.timeoutMs);
  // It serves reads before its leader election ends, and answers writes 50004 until then; the line
  // it prints once the election has given it a leader is what says a user may register schemas.
  await untilLogged('schema registry', /^Samsa schema registry at /m, spawned, schemaRegistryLogFile(dir), options.timeoutMs);
  return running.schemaRegistry;
}

async function untilLogged(what: string, line: RegExp, spawned: SpawnedProcess, logFile: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!line.test(await readFile(logFile, 'utf8').catch(() => ''))) {
    if (spawned.hasExited() || Date.now() > deadline) {
      throw new Error(`${what}: ${spawned.hasExited() ? 'exited' : `not ready within ${timeoutMs} ms`}\n--- ${logFile} ---\n${await logTail(logFile)}`);
    }
    await sleep(100);
  }
}

async function untilServing(what: string, url: string, spawned: SpawnedProcess, logFile: string, timeoutMs: number): Promise<void> {
  try {
    await waitUntilServing(url, spawned.hasExited, timeoutMs);
  } catch (error) {
    throw new Error(`${what}: ${(error as Error).message}\n--- ${logFile} ---\n${await logTail(logFile)}`);
  }
}

/** The port an earlier run used, when still free (so the bootstrap list stays the same); else a new one. */
async function keptPort(previous: number | undefined): Promise<number> {
  if (previous !== undefined) {
    const free = await new Promise<boolean>((done) => {
      const server = createServer().once('error', () => done(false));
      server.listen(previous, LOOPBACK, () => server.close(() => done(true)));
    });
    if (free) return previous;
  }
  return freePort();
}

/** Polls DescribeCluster until it lists every broker: registered in ZooKeeper and known to the others. */
async function waitForCluster(bootstrap: string, brokers: number, timeoutMs: number): Promise<void> {
  const admin = new Admin({ bootstrapServers: bootstrap.split(','), clientId: 'samsa-dev-cluster', requestTimeoutMs: 5_000 });
  const deadline = Date.now() + timeoutMs;
  let seen = 'no answer';
  try {
    while (Date.now() < deadline) {
      try {
        const cluster = await admin.describeCluster();
        if (cluster.brokers.length === brokers && cluster.controllerId >= 0) return;
        seen = `DescribeCluster lists ${cluster.brokers.length} of ${brokers} brokers, controller ${cluster.controllerId}`;
      } catch (error) {
        seen = (error as Error).message;
      }
      await sleep(200);
    }
  } finally {
    await admin.close();
  }
  throw new Error(`the brokers did not form one cluster within ${timeoutMs} ms (${seen})`);
}

/** Resolves on Ctrl-C or SIGTERM; a broker that dies meanwhile is reported, not restarted. */
function untilStopped(running: Running, dir: string, io: CliIo): Promise<void> {
  let stopping = false;
  const watched = [
    ...running.brokers.map((b) => ({ what: `broker ${b.id}`, process: b.process, log: brokerLogFile(dir, b.id) })),
    ...(running.console === null ? [] : [{ what: 'the console', process: running.console.process, log: consoleLogFile(dir) }]),
    ...(running.schemaRegistry === null ? [] : [{ what: 'the schema registry', process: running.schemaRegistry.process, log: schemaRegistryLogFile(dir) }]),
  ];
  for (const { what, process: child, log } of watched) {
    void child.exited.then(({ code, signal }) => {
      if (!stopping) io.stderr(`${what} exited (${signal ?? `code ${code}`}); see ${log}\n`);
    });
  }
  return new Promise((resolvePromise) => {
    const onSignal = (signal: NodeJS.Signals): void => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      stopping = true;
      io.stderr(`${signal} received: stopping the console, the schema registry, the brokers one by one, then ZooKeeper (again to kill them at once)\n`);
      const force = (): void => {
        running.console?.process.child.kill('SIGKILL');
        running.schemaRegistry?.process.child.kill('SIGKILL');
        for (const broker of running.brokers) broker.process.child.kill('SIGKILL');
        running.zookeeper?.stop().catch(() => {});
      };
      process.once('SIGINT', force);
      process.once('SIGTERM', force);
      resolvePromise();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}

/**
 * The console and the registry first (clients of the brokers, they would only log their going); then the brokers one
 * at a time (each hands its leaderships to the others first: a controlled shutdown), last started
 * first; ZooKeeper last, as the brokers need it to shut down cleanly.
 */
async function stopRunning(running: Running, io: CliIo): Promise<void> {
  if (running.console !== null) await stopChild('console', running.console.process, CONSOLE_STOP_GRACE_MS, io);
  if (running.schemaRegistry !== null) await stopChild('schema registry', running.schemaRegistry.process, SCHEMA_REGISTRY_STOP_GRACE_MS, io);
  for (const broker of [...running.brokers].reverse()) await stopChild(`broker ${broker.id}`, broker.process, BROKER_STOP_GRACE_MS, io);
  await running.zookeeper?.stop();
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once it has exited. */
async function stopChild(what: string, child: SpawnedProcess, graceMs: number, io: CliIo): Promise<void> {
  if (child.hasExited()) return;
  child.child.kill('SIGTERM');
  const timer = setTimeout(() => child.child.kill('SIGKILL'), graceMs);
  const { code, signal } = await child.exited;
  clearTimeout(timer);
  io.stderr(`${what} stopped (${signal ?? `exit ${code}`})\n`);
}

function stateOf(running: Running): DevClusterState {
  const brokers: BrokerEntry[] = running.brokers.map((b) => ({ id: b.id, port: b.port, metricsPort: b.metricsPort, pid: b.process.hasExited() ? null : b.process.pid }));
  const consoleProcess = running.console;
  const registry = running.schemaRegistry;
  return {
    zookeeper: { port: running.zookeeper?.port ?? 0, pid: running.zookeeper?.pid ?? null },
    brokers,
    bootstrap: bootstrapOf(running.brokers),
    ...(consoleProcess === null ? {} : {
      console: { port: consoleProcess.port, url: consoleUrlOf(consoleProcess.port), pid: consoleProcess.process.hasExited() ? null : consoleProcess.process.pid },
    }),
    ...(registry === null ? {} : {
      schemaRegistry: { port: registry.port, url: schemaRegistryUrlOf(registry.port), pid: registry.process.hasExited() ? null : registry.process.pid },
    }),
  };
}

/** The processes of `state` still alive and still ours: each is checked by a path only it was given. */
async function liveProcesses(dir: string, state: DevClusterState): Promise<Array<{ what: string; pid: number; marker: string; graceMs: number }>> {
  // The console, the registry, brokers highest id first, ZooKeeper last: the order they are stopped in.
  const candidates = [
    ...(state.console === undefined ? [] : [{ what: 'console', pid: state.console.pid, marker: consolePropertiesFile(dir), graceMs: CONSOLE_STOP_GRACE_MS }]),
    ...(state.schemaRegistry === undefined ? [] : [{
      what: 'schema registry', pid: state.schemaRegistry.pid, marker: schemaRegistryPropertiesFile(dir), graceMs: SCHEMA_REGISTRY_STOP_GRACE_MS,
    }]),
    ...[...state.brokers].sort((a, b) => b.id - a.id).map((b) => ({ what: `broker ${b.id}`, pid: b.pid, marker: brokerPropertiesFile(dir, b.id), graceMs: BROKER_STOP_GRACE_MS })),
    { what: 'ZooKeeper', pid: state.zookeeper.pid, marker: join(zookeeperDir(dir), 'zoo.cfg'), graceMs: ZOOKEEPER_STOP_GRACE_MS },
  ];
  const live = [];
  for (const c of candidates) {
    if (c.pid !== null && await isOurProcess(c.pid, c.marker)) live.push({ ...c, pid: c.pid });
  }
  return live;
}

async function stopDevCluster(dir: string, io: CliIo): Promise<number> {
  const state = await readState(dir);
  if (state === null) {
    io.stderr(`samsa dev-cluster: no cluster was started in ${dir}\n`);
    return EXIT_FAILURE;
  }
  const live = await liveProcesses(dir, state);
  if (live.length === 0) io.stderr(`nothing runs in ${dir}\n`);
  // One at a time: each broker's controlled shutdown needs the others and ZooKeeper.
  for (const p of live) {
    const how = await terminate(p.pid, p.marker, p.graceMs);
    io.stderr(`${p.what} (pid ${p.pid}): ${how}\n`);
  }
  await writeState(dir, {
    ...state, zookeeper: { ...state.zookeeper, pid: null }, brokers: state.brokers.map((b) => ({ ...b, pid: null })),
    ...(state.console === undefined ? {} : { console: { ...state.console, pid: null } }),
    ...(state.schemaRegistry === undefined ? {} : { schemaRegistry: { ...state.schemaRegistry, pid: null } }),
  });
  return EXIT_OK;
}
