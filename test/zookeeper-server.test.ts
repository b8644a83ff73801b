import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { fourLetterWord, ZOOKEEPER_HOST } from '../src/broker/cluster/zookeeper/server-process.ts';
import { ZooKeeperClient } from '../src/broker/cluster/zookeeper/zookeeper-client.ts';
import { makeTempDir, removeTempDir } from './helpers/temp-dir.ts';
import { waitFor } from './helpers/wait-for.ts';
import { startZooKeeper } from './helpers/zookeeper-server.ts';

/** The ZooKeeper the project starts for tests and dev-cluster: one port on loopback, nothing left behind. */

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function listeningSockets(pid: number): Promise<string[]> {
  const { stdout } = await promisify(execFile)('ss', ['-Hltnp']);
  return stdout.split('\n').filter((line) => line.includes(`pid=${pid},`)).map((line) => line.trim().split(/\s+/)[3]!);
}

function refusesConnections(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: ZOOKEEPER_HOST, port });
    socket.once('connect', () => { socket.destroy(); resolve(false); });
    socket.once('error', () => resolve(true));
  });
}

test('serves on one loopback port only, answers the whitelisted four-letter words, and stops without a trace', async () => {
  const zk = await startZooKeeper();
  const pid = zk.server.pid!;
  try {
    assert.equal(await fourLetterWord(ZOOKEEPER_HOST, zk.port, 'ruok'), 'imok');
    assert.match(await fourLetterWord(ZOOKEEPER_HOST, zk.port, 'srvr'), /^Mode: standalone$/m);
    assert.match(await fourLetterWord(ZOOKEEPER_HOST, zk.port, 'mntr'), /^zk_server_state\tstandalone$/m);
    const sockets = await listeningSockets(pid);
    assert.equal(sockets.length, 1, `one listening socket, not ${sockets.join(' ')}`);
    assert.match(sockets[0]!, new RegExp(`127\\.0\\.0\\.1\\]?:${zk.port}$`));
    // Words outside the whitelist (here: the watches by path) are refused.
    assert.match(await fourLetterWord(ZOOKEEPER_HOST, zk.port, 'wchp' as 'ruok'), /not in the whitelist/);
  } finally {
    await zk.close();
  }
  assert.ok(!isRunning(pid), 'the JVM is gone');
  assert.ok(await refusesConnections(zk.port));
});

test('stop keeps the data: started again, ZooKeeper has the same znodes on the same port', async () => {
  const zk = await startZooKeeper();
  try {
    const port = zk.port;
    const client = await ZooKeeperClient.connect({ connect: `${zk.connectString}/kept`, sessionTimeoutMs: 2_000 });
    await client.create('/cluster', Buffer.from('id'));
    await client.close();
    const pid = zk.server.pid!;
    await zk.stop();
    assert.ok(!isRunning(pid));
    assert.equal(zk.server.pid, undefined);
    await zk.start();
    assert.equal(zk.port, port);
    const again = await ZooKeeperClient.connect({ connect: `${zk.connectString}/kept`, sessionTimeoutMs: 2_000 });
    assert.equal((await again.getData('/cluster')).data.toString(), 'id');
    await again.close();
  } finally {
    await zk.close();
  }
});

test('a JVM that ignores SIGTERM is killed', async () => {
  const zk = await startZooKeeper({ stopGraceMs: 300 });
  const pid = zk.server.pid!;
  try {
    process.kill(pid, 'SIGSTOP');
  } finally {
    await zk.close();
  }
  assert.ok(!isRunning(pid));
});

test('ZooKeeper dies with the process that started it, even when that process is SIGKILLed', async () => {
  const dir = await makeTempDir('samsa-zookeeper-');
  try {
    const module = join(import.meta.dirname, '..', 'src', 'broker', 'cluster', 'zookeeper', 'server-process.ts');
    const script = `const { startZooKeeperServer } = await import(${JSON.stringify(module)});
      const zk = await startZooKeeperServer({ dir: ${JSON.stringify(dir)}, heapMb: 64, forceSync: false });
      console.log(zk.pid); setInterval(() => {}, 1000);`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    const [line] = await once(child.stdout!, 'data') as [Buffer];
    const pid = Number(line.toString().trim());
    assert.ok(isRunning(pid), `ZooKeeper ${pid} runs`);
    child.kill('SIGKILL');
    await waitFor(() => !isRunning(pid), 10_000, { what: `ZooKeeper ${pid} to exit` });
  } finally {
    await removeTempDir(dir);
  }
});
