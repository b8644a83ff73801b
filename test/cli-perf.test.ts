/** samsa producer-perf-test and consumer-perf-test as child processes: Kafka's output lines and real effects. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Admin } from '../src/client/index.ts';
import { runCli, runCliOk } from './helpers/run-cli.ts';
import { removeTempDir } from './helpers/temp-dir.ts';
import { startTestBroker, type TestBroker } from './helpers/test-broker.ts';

let broker: TestBroker;
let admin: Admin;

before(async () => {
  broker = await startTestBroker({ 'group.initial.rebalance.delay.ms': '0' }, undefined, { silent: true });
  admin = new Admin({ bootstrapServers: [broker.bootstrap] });
  await admin.createTopics([{ topic: 'perf', numPartitions: 3 }]);
});

after(async () => {
  await admin?.close();
  await broker?.close();
  if (broker) await removeTempDir(broker.dataDir);
});

const NUMBER = String.raw`\d+(?:\.\d+)?`;

test('producer-perf-test sends --num-records records of --record-size and prints the summary line', async () => {
  const result = await runCliOk(['producer-perf-test', '--topic', 'perf', '--num-records', '20000', '--record-size', '100', '--throughput', '-1',
    '--producer-props', `bootstrap.servers=${broker.bootstrap}`, 'acks=1', 'linger.ms=2']);
  const last = result.stdout.trimEnd().split('\n').at(-1)!;
  assert.match(last, new RegExp(`^20000 records sent, ${NUMBER} records/sec \\(${NUMBER} MB/sec\\), ${NUMBER} ms avg latency, ${NUMBER} ms max latency, ` +
    String.raw`\d+ ms 50th, \d+ ms 95th, \d+ ms 99th, \d+ ms 99\.9th\.$`));
  assert.match(last, /records\/sec \(\d+\.\d{2} MB\/sec\), \d+\.\d{2} ms avg latency/);
  const ends = await admin.listOffsets([0, 1, 2].map((partition) => ({ topic: 'perf', partition, spec: 'latest' as const })));
  assert.equal(ends.reduce((sum, e) => sum + e.offset, 0), 20000);
  assert.equal(result.stderr, '');
});

test('producer-perf-test --throughput throttles; errors are one line', async () => {
  const started = Date.now();
  const result = await runCliOk(['producer-perf-test', '--topic', 'perf', '--num-records', '50', '--record-size', '10', '--throughput', '100',
    '--bootstrap-server', broker.bootstrap]);
  assert.ok(Date.now() - started >= 450, 'fifty records at 100/s take about half a second');
  assert.match(result.stdout, /^50 records sent, /);
  const missing = await runCli(['producer-perf-test', '--topic', 'perf', '--num-records', '5', '--record-size', '10']);
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /^samsa producer-perf-test: --throughput is required/);
});

test('consumer-perf-test reads --messages records and prints Kafka\'s header and CSV line', async () => {
  const result = await runCliOk(['consumer-perf-test', '--bootstrap-server', broker.bootstrap, '--topic', 'perf', '--messages', '20050']);
  const [header, line, extra] = result.stdout.trimEnd().split('\n');
  assert.equal(header, 'start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec');
  assert.equal(extra, undefined);
  const fields = line!.split(', ');
  assert.equal(fields.length, 10);
  assert.match(fields[0]!, /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}:\d{3}$/);
  // The two tests above sent 20000 records of 100 bytes and 50 of 10 bytes, all without keys.
  assert.equal(fields[2], ((20000 * 100 + 50 * 10) / 1024 / 1024).toFixed(4));
  assert.equal(fields[4], '20050');

  const grouped = await runCliOk(['consumer-perf-test', '--bootstrap-server', broker.bootstrap, '--topic', 'perf', '--messages', '100', '--group', 'perf-group', '--hide-header']);
  assert.equal(grouped.stdout.trimEnd().split('\n').length, 1);
  assert.equal(grouped.stdout.split(', ')[4], '100');

  const short = await runCli(['consumer-perf-test', '--bootstrap-server', broker.bootstrap, '--topic', 'perf', '--messages', '1000000', '--timeout', '500']);
  assert.equal(short.status, 1);
  assert.match(short.stderr, /^WARNING: Exiting before consuming the expected number of messages: timeout \(500 ms\) exceeded/);
});

test('--print-metrics prints Kafka\'s metrics block; consumer-perf-test --date-format and --show-detailed-stats', async () => {
  const produced = await runCliOk(['producer-perf-test', '--topic', 'perf', '--num-records', '100', '--record-size', '10', '--throughput', '-1',
    '--bootstrap-server', broker.bootstrap, '--print-metrics']);
  const block = produced.stdout.split('\n\n')[1]!.trimEnd().split('\n');
  assert.match(block[0]!, /^Metric Name\s+Value$/);
  assert.match(produced.stdout, /\nproducer-metrics:record-send-total:\{client-id=perf-producer-client\} +: 100\.000\n/);
  assert.match(produced.stdout, /\nproducer-metrics:record-size-avg:\{client-id=perf-producer-client\} +: 10\.000\n/);
  assert.equal(block.slice(1).map((l) => l.split(':')[1]).join(','), 'record-error-total,record-send-rate,record-send-total,record-size-avg,record-size-max', 'sorted by name');
  assert.equal(new Set(block.map((l) => l.indexOf(' : '))).size, 2, 'values line up (the header has its own spacing)');

  const consumed = await runCliOk(['consumer-perf-test', '--bootstrap-server', broker.bootstrap, '--topic', 'perf', '--messages', '100',
    '--date-format', "yyyy/MM/dd 'at' HH:mm", '--print-metrics']);
  const [header, line] = consumed.stdout.split('\n');
  assert.match(header!, /^start\.time, end\.time, /);
  assert.match(line!, /^\d{4}\/\d{2}\/\d{2} at \d{2}:\d{2}, \d{4}\/\d{2}\/\d{2} at \d{2}:\d{2}, /);
  assert.match(consumed.stdout, /\nconsumer-fetch-manager-metrics:records-consumed-total:\{client-id=perf-consumer-client\} +: 100\.000\n/);
  const badFormat = await runCli(['consumer-perf-test', '--bootstrap-server', broker.bootstrap, '--topic', 'perf', '--messages', '1', '--date-format', 'yyyy-QQ']);
  assert.equal(badFormat.status, 2);
  assert.match(badFormat.stderr, /pattern letter 'Q' is not supported/);

  const detailed = await runCliOk(['consumer-perf-test', '--bootstrap-server', broker.bootstrap, '--topic', 'perf', '--messages', '20000',
    '--show-detailed-stats', '--reporting-interval', '1', '--fetch-size', '2048']);
  const rows = detailed.stdout.trimEnd().split('\n');
  assert.equal(rows[0], 'time, threadId, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec');
  assert.ok(rows.length >= 2, detailed.stdout);
  for (const row of rows.slice(1)) assert.match(row, /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}:\d{3}, 0, \d+\.\d{4}, /);
  const counts = rows.slice(1).map((r) => Number(r.split(', ')[4]));
  assert.deepEqual(counts, [...counts].sort((x, y) => x - y), 'the record count only grows');
  assert.ok(!detailed.stdout.includes('start.time'), 'no summary line with detailed stats, as in Kafka');
});
