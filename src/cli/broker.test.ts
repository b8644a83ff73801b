import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadBrokerConfigInput, parseBrokerArgs, runBrokerCommand } from './broker.ts';
import type { BrokerCommandDependencies } from './broker.ts';
import { UsageError } from './cli-io.ts';
import type { BrokerConfigInput } from '../broker/config.ts';
import { captureIo } from '../../test/helpers/capture-io.ts';

test('parseBrokerArgs: positional file, --config, repeated --override', () => {
  assert.deepEqual(parseBrokerArgs([]), { help: false, configFile: null, overrides: [] });
  assert.deepEqual(parseBrokerArgs(['server.properties']), { help: false, configFile: 'server.properties', overrides: [] });
  assert.deepEqual(parseBrokerArgs(['--config', 'a.properties', '--override', 'node.id=2', '--override=log.dirs=/x']), {
    help: false,
    configFile: 'a.properties',
    overrides: ['node.id=2', 'log.dirs=/x'],
  });
  assert.deepEqual(parseBrokerArgs(['-c', 'a.properties', '-o', 'x=1']), { help: false, configFile: 'a.properties', overrides: ['x=1'] });
  assert.deepEqual(parseBrokerArgs(['server.properties', '--override', 'a=b']).configFile, 'server.properties');
  assert.equal(parseBrokerArgs(['--help']).help, true);
});

test('parseBrokerArgs: rejects unknown flags, two files, file twice', () => {
  assert.throws(() => parseBrokerArgs(['--nope']), UsageError);
  assert.throws(() => parseBrokerArgs(['a.properties', 'b.properties']), UsageError);
  assert.throws(() => parseBrokerArgs(['a.properties', '--config', 'b.properties']), UsageError);
  assert.throws(() => parseBrokerArgs(['--config']), UsageError);
});

test('config input: file first, overrides win', async () => {
  const files: Record<string, string> = { 'server.properties': 'node.id=3\nlog.dirs=/from/file\nnum.partitions : 4\n' };
  const input = await loadBrokerConfigInput(
    { help: false, configFile: 'server.properties', overrides: ['log.dirs=/from/override'] },
    async (path) => files[path] ?? Promise.reject(new Error('ENOENT')),
  );
  assert.deepEqual(input, { 'node.id': '3', 'log.dirs': '/from/override', 'num.partitions': '4' });
});

function fakeDependencies(started: BrokerConfigInput[], options: { failStart?: Error; file?: string } = {}): BrokerCommandDependencies & { closed: number } {
  const deps = {
    closed: 0,
    startBroker: async (config: BrokerConfigInput) => {
      if (options.failStart) throw options.failStart;
      started.push(config);
      return { port: 9092, close: async () => void deps.closed++ };
    },
    readTextFile: async (path: string) => {
      if (options.file === undefined) throw new Error(`ENOENT: no such file or directory, open '${path}'`);
      return options.file;
    },
    // A broker that started is sent SIGTERM; one that fails to start never sees a signal.
    waitForShutdown: () => options.failStart ? new Promise<string>(() => {}) : Promise.resolve('SIGTERM'),
  };
  return deps;
}

test('runBrokerCommand: starts with the merged config and closes on a signal', async () => {
  const started: BrokerConfigInput[] = [];
  const deps = fakeDependencies(started, { file: 'listeners=PLAINTEXT://127.0.0.1:0\n' });
  const io = captureIo();
  const code = await runBrokerCommand(['server.properties', '--override', 'log.dirs=/tmp/x'], io, deps);
  assert.equal(code, 0);
  assert.deepEqual(started, [{ listeners: 'PLAINTEXT://127.0.0.1:0', 'log.dirs': '/tmp/x' }]);
  assert.equal(deps.closed, 1);
});

test('runBrokerCommand: the signal is listened for before the start, so a Ctrl-C during it (or right after "broker started") stops the broker once started', async () => {
  const started: BrokerConfigInput[] = [];
  const fake = fakeDependencies(started);
  let finishStart!: () => void;
  const startGate = new Promise<void>((resolve) => { finishStart = resolve; });
  let listening = false;
  let signal!: (name: string) => void;
  const deps: BrokerCommandDependencies = {
    ...fake,
    startBroker: async (config) => {
      await startGate;
      return fake.startBroker(config);
    },
    waitForShutdown: () => {
      listening = true;
      return new Promise((resolve) => { signal = resolve; });
    },
  };
  const io = captureIo();
  const run = runBrokerCommand(['--override', 'log.dirs=/tmp/x'], io, deps);
  await new Promise((resolve) => setImmediate(resolve));
  assert.ok(listening, 'SIGINT is listened for while the broker starts');
  signal('SIGINT');
  await new Promise((resolve) => setImmediate(resolve));
  assert.match(io.err.join(''), /SIGINT received, shutting down/, 'the signal is answered while the broker starts');
  assert.equal(fake.closed, 0);
  finishStart();
  assert.equal(await run, 0);
  assert.equal(fake.closed, 1);
  assert.match(io.err.join(''), /SIGINT received, shutting down/);
});

test('runBrokerCommand: a bad config is one stderr line naming the key, non-zero exit, nothing started', async () => {
  const started: BrokerConfigInput[] = [];
  for (const override of ['num.partitions=many', 'no.such.key=1', 'listeners=9092']) {
    const io = captureIo();
    const code = await runBrokerCommand(['--override', override], io, fakeDependencies(started));
    assert.notEqual(code, 0);
    const key = override.split('=')[0]!;
    assert.equal(io.err.length, 1);
    assert.match(io.err[0]!, new RegExp(`^samsa broker: invalid config ${key.replaceAll('.', '\\.')}: .+\\n$`));
  }
  assert.deepEqual(started, []);
});

test('runBrokerCommand: usage errors, missing files and start failures are one line', async () => {
  const started: BrokerConfigInput[] = [];
  let io = captureIo();
  assert.equal(await runBrokerCommand(['--bogus'], io, fakeDependencies(started)), 2);
  assert.equal(io.err.length, 1);
  assert.match(io.err[0]!, /^samsa broker: .*bogus.*\n$/);

  io = captureIo();
  assert.equal(await runBrokerCommand(['missing.properties'], io, fakeDependencies(started)), 2);
  assert.match(io.err[0]!, /cannot read config file missing\.properties/);

  io = captureIo();
  assert.equal(await runBrokerCommand([], io, fakeDependencies(started, { failStart: new Error('listen EADDRINUSE 127.0.0.1:9092') })), 1);
  assert.deepEqual(io.err, ['samsa broker: failed to start: listen EADDRINUSE 127.0.0.1:9092\n']);

  io = captureIo();
  assert.equal(await runBrokerCommand(['--help'], io, fakeDependencies(started)), 0);
  assert.match(io.out.join(''), /Usage: samsa broker/);
  assert.deepEqual(started, []);
});
