/**
 * `samsa dev-cluster` as a user runs it: real processes (ZooKeeper, brokers, the schema registry and the console through
 * bin/samsa), the bootstrap list on stdout, a cluster that carries a replicated topic, the console
 * over it, `--detach` then `dev-cluster stop`, and Ctrl-C stopping everything in the foreground.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isOurProcess, SAMSA_BIN } from '../src/cli/dev-cluster/processes.ts';
import type { DevClusterState } from '../src/cli/dev-cluster/layout.ts';
import { Admin } from '../src/client/index.ts';
import type { ClusterOverview, ConsoleInfo } from '../src/console/api-types.ts';
import { kcat, kcatConsumeAll } from './helpers/kcat.ts';
import { runCli } from './helpers/run-cli.ts';
import { makeTempDir, removeTempDir } from './helpers/temp-dir.ts';
import { scrapeMetrics } from './helpers/prometheus-text.ts';

const dirs: string[] = [];
async function freshDir(): Promise<string> {
  const dir = await makeTempDir('samsa-dev-cluster-');
  dirs.push(dir);
  return dir;
}

after(async () => {
  // Whatever a failed test left running is stopped the way a user would stop it.
  for (const dir of dirs) {
    await runCli(['dev-cluster', 'stop', '--dir', dir], { timeoutMs: 120_000 }).catch(() => {});
    await removeTempDir(dir);
  }
});

async function stateOf(dir: string): Promise<DevClusterState> {
  return JSON.parse(await readFile(join(dir, 'dev-cluster.json'), 'utf8')) as DevClusterState;
}

/** Every process of the state, each with the marker only it was started with. */
function processesOf(dir: string, state: DevClusterState): Array<{ pid: number | null; marker: string }> {
  assert.ok(state.console !== undefined, 'dev-cluster.json has the console');
  assert.ok(state.schemaRegistry !== undefined, 'dev-cluster.json has the schema registry');
  return [
    { pid: state.console.pid, marker: join(dir, 'console', 'console.properties') },
    { pid: state.schemaRegistry.pid, marker: join(dir, 'schema-registry', 'schema-registry.properties') },
    ...state.brokers.map((b) => ({ pid: b.pid, marker: join(dir, `broker-${b.id}`, 'server.properties') })),
    { pid: state.zookeeper.pid, marker: join(dir, 'zookeeper', 'zoo.cfg') },
  ];
}

