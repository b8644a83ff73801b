import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { connect } from 'node:net';
import { join } from 'node:path';
import { brokerNodeFlags, REPO_ROOT } from './helpers/test-broker.ts';
import { makeTempDir, removeTempDir } from './helpers/temp-dir.ts';
import { waitFor } from './helpers/wait-for.ts';

test('samsa broker runs the broker with the flags in bin/broker-node-flags, and SIGTERM stops it cleanly', async (t) => {
  const flags = brokerNodeFlags();
  assert.ok(flags.length > 0 && flags.every((f) => f.startsWith('--')), `flags: ${flags.join(' ')}`);
  const dataDir = await makeTempDir('samsa-launcher-');
  t.after(() => removeTempDir(dataDir));
  const launcher = spawn(process.execPath, [join(REPO_ROOT, 'bin', 'samsa.js'), 'broker',
    '--override', 'listeners=PLAINTEXT://127.0.0.1:0', '--override', `log.dirs=${dataDir}`],
  // Its info lines are what the test reads, whatever level the suite runs at.
  { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, SAMSA_LOG_LEVEL: 'info' } });
  const exited = once(launcher, 'exit') as Promise<[number | null, string | null]>;
  t.after(() => { if (launcher.exitCode === null) launcher.kill('SIGKILL'); });
  let output = '';
  launcher.stdout.setEncoding('utf8').on('data', (chunk: string) => { output += chunk; });
  launcher.stderr.setEncoding('utf8').on('data', (chunk: string) => { output += chunk; });

  const started = (): { listeners: string[]; nodeFlags: string[]; pid: number } | undefined => {
    const line = output.split('\n').find((l) => l.includes('"broker started"'));
    return line === undefined ? undefined : JSON.parse(line);
  };
  const info = await waitFor(started, 30_000, { what: 'the "broker started" log line' });
  assert.deepEqual(info.nodeFlags, flags);
  assert.notEqual(info.pid, launcher.pid, 'the broker runs in a child that was started with the flags');

  // It answers on its port, and the launcher passes SIGTERM on: the broker shuts down and exits 0.
  const port = Number(new URL(info.listeners[0]!.replace('PLAINTEXT', 'kafka')).port);
  const socket = connect({ host: '127.0.0.1', port });
  await once(socket, 'connect');
  socket.destroy();
  launcher.kill('SIGTERM');
  const [code] = await exited;
  assert.equal(code, 0, output);
  assert.match(output, /"broker stopped"/);
});
