/**
 * `npm run bench`: produce and fetch throughput of a broker process, driven by kcat (librdkafka).
 *
 * For each record size it writes N records to a file, produces them with `kcat -P -l` into a
 * one-partition topic, then reads them back with `kcat -C -o beginning -e` to /dev/null. It reports
 * records/s, MB/s (10^6 bytes of record values) and the broker's CPU seconds per GB (utime + stime
 * from /proc/<pid>/stat, before and after each phase), prints a table and writes
 * bench/results/latest.json.
 *
 * Options: --records-100b N, --records-1kb N (defaults 2,000,000 and 500,000: 200 MB and 512 MB of values), --quick (a tenth).
 *
 * Then the clients section (bench/clients.ts: Samsa's client against KafkaJS and @platformatic/kafka):
 * --skip-clients leaves it out, --clients-only runs nothing else; its sizes take --clients-* flags
 * (see bench/clients.ts).
 *
 * Then the storage section (bench/storage.ts: PartitionLog and LogManager alone, no network):
 * --skip-storage leaves it out, --storage-only runs nothing else; its sizes take --append-mb,
 * --recovery-mb, --clean-mb, --partitions and --bench-dir (see bench/storage.ts).
 *
 * Then the consumer groups section (bench/groups.ts: settle time of a 10-member kcat group after a
 * join and a death, eager and cooperative; OffsetCommit throughput): --skip-groups leaves it out,
 * --groups-only runs nothing else; its settings take --groups-* flags (see bench/groups.ts).
 *
 * Then the event loop section (bench/event-loop.ts: the broker's event-loop delay, p99 and max,
 * while every append is fsynced and while a consumer catches up on a cold backlog):
 * --skip-event-loop leaves it out, --event-loop-only runs nothing else; its sizes take
 * --event-loop-flush-records and --event-loop-mb (see bench/event-loop.ts).
 *
 * Then the cluster section (bench/cluster.ts: three broker processes on ZooKeeper; RF=3 acks=all
 * against RF=1 acks=1, end-to-end latency, failover time, 3,000 partitions): --skip-cluster leaves it
 * out, --cluster-only runs nothing else; its sizes take --cluster-* flags (see bench/cluster.ts).
 *
 * Then the reassignment section (bench/reassignment.ts: a 1 GiB partition moved to a fourth broker
 * and back, and a steady acks=all producer's throughput and latency before and during each move):
 * --skip-reassignment leaves it out, --reassignment-only runs nothing else; its sizes take
 * --reassignment-* flags (see bench/reassignment.ts).
 *
 * Then the transactions section (bench/transactions.ts: idempotent against plain acks=all produce,
 * transactions of 100 and of 10,000 records, read_committed against read_uncommitted fetch):
 * --skip-transactions leaves it out, --transactions-only runs nothing else; its sizes take
 * --transactions-* flags (see bench/transactions.ts).
 *
 * Then the security section (bench/security.ts: produce and fetch of 1 KiB records over PLAINTEXT
 * against SSL, and SASL PLAIN / SCRAM connections per second): --skip-security leaves it out,
 * --security-only runs nothing else; its sizes take --security-* flags (see bench/security.ts).
 *
 * Then the metrics section (bench/metrics.ts: the network workload and small Produce requests against
 * a broker with metrics.listener, scraped, and one without): --skip-metrics leaves it out,
 * --metrics-only runs nothing else; its sizes take --metrics-* flags (see bench/metrics.ts).
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import kafkajs from 'kafkajs';
import { withBenchBroker } from './bench-broker.ts';
import { KCAT_FAST_PRODUCER, runKcat, writeRecordsFile } from './kcat.ts';
import { createCpuClock } from './process-cpu.ts';
import { machineInfo } from './machine-info.ts';
import { writeResultsFile } from './results-file.ts';
import { printTable } from './table.ts';
import { clusterBenchArgs, clusterOptions, printClusterTable, runClusterBench, writeClusterResults } from './cluster.ts';
import { clientsBenchArgs, clientsOptions, printClientsTable, runClientsBench, writeClientsResults } from './clients.ts';
import { eventLoopBenchArgs, eventLoopOptions, printEventLoopTable, runEventLoopBench, writeEventLoopResults } from './event-loop.ts';
import { groupsBenchArgs, groupsOptions, printGroupsTable, runGroupsBench, writeGroupsResults } from './groups.ts';
import { printStorageTable, runStorageBench, storageBenchArgs, storageOptions, writeStorageResults } from './storage.ts';
import { printReassignmentTable, reassignmentBenchArgs, reassignmentOptions, runReassignmentBench, writeReassignmentResults } from './reassignment.ts';
import { printTransactionsTable, runTransactionsBench, transactionsBenchArgs, transactionsOptions, writeTransactionsResults } from './transactions.ts';
import { printSecurityTable, runSecurityBench, securityBenchArgs, securityOptions, writeSecurityResults } from './security.ts';
import { metricsBenchArgs, metricsOptions, printMetricsTable, runMetricsBench, writeMetricsResults } from './metrics.ts';

const { Kafka, logLevel } = kafkajs;

interface PhaseResult {
  recordSize: number;
  phase: 'produce' | 'fetch';
  records: number;
  bytes: number;
  seconds: number;
  recordsPerSecond: number;
  megabytesPerSecond: number;
  brokerCpuSeconds: number;
  brokerCpuSecondsPerGB: number;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      'records-100b': { type: 'string' },
      'records-1kb': { type: 'string' },
      quick: { type: 'boolean', default: false },
      'skip-storage': { type: 'boolean', default: false },
      'storage-only': { type: 'boolean', default: false },
      'skip-clients': { type: 'boolean', default: false },
      'clients-only': { type: 'boolean', default: false },
      'skip-groups': { type: 'boolean', default: false },
      'groups-only': { type: 'boolean', default: false },
      'skip-event-loop': { type: 'boolean', default: false },
      'event-loop-only': { type: 'boolean', default: false },
      'skip-cluster': { type: 'boolean', default: false },
      'cluster-only': { type: 'boolean', default: false },
      'skip-reassignment': { type: 'boolean', default: false },
      'reassignment-only': { type: 'boolean', default: false },
      'skip-transactions': { type: 'boolean', default: false },
      'transactions-only': { type: 'boolean', default: false },
      'skip-security': { type: 'boolean', default: false },
      'security-only': { type: 'boolean', default: false },
      'skip-metrics': { type: 'boolean', default: false },
      'metrics-only': { type: 'boolean', default: false },
      ...storageBenchArgs,
      ...clientsBenchArgs,
      ...groupsBenchArgs,
      ...eventLoopBenchArgs,
      ...clusterBenchArgs,
      ...reassignmentBenchArgs,
      ...transactionsBenchArgs,
      ...securityBenchArgs,
      ...metricsBenchArgs,
    },
  });
  const only = values['storage-only'] || values['clients-only'] || values['groups-only'] || values['event-loop-only'] || values['cluster-only']
    || values['reassignment-only'] || values['transactions-only'] || values['security-only'] || values['metrics-only'];
  if (!only) await networkBench(values);
  if (!values['skip-clients'] && (!only || values['clients-only'])) {
    const options = clientsOptions(values, values.quick);
    console.log('\nClients (bench/clients.ts):');
    const rows = await runClientsBench(options);
    printClientsTable(rows);
    await writeClientsResults(options, rows);
  }
  if (!values['skip-storage'] && (!only || values['storage-only'])) {
    const options = storageOptions(values, values.quick);
    console.log('\nStorage alone (bench/storage.ts):');
    const rows = await runStorageBench(options);
    printStorageTable(rows);
    await writeStorageResults(options, rows);
  }
  if (!values['skip-groups'] && (!only || values['groups-only'])) {
    const options = groupsOptions(values, values.quick);
    console.log('\nConsumer groups (bench/groups.ts):');
    const results = await runGroupsBench(options);
    printGroupsTable(results, options);
    await writeGroupsResults(options, results);
  }
  if (!values['skip-event-loop'] && (!only || values['event-loop-only'])) {
    const options = eventLoopOptions(values, values.quick);
    console.log('\nEvent loop delay (bench/event-loop.ts):');
    const rows = await runEventLoopBench(options);
    printEventLoopTable(rows);
    await writeEventLoopResults(options, rows);
  }
  if (!values['skip-cluster'] && (!only || values['cluster-only'])) {
    const options = clusterOptions(values, values.quick);
    console.log('\nCluster (bench/cluster.ts):');
    const results = await runClusterBench(options);
    printClusterTable(results, options);
    await writeClusterResults(options, results);
  }
  if (!values['skip-reassignment'] && (!only || values['reassignment-only'])) {
    const options = reassignmentOptions(values, values.quick);
    console.log('\nReassignment (bench/reassignment.ts):');
    const results = await runReassignmentBench(options);
    printReassignmentTable(results, options);
    await writeReassignmentResults(options, results);
  }
  if (!values['skip-transactions'] && (!only || values['transactions-only'])) {
    const options = transactionsOptions(values, values.quick);
    console.log('\nTransactions and idempotence (bench/transactions.ts):');
    const results = await runTransactionsBench(options);
    printTransactionsTable(results);
    await writeTransactionsResults(options, results);
  }
  if (!values['skip-security'] && (!only || values['security-only'])) {
    const options = securityOptions(values, values.quick);
    console.log('\nSecurity (bench/security.ts):');
    const results = await runSecurityBench(options);
    printSecurityTable(results, options);
    await writeSecurityResults(options, results);
  }
  if (!values['skip-metrics'] && (!only || values['metrics-only'])) {
    const options = metricsOptions(values, values.quick);
    console.log('\nMetrics (bench/metrics.ts):');
    const results = await runMetricsBench(options);
    printMetricsTable(results);
    await writeMetricsResults(options, results);
  }
}

async function networkBench(values: { 'records-100b'?: string; 'records-1kb'?: string; quick: boolean }): Promise<void> {
  const scale = values.quick ? 0.1 : 1;
  const plans = [
    { recordSize: 100, records: Number(values['records-100b'] ?? Math.round(2_000_000 * scale)) },
    { recordSize: 1024, records: Number(values['records-1kb'] ?? Math.round(500_000 * scale)) },
  ];

  const clock = createCpuClock();
  const results: PhaseResult[] = [];
  await withBenchBroker('samsa-bench-', {}, async (broker, workDir) => {
    const kafka = new Kafka({ clientId: 'samsa-bench', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    for (const { recordSize, records } of plans) {
      const topic = `bench-${recordSize}b`;
      await admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 1 }], waitForLeaders: true });
      const file = join(workDir, `${topic}.txt`);
      await writeRecordsFile(file, records, recordSize);
      const bytes = records * recordSize;

      const measure = async (phase: PhaseResult['phase'], args: string[]): Promise<void> => {
        const cpuBefore = clock.cpuSeconds(broker.pid);
        const start = process.hrtime.bigint();
        await runKcat(args);
        const seconds = Number(process.hrtime.bigint() - start) / 1e9;
        const brokerCpuSeconds = clock.cpuSeconds(broker.pid) - cpuBefore;
        results.push({
          recordSize, phase, records, bytes, seconds,
          recordsPerSecond: records / seconds,
          megabytesPerSecond: bytes / 1e6 / seconds,
          brokerCpuSeconds,
          brokerCpuSecondsPerGB: brokerCpuSeconds / (bytes / 1e9),
        });
      };

      await measure('produce', ['-P', '-b', broker.bootstrap, '-t', topic, '-p', '0', '-l', file, ...KCAT_FAST_PRODUCER]);
      const offsets = await admin.fetchTopicOffsets(topic);
      const highWatermark = Number(offsets[0]?.high ?? 0);
      if (highWatermark !== records) throw new Error(`${topic}: high watermark ${highWatermark} after producing ${records} records`);

      await measure('fetch', ['-C', '-b', broker.bootstrap, '-t', topic, '-p', '0', '-o', 'beginning', '-e', '-q']);
    }
    await admin.disconnect();
  });

  const machine = machineInfo();
  const rows = results.map((r) => [
    `${r.recordSize} B`, r.phase, r.records.toLocaleString('en-US'), r.seconds.toFixed(2),
    Math.round(r.recordsPerSecond).toLocaleString('en-US'), r.megabytesPerSecond.toFixed(1),
    r.brokerCpuSeconds.toFixed(2), r.brokerCpuSecondsPerGB.toFixed(1),
  ]);
  const header = ['record', 'phase', 'records', 'seconds', 'records/s', 'MB/s', 'broker CPU s', 'CPU s/GB'];
  console.log(`${machine.nproc} CPUs (${machine.cpuModel}), ${machine.memoryGiB} GiB, Node ${machine.node}, ${machine.kcat}`);
  printTable(header, rows);
  await writeResultsFile('latest', { results });
}

await main();