test('--detach starts ZooKeeper and three brokers that form one cluster; stop ends every process', { timeout: 240_000 }, async () => {
  const dir = await freshDir();
  const started = await runCli(['dev-cluster', '--brokers', '3', '--dir', dir, '--detach'], { timeoutMs: 120_000 });
  assert.equal(started.status, 0, started.stderr);
  const bootstrap = started.stdout.trim();
  assert.match(bootstrap, /^127\.0\.0\.1:\d+,127\.0\.0\.1:\d+,127\.0\.0\.1:\d+$/);
  const state = await stateOf(dir);
  assert.equal(state.bootstrap, bootstrap);
  for (const p of processesOf(dir, state)) assert.ok(p.pid !== null && await isOurProcess(p.pid, p.marker), `${p.marker} runs`);

  const admin = new Admin({ bootstrapServers: bootstrap.split(','), clientId: 'dev-cluster-test' });
  try {
    const cluster = await admin.describeCluster();
    assert.deepEqual(cluster.brokers.map((b) => b.nodeId).sort(), [1, 2, 3]);
    assert.ok([1, 2, 3].includes(cluster.controllerId));
    await admin.createTopics([{ topic: 'tryout', numPartitions: 3, replicationFactor: 3 }]);
  } finally {
    await admin.close();
  }
  await kcat(['-P', '-b', bootstrap, '-t', 'tryout', '-p', '1', '-X', 'acks=all'], { input: 'hello\ncluster\n' });
  assert.deepEqual((await kcatConsumeAll(bootstrap, 'tryout', { partition: 1 })).map((m) => m.payload), ['hello', 'cluster']);
  // Every broker serves its metrics at the URL printed for it: one active controller among them.
  for (const broker of state.brokers) assert.match(started.stderr, new RegExp(`metrics http://127\\.0\\.0\\.1:${broker.metricsPort}/metrics`));
  const pages = await Promise.all(state.brokers.map((broker) => scrapeMetrics({ host: '127.0.0.1', port: broker.metricsPort! })));
  assert.equal(pages.reduce((sum, page) => sum + page.value('kafka_controller_kafkacontroller_activecontrollercount'), 0), 1);
  assert.equal(pages.reduce((sum, page) => sum + page.sum('kafka_server_brokertopicmetrics_messagesin_total', { topic: 'tryout' }), 0), 2);

  // The console runs at the URL printed and kept in dev-cluster.json, over these brokers and their metrics.
  const consoleUrl = state.console!.url;
  assert.match(consoleUrl, /^http:\/\/127\.0\.0\.1:\d+\/$/);
  assert.ok(started.stderr.includes(`console: ${consoleUrl} (pid ${state.console!.pid}, log ${join(dir, 'console', 'console.log')})`), started.stderr);
  const overview = await (await fetch(`${consoleUrl}api/cluster`)).json() as ClusterOverview;
  assert.equal(overview.brokers.map((b) => `${b.host}:${b.port}`).join(','), bootstrap);
  assert.ok(overview.brokers.some((b) => b.isController));
  const info = await (await fetch(`${consoleUrl}api/info`)).json() as ConsoleInfo;
  assert.equal(info.metrics, true, 'the console reads the brokers\' /metrics');
  const app = await fetch(consoleUrl);
  assert.equal(app.status, 200);
  assert.match(app.headers.get('content-type') ?? '', /^text\/html/);
  assert.match(await app.text(), /<script type="module"[^>]* src="\/assets\/[^"]+\.js"/, 'the built web app, not the build hint');
  assert.match(await readFile(join(dir, 'console', 'console.log'), 'utf8'), new RegExp(`Samsa console at http://127\\.0\\.0\\.1:${state.console!.port}/ for ${bootstrap}`));

  // The schema registry runs at the URL printed and kept, over these brokers: it lists and registers subjects.
  const registryUrl = state.schemaRegistry!.url;
  assert.match(registryUrl, /^http:\/\/127\.0\.0\.1:\d+$/);
  assert.ok(started.stderr.includes(`schema registry: ${registryUrl} (pid ${state.schemaRegistry!.pid}, log ${join(dir, 'schema-registry', 'schema-registry.log')})`), started.stderr);
  const registryHeaders = { 'content-type': 'application/vnd.schemaregistry.v1+json' };
  assert.deepEqual(await (await fetch(`${registryUrl}/subjects`)).json(), []);
  const registered = await fetch(`${registryUrl}/subjects/tryout-value/versions`, {
    method: 'POST', headers: registryHeaders, body: JSON.stringify({ schema: '{"type":"record","name":"Tryout","fields":[{"name":"n","type":"int"}]}' }),
  });
  assert.equal(registered.status, 200);
  assert.equal(typeof ((await registered.json()) as { id: unknown }).id, 'number');
  assert.deepEqual(await (await fetch(`${registryUrl}/subjects`)).json(), ['tryout-value']);

  const again = await runCli(['dev-cluster', '--dir', dir, '--detach'], { timeoutMs: 60_000 });
  assert.equal(again.status, 1);
  assert.match(again.stderr, /a cluster already runs in .*samsa dev-cluster stop --dir/);

  const stopped = await runCli(['dev-cluster', 'stop', '--dir', dir], { timeoutMs: 180_000 });
  assert.equal(stopped.status, 0, stopped.stderr);
  for (const p of processesOf(dir, state)) assert.equal(await isOurProcess(p.pid!, p.marker), false, `${p.marker} stopped`);
  assert.ok((await stateOf(dir)).brokers.every((b) => b.pid === null));
});

test('in the foreground, Ctrl-C stops the console, the schema registry, the brokers and ZooKeeper and exits 0', { timeout: 240_000 }, async () => {
  const dir = await freshDir();
  const child = spawn(SAMSA_BIN, ['dev-cluster', '--brokers', '2', '--dir', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk; });
  const exited = once(child, 'exit');
  const [line] = await Promise.race([
    once(child.stdout.setEncoding('utf8'), 'data') as Promise<[string]>,
    exited.then(() => { throw new Error(`dev-cluster exited before printing the bootstrap list:\n${stderr}`); }),
  ]);
  const bootstrap = line.trim();
  assert.match(bootstrap, /^127\.0\.0\.1:\d+,127\.0\.0\.1:\d+$/);
  const state = await stateOf(dir);
  const admin = new Admin({ bootstrapServers: bootstrap.split(','), clientId: 'dev-cluster-test' });
  try {
    assert.deepEqual((await admin.describeCluster()).brokers.map((b) => b.nodeId).sort(), [1, 2]);
  } finally {
    await admin.close();
  }
  child.kill('SIGINT');
  const [code] = await exited;
  assert.equal(code, 0, stderr);
  for (const p of processesOf(dir, state)) assert.equal(await isOurProcess(p.pid!, p.marker), false, `${p.marker} stopped`);
});

test('usage errors exit 2; stop without a cluster exits 1', async () => {
  const noBrokers = await runCli(['dev-cluster', '--brokers', '0']);
  assert.equal(noBrokers.status, 2);
  assert.match(noBrokers.stderr, /--brokers must be an integer >= 1/);
  const stopWithBrokers = await runCli(['dev-cluster', 'stop', '--brokers', '3']);
  assert.equal(stopWithBrokers.status, 2);
  assert.match(stopWithBrokers.stderr, /--brokers is for starting a cluster, not 'stop'/);
  const unknown = await runCli(['dev-cluster', 'restart']);
  assert.equal(unknown.status, 2);
  const dir = await freshDir();
  const nothing = await runCli(['dev-cluster', 'stop', '--dir', dir]);
  assert.equal(nothing.status, 1);
  assert.match(nothing.stderr, /no cluster was started in/);
});
