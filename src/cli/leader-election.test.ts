import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KafkaClientError } from '../client/index.ts';
import { ErrorCode } from '../protocol/errors.ts';
import { UsageError } from './cli-io.ts';
import { electionReport, parseElectionJson, parseElectionType } from './leader-election.ts';
import { main } from './main.ts';
import { tempDirSync } from '../../test/helpers/temp-dir.ts';
import { captureIo } from '../../test/helpers/capture-io.ts';

/** Runs the command; every case here must fail on its command line, before any connection. */
async function usageError(args: string[]): Promise<string> {
  const io = captureIo();
  assert.equal(await main(['leader-election', ...args], io), 2, `exit code for ${args.join(' ')}: ${io.err.join('')}`);
  return io.err.join('');
}

test('the command line needs a bootstrap server, an election type and exactly one way of naming partitions', async () => {
  const base = ['--bootstrap-server', 'localhost:1'];
  assert.match(await usageError(['--all-topic-partitions']), /Missing required option\(s\): bootstrap-server, election-type/);
  assert.match(await usageError([...base, '--election-type', 'fastest', '--all-topic-partitions']), /--election-type is PREFERRED or UNCLEAN, not 'fastest'/);
  assert.match(await usageError([...base, '--election-type', 'preferred']), /One and only one of the following options is required: topic, all-topic-partitions, path-to-json-file/);
  assert.match(await usageError([...base, '--election-type', 'preferred', '--all-topic-partitions', '--topic', 't', '--partition', '0']), /One and only one/);
  assert.match(await usageError([...base, '--election-type', 'preferred', '--topic', 't']), /Missing required option\(s\): partition/);
  assert.match(await usageError([...base, '--election-type', 'preferred', '--all-topic-partitions', '--partition', '0']), /Option partition is only allowed if topic is used/);
  assert.match(await usageError([...base, '--election-type', 'preferred', '--topic', 't', '--partition', 'x']), /--partition must be an integer >= 0, not 'x'/);
  assert.match(await usageError([...base, '--election-type', 'preferred', '--path-to-json-file', '/nonexistent/election.json']), /cannot read \/nonexistent\/election\.json/);
  const file = join(tempDirSync('leader-election-'), 'bad.json');
  writeFileSync(file, '{"partitions":[{"topic":"t","partition":0},{"topic":"t","partition":0}]}');
  assert.match(await usageError([...base, '--election-type', 'unclean', '--path-to-json-file', file]), /Replica election data contains duplicate partitions: t-0/);
});

test('election types are taken in either case', () => {
  assert.equal(parseElectionType('PREFERRED'), 'preferred');
  assert.equal(parseElectionType('unclean'), 'unclean');
  assert.throws(() => parseElectionType('clean'), UsageError);
});

test('the election file names partitions; bad ones say what is wrong', () => {
  assert.deepEqual(parseElectionJson('{"partitions":[{"topic":"foo","partition":1},{"topic":"bar","partition":2}]}'),
    [{ topic: 'foo', partition: 1 }, { topic: 'bar', partition: 2 }]);
  assert.throws(() => parseElectionJson('{"partitions":['), /not valid JSON/);
  assert.throws(() => parseElectionJson('{}'), /^UsageError: Replica election data is missing "partitions" field$/);
  assert.throws(() => parseElectionJson('{"partitions":[{"topic":"foo"}]}'), /partitions\[0\] needs "topic" \(a string\) and "partition"/);
  assert.throws(() => parseElectionJson('{"partitions":{"topic":"foo","partition":1}}'), /"partitions" must be an array/);
});

test('the report: elected, already elected (ELECTION_NOT_NEEDED is not a failure), then each failure', () => {
  const ok = (topic: string, partition: number) => ({ topic, partition, error: null });
  const failed = (topic: string, partition: number, code: number, detail: string | null) =>
    ({ topic, partition, error: new KafkaClientError(code, `ElectLeaders ${topic}-${partition}`, detail) });
  const report = electionReport('preferred', [
    ok('t', 1), failed('t', 2, ErrorCode.ELECTION_NOT_NEEDED, null), ok('a', 0),
    failed('t', 3, ErrorCode.PREFERRED_LEADER_NOT_AVAILABLE, 'Failed to elect leader for partition t-3 under strategy PreferredReplicaPartitionLeaderElectionStrategy'),
    failed('a', 9, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, null),
  ]);
  assert.equal(report.failed, 2);
  assert.equal(report.text,
    'Successfully completed leader election (PREFERRED) for partitions a-0, t-1\n' +
    'Valid replica already elected for partitions t-2\n' +
    'Error completing leader election (PREFERRED) for partition: a-9: UNKNOWN_TOPIC_OR_PARTITION\n' +
    'Error completing leader election (PREFERRED) for partition: t-3: PREFERRED_LEADER_NOT_AVAILABLE ' +
    '(Failed to elect leader for partition t-3 under strategy PreferredReplicaPartitionLeaderElectionStrategy)\n');
  assert.deepEqual(electionReport('unclean', [failed('t', 0, ErrorCode.ELECTION_NOT_NEEDED, null)]),
    { text: 'Valid replica already elected for partitions t-0\n', failed: 0 });
  assert.deepEqual(electionReport('unclean', []), { text: '', failed: 0 });
});
