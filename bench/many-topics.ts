/**
 * 10,000 topics (issue 16): `node bench/many-topics.ts [--topics N] [--batches 500,1] [--api-runs 5] [--cluster]`.
 * Not part of `npm run bench`.
 *
 * For each batch size, a fresh broker process (default config, one log dir) and our Admin create
 * --topics (10,000) one-partition topics, --batches topics per CreateTopics request (500, then 1);
 * the time of each 1,000 shows whether a topic's cost grows with the topics that exist. After the
 * first batch size's topics are created:
 * - the console's GET /api/topics?includeInternal=true (Metadata for every topic, ListOffsets
 *   earliest and latest and DescribeLogDirs for every partition) is timed --api-runs times against
 *   a console server in this process;
 * - the topics are deleted, in requests of that batch size, each 1,000 timed.
 * With --cluster the topics are created (nothing else) in a cluster of three broker processes on
 * ZooKeeper (test/helpers/cluster.ts), replication factor 3, each request answered once every topic
 * has its leaders. Prints a table and writes bench/results/many-topics.json (many-topics-cluster.json).
 */
import { parseArgs } from 'node:util';
import { Admin } from '../src/client/index.ts';
import { startConsoleServer } from '../src/console/server/console-server.ts';
import { startCluster } from '../test/helpers/cluster.ts';
import { withBenchBroker } from './bench-broker.ts';
import { median } from './latency-stats.ts';
import { machineInfo } from './machine-info.ts';
import { writeResultsFile } from './results-file.ts';
import { printTable } from './table.ts';

const STEP = 1000;

interface BatchRun {
  readonly batch: number;
  /** Seconds each successive STEP topics took to create. */
  readonly createSecondsPerStep: number[];
  readonly createSeconds: number;
  readonly deleteSecondsPerStep?: number[];
  readonly deleteSeconds?: number;
  /** GET /api/topics?includeInternal=true, each run's seconds. */
  readonly apiTopicsSeconds?: number[];
}

/** Runs `request` over `names` in slices of `batch`, timing each STEP names; returns the times and the total. */
async function timedInSteps(names: readonly string[], batch: number, request: (slice: string[]) => Promise<void>): Promise<{ perStep: number[]; total: number }> {
  const perStep: number[] = [];
  const start = performance.now();
  let stepStart = start;
  for (let done = 0; done < names.length;) {
    const slice = names.slice(done, Math.min(done + batch, names.length));
    await request(slice);
    done += slice.length;
    if (done % STEP === 0 || done === names.length) {
      const now = performance.now();
      perStep.push((now - stepStart) / 1000);
      stepStart = now;
    }
  }
  return { perStep, total: (performance.now() - start) / 1000 };
}

async function timeApiTopics(bootstrap: string, runs: number): Promise<number[]> {
  const server = await startConsoleServer({ client: { bootstrapServers: [bootstrap] }, port: 0 });
  try {
    const seconds: number[] = [];
    for (let run = 0; run < runs; run++) {
      const start = performance.now();
      const response = await fetch(`${server.url}/api/topics?includeInternal=true`);
      if (!response.ok) throw new Error(`GET /api/topics: ${response.status} ${await response.text()}`);
      await response.json();
      seconds.push((performance.now() - start) / 1000);
    }
    return seconds;
  } finally {
    await server.close();
  }
}

function topicNames(topics: number): string[] {
  return Array.from({ length: topics }, (_, index) => `topic-${String(index).padStart(6, '0')}`);
}

/** Creates the topics through `admin`, `batch` a request, each 1,000 timed. */
function createAll(admin: Admin, names: readonly string[], batch: number, replicationFactor: number): Promise<{ perStep: number[]; total: number }> {
  return timedInSteps(names, batch, (slice) => admin.createTopics(slice.map((topic) => ({ topic, numPartitions: 1, replicationFactor })), { timeoutMs: 600_000 }));
}

