import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { isOurProcess, terminate } from './processes.ts';

/** A process that runs until signalled, with `marker` on its command line; `ignoreTerm` makes it outlive SIGTERM. */
async function sleeper(marker: string, ignoreTerm = false): Promise<number> {
  const script = `${ignoreTerm ? 'process.on("SIGTERM", () => {});' : ''} console.log("up"); setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ['-e', script, marker], { stdio: ['ignore', 'pipe', 'ignore'] });
  await once(child.stdout, 'data');
  return child.pid!;
}

test('isOurProcess: alive and started with the marker; terminate stops it with SIGTERM', async () => {
  const pid = await sleeper('/tmp/dev-cluster-test/broker-1/server.properties');
  assert.equal(await isOurProcess(pid, '/tmp/dev-cluster-test/broker-1/server.properties'), true);
  assert.equal(await isOurProcess(pid, '/tmp/dev-cluster-test/broker-2/server.properties'), false, 'another marker: not ours');
  assert.equal(await terminate(pid, '/tmp/dev-cluster-test/broker-2/server.properties', 1_000), 'not running', 'never signals what is not ours');
  assert.equal(await isOurProcess(pid, '/tmp/dev-cluster-test/broker-1/server.properties'), true);
  assert.equal(await terminate(pid, '/tmp/dev-cluster-test/broker-1/server.properties', 10_000), 'stopped');
  assert.equal(await isOurProcess(pid, '/tmp/dev-cluster-test/broker-1/server.properties'), false);
});

test('terminate kills a process that outlives SIGTERM once the grace time is over', async () => {
  const pid = await sleeper('/tmp/dev-cluster-test/stubborn', true);
  assert.equal(await terminate(pid, '/tmp/dev-cluster-test/stubborn', 300), 'killed');
  assert.equal(await isOurProcess(pid, '/tmp/dev-cluster-test/stubborn'), false);
});
