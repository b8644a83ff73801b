/**
 * samsa verify against a real in-process broker: a clean run finds every acknowledged record, and a
 * fault command that really drops acknowledged records (samsa delete-records, run as a child
 * process while the producers run) is reported as lost, with exit status 1.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Admin } from '../src/client/index.ts';
import type { VerifyReport } from '../src/cli/verify/report.ts';
import { runCli } from './helpers/run-cli.ts';
import { makeTempDir, removeTempDir } from './helpers/temp-dir.ts';
import { REPO_ROOT, startTestBroker, type TestBroker } from './helpers/test-broker.ts';

let broker: TestBroker;
let dir: string;

before(async () => {
  broker = await startTestBroker({}, undefined, { silent: true });
  dir = await makeTempDir('samsa-verify-');
});

after(async () => {
  await broker?.close();
  if (broker) await removeTempDir(broker.dataDir);
  if (dir) await removeTempDir(dir);
});

async function reportOf(file: string): Promise<VerifyReport> {
  return JSON.parse(await readFile(file, 'utf8')) as VerifyReport;
}

test('a clean run: every acknowledged record read back where it was acknowledged, exit 0', async () => {
  const file = join(dir, 'clean.json');
  const result = await runCli(['verify', '--bootstrap-server', broker.bootstrap, '--topic', 'verify-clean', '--partitions', '2',
    '--producers', '3', '--records', '200', '--report', file], { timeoutMs: 60_000 });
  assert.equal(result.status, 0, result.stdout + result.stderr);
  assert.match(result.stdout, /produced: 200 attempted, 200 acknowledged, 0 failed, 0 unanswered\n/);
  assert.match(result.stdout, /\nOK: no anomalies\n$/);
  const report = await reportOf(file);
  assert.equal(report.ok, true);
  assert.equal(report.counts.acknowledged, 200);
  assert.equal(report.counts.read, 200);
  assert.deepEqual(report.counts.anomalies, { lost: 0, duplicate: 0, reorder: 0, 'wrong-offset': 0, 'inconsistent-read': 0 });
  assert.deepEqual(report.anomalies, []);
  assert.equal(report.mode.ordering, 'sequential');
  const admin = new Admin({ bootstrapServers: [broker.bootstrap] });
  try {
    const [topic] = await admin.describeTopics(['verify-clean']);
    assert.equal(topic!.partitions.length, 2, 'the topic was created with --partitions');
  } finally {
    await admin.close();
  }
});

test('a fault command that deletes acknowledged records mid-run: reported lost, exit 1', async () => {
  const offsets = join(dir, 'delete.json');
  await writeFile(offsets, JSON.stringify({ version: 1, partitions: [0, 1].map((partition) => ({ topic: 'verify-faulty', partition, offset: -1 })) }));
  // The fault command finds the broker in its environment, as a user's script would.
  const fault = `"${process.execPath}" "${join(REPO_ROOT, 'src', 'cli', 'main.ts')}" delete-records --bootstrap-server "$SAMSA_VERIFY_BOOTSTRAP" --offset-json-file "${offsets}"`;
  const file = join(dir, 'faulty.json');
  const result = await runCli(['verify', '--bootstrap-server', broker.bootstrap, '--topic', 'verify-faulty', '--partitions', '2',
    '--producers', '2', '--duration-ms', '2000', '--fault-command', fault, '--fault-interval-ms', '100', '--report', file], { timeoutMs: 60_000 });
  assert.equal(result.status, 1, result.stdout + result.stderr);
  const report = await reportOf(file);
  assert.equal(report.ok, false);
  assert.ok(report.faults.length >= 1 && report.faults.every((f) => f.exitCode === 0), JSON.stringify(report.faults));
  const lost = report.anomalies.filter((a) => a.kind === 'lost');
  assert.ok(lost.length > 0);
  assert.equal(report.counts.anomalies.lost, lost.length);
  // What delete-records removed is exactly what is missing: the read starts where the log now starts.
  for (const a of lost) {
    const partition = report.partitions.find((p) => p.partition === a.acked.partition)!;
    assert.ok(a.acked.offset < partition.startOffset, `lost ${JSON.stringify(a)} lies below log start ${partition.startOffset}`);
  }
  assert.equal(report.counts.acknowledged - lost.length, report.counts.read);
  assert.match(result.stdout, /\nlost: [1-9]\d*, duplicate: 0, reorder: 0, wrong-offset: 0, inconsistent-read: 0\n/);
  assert.match(result.stdout, /\nFAILED: \d+ anomalies\n$/);
});

test('--fault-rounds: the producers run until the fault command has run that many times', async () => {
  const file = join(dir, 'rounds.json');
  const result = await runCli(['verify', '--bootstrap-server', broker.bootstrap, '--topic', 'verify-rounds', '--partitions', '1',
    '--producers', '2', '--fault-command', 'echo round $SAMSA_VERIFY_ROUND', '--fault-interval-ms', '50', '--fault-rounds', '3', '--report', file], { timeoutMs: 60_000 });
  assert.equal(result.status, 0, result.stdout + result.stderr);
  const report = await reportOf(file);
  assert.deepEqual(report.faults.map((f) => [f.round, f.exitCode, f.output.trim()]), [[1, 0, 'round 1'], [2, 0, 'round 2'], [3, 0, 'round 3']]);
  assert.ok(report.counts.acknowledged > 0);
  assert.equal(report.counts.read, report.counts.acknowledged);
});

test('usage errors exit 2', async () => {
  const both = await runCli(['verify', '--bootstrap-server', broker.bootstrap, '--topic', 't', '--records', '5', '--duration-ms', '5']);
  assert.equal(both.status, 2);
  assert.match(both.stderr, /give one of --records, --duration-ms and --fault-rounds/);
  const rounds = await runCli(['verify', '--bootstrap-server', broker.bootstrap, '--topic', 't', '--fault-rounds', '3']);
  assert.equal(rounds.status, 2);
  assert.match(rounds.stderr, /--fault-rounds needs --fault-command/);
  const noTopic = await runCli(['verify', '--bootstrap-server', broker.bootstrap]);
  assert.equal(noTopic.status, 2);
  assert.match(noTopic.stderr, /missing required option --topic/);
  const interval = await runCli(['verify', '--bootstrap-server', broker.bootstrap, '--topic', 't', '--fault-interval-ms', '10']);
  assert.equal(interval.status, 2);
  assert.match(interval.stderr, /--fault-interval-ms needs --fault-command/);
});
