import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { main } from './main.ts';
import { tempDirSync } from '../../test/helpers/temp-dir.ts';
import { captureIo } from '../../test/helpers/capture-io.ts';

/** Every case here fails on its command line or its files, before any connection (the port is closed). */
async function usageError(args: string[]): Promise<string> {
  const io = captureIo();
  assert.equal(await main(['reassign-partitions', ...args], io), 2, `exit code for ${args.join(' ')}: ${io.err.join('')}`);
  const text = io.err.join('');
  assert.match(text, /^samsa reassign-partitions: .*\(see 'samsa reassign-partitions --help'\)\n$/s);
  return text;
}

test('--help lists the actions and the samsa extension --wait', async () => {
  const io = captureIo();
  assert.equal(await main(['kafka-reassign-partitions.sh', '--help'], io), 0);
  const text = io.out.join('');
  for (const option of ['--generate', '--execute', '--verify', '--cancel', '--list', '--throttle', '--preserve-throttles', '--wait']) assert.match(text, new RegExp(option));
});

test('exactly one action, its required options, and only the options it takes', async () => {
  const base = ['--bootstrap-server', 'localhost:1'];
  const dir = tempDirSync('reassign-partitions-');
  const file = join(dir, 'plan.json');
  writeFileSync(file, '{"version":1,"partitions":[{"topic":"t","partition":0,"replicas":[1,2]}]}');
  assert.match(await usageError(base), /Command must include exactly one action: --generate, --execute, --verify, --cancel, --list/);
  assert.match(await usageError([...base, '--list', '--verify']), /exactly one action/);
  assert.match(await usageError(['--list']), /missing required option --bootstrap-server/);
  // --broker-list is the brokers to propose here, never taken for the bootstrap servers.
  assert.match(await usageError(['--generate', '--broker-list', '1,2', '--topics-to-move-json-file', file]), /missing required option --bootstrap-server/);
  assert.match(await usageError([...base, '--generate', '--broker-list', '1,2']), /missing required option --topics-to-move-json-file with --generate/);
  assert.match(await usageError([...base, '--execute']), /missing required option --reassignment-json-file with --execute/);
  assert.match(await usageError([...base, '--verify', '--reassignment-json-file', file, '--throttle', '10']), /Option "--throttle" can't be used with action "--verify"/);
  assert.match(await usageError([...base, '--list', '--additional']), /Option "--additional" can't be used with action "--list"/);
  assert.match(await usageError([...base, '--execute', '--reassignment-json-file', file, '--preserve-throttles']), /--preserve-throttles is for --verify and --cancel/);
  assert.match(await usageError([...base, '--execute', '--reassignment-json-file', file, '--throttle', 'fast']), /--throttle must be an integer >= -1, not 'fast'/);
});

test('bad files are reported before connecting, naming what is wrong', async () => {
  const base = ['--bootstrap-server', 'localhost:1'];
  const dir = tempDirSync('reassign-partitions-');
  const write = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  assert.match(await usageError([...base, '--verify', '--reassignment-json-file', join(dir, 'missing.json')]), /cannot read .*missing\.json/);
  assert.match(await usageError([...base, '--execute', '--reassignment-json-file', write('empty.json', '{"version":1,"partitions":[]}')]),
    /Partition reassignment list cannot be empty/);
  assert.match(await usageError([...base, '--cancel', '--reassignment-json-file', write('trunc.json', '{"version":1,"partitions":[')]),
    /the reassignment JSON file is not valid JSON/);
  // --execute and --verify move replicas between log dirs (AlterReplicaLogDirs); --cancel does not yet.
  assert.match(await usageError([...base, '--cancel', '--reassignment-json-file',
    write('dirs.json', '{"version":1,"partitions":[{"topic":"t","partition":0,"replicas":[1,2],"log_dirs":["any","/data/2"]}]}')]),
  /cancelling moves between a broker's log directories .* is not supported: t-0 on broker 2 to \/data\/2/);
  assert.match(await usageError([...base, '--generate', '--broker-list', '1,2,2', '--topics-to-move-json-file', write('topics.json', '{"version":1,"topics":[{"topic":"t"}]}')]),
    /Broker list contains duplicate entries: 2/);
  assert.match(await usageError([...base, '--generate', '--broker-list', '1,2', '--topics-to-move-json-file', write('topics2.json', '{"version":1,"topics":[{"topic":"t"},{"topic":"t"}]}')]),
    /List of topics to reassign contains duplicate entries: t/);
});
