import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { main } from './main.ts';
import { captureIo } from '../../test/helpers/capture-io.ts';

test('no command prints usage and fails; --help succeeds', async () => {
  let io = captureIo();
  assert.equal(await main([], io), 2);
  assert.match(io.err.join(''), /Usage: samsa <command>/);
  io = captureIo();
  assert.equal(await main(['--help'], io), 0);
  assert.match(io.out.join(''), /broker/);
});

test('unknown command is one line on stderr', async () => {
  const io = captureIo();
  assert.equal(await main(['frobnicate'], io), 2);
  assert.deepEqual(io.err, ["samsa: unknown command 'frobnicate'. Run 'samsa --help' for the list.\n"]);
});

test('--version prints the package version', async () => {
  const io = captureIo();
  assert.equal(await main(['--version'], io), 0);
  assert.match(io.out[0]!, /^samsa \d+\.\d+\.\d+/);
});

test('bin/samsa.js forwards arguments and the exit code', () => {
  const bin = fileURLToPath(new URL('../../bin/samsa.js', import.meta.url));
  const help = spawnSync(process.execPath, [bin, 'broker', '--help'], { encoding: 'utf8' });
  assert.equal(help.status, 0, help.stderr);
  assert.match(help.stdout, /Usage: samsa broker/);
  const bad = spawnSync(process.execPath, [bin, 'broker', '--override', 'num.partitions=x'], { encoding: 'utf8' });
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /^samsa broker: invalid config num\.partitions: /);
});

test('bin/samsa.js re-runs itself with the bundled Node 24 when started by an older Node', (t) => {
  const olderNode = '/usr/bin/node';
  const probe = spawnSync(olderNode, ['-p', 'process.versions.node.split(".")[0]'], { encoding: 'utf8' });
  if (probe.status !== 0 || Number(probe.stdout.trim()) >= 24) {
    t.skip('no Node older than 24 at /usr/bin/node');
    return;
  }
  const bin = fileURLToPath(new URL('../../bin/samsa.js', import.meta.url));
  const result = spawnSync(olderNode, [bin, 'broker', '--override', 'no.such.key=1'], { encoding: 'utf8' });
  assert.equal(result.status, 1);
  assert.match(result.stderr, /^samsa broker: invalid config no\.such\.key: unknown config\n$/);
});