async function runClusterBatch(topics: number, batch: number): Promise<BatchRun> {
  const cluster = await startCluster({ brokers: 3 });
  const admin = new Admin({ bootstrapServers: cluster.bootstrapServers, requestTimeoutMs: 600_000 });
  try {
    const created = await createAll(admin, topicNames(topics), batch, 3);
    return { batch, createSecondsPerStep: created.perStep, createSeconds: created.total };
  } finally {
    await admin.close();
    await cluster.close();
  }
}

async function runBatch(topics: number, batch: number, apiRuns: number, withApiAndDelete: boolean): Promise<BatchRun> {
  return withBenchBroker('samsa-bench-many-topics-', {}, async (broker) => {
    const admin = new Admin({ bootstrapServers: [broker.bootstrap] });
    try {
      const names = topicNames(topics);
      const created = await createAll(admin, names, batch, 1);
      if (!withApiAndDelete) return { batch, createSecondsPerStep: created.perStep, createSeconds: created.total };
      const apiTopicsSeconds = await timeApiTopics(broker.bootstrap, apiRuns);
      const deleted = await timedInSteps(names, batch, (slice) => admin.deleteTopics(slice, { timeoutMs: 600_000 }));
      return {
        batch, createSecondsPerStep: created.perStep, createSeconds: created.total,
        deleteSecondsPerStep: deleted.perStep, deleteSeconds: deleted.total, apiTopicsSeconds,
      };
    } finally {
      await admin.close();
    }
  });
}

function printRuns(runs: readonly BatchRun[]): void {
  const steps = Math.max(...runs.map((run) => run.createSecondsPerStep.length));
  const header = ['topics', ...runs.flatMap((run) => [`create, ${run.batch}/request (s)`, ...(run.deleteSecondsPerStep ? [`delete, ${run.batch}/request (s)`] : [])])];
  const rows = Array.from({ length: steps }, (_, step) => [
    `${step * STEP + 1}-${(step + 1) * STEP}`,
    ...runs.flatMap((run) => [run.createSecondsPerStep[step]?.toFixed(2) ?? '', ...(run.deleteSecondsPerStep ? [run.deleteSecondsPerStep[step]?.toFixed(2) ?? ''] : [])]),
  ]);
  rows.push(['total', ...runs.flatMap((run) => [run.createSeconds.toFixed(1), ...(run.deleteSeconds === undefined ? [] : [run.deleteSeconds.toFixed(1)])])]);
  printTable(header, rows);
  for (const run of runs) {
    if (run.apiTopicsSeconds === undefined) continue;
    const times = run.apiTopicsSeconds.map((s) => s.toFixed(2)).join(', ');
    console.log(`\nGET /api/topics?includeInternal=true, ${run.createSecondsPerStep.length * STEP} topics: median ${median(run.apiTopicsSeconds).toFixed(2)} s (runs: ${times})`);
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: {
    topics: { type: 'string', default: '10000' }, batches: { type: 'string', default: '500,1' }, 'api-runs': { type: 'string', default: '5' },
    cluster: { type: 'boolean', default: false },
  } });
  const topics = Number(values.topics);
  const batches = values.batches.split(',').map(Number);
  const apiRuns = Number(values['api-runs']);
  if (!Number.isInteger(topics) || topics <= 0 || batches.some((b) => !Number.isInteger(b) || b <= 0) || !Number.isInteger(apiRuns) || apiRuns <= 0) {
    throw new Error('--topics, --batches and --api-runs take positive integers');
  }
  const machine = machineInfo();
  const where = values.cluster ? 'three brokers on ZooKeeper, replication factor 3' : 'one broker';
  console.log(`${topics} one-partition topics, ${batches.join(' and ')} per request, ${where}; ${machine.nproc} cores, ${machine.cpuModel}, Node ${machine.node}\n`);
  const runs: BatchRun[] = [];
  for (const [index, batch] of batches.entries()) {
    runs.push(values.cluster ? await runClusterBatch(topics, batch) : await runBatch(topics, batch, apiRuns, index === 0));
  }
  printRuns(runs);
  await writeResultsFile(values.cluster ? 'many-topics-cluster' : 'many-topics', { topics, cluster: values.cluster, runs });
}

if (import.meta.main) await main();
