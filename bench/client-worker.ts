/**
 * One client, one run, in its own process (so one client's garbage never lands on another's
 * clock): `node bench/client-worker.ts '<WorkerJob json>'`. Prints one `RESULT <json>` line.
 *
 * Produce modes, the same for every client:
 * - batched: each send call carries `batchRecords` records; the application keeps up to `window`
 *   calls outstanding (a new call starts when one resolves). Latency: one sample per call, from the
 *   call to its promise resolving (every record of the call waits that long).
 * - one-at-a-time: one record per send call, each awaited before the next. Latency per record.
 * - streamed: one record per send call, not awaited before the next, as Kafka's producer-perf-test
 *   calls `send(record, callback)`: up to `streamWindow` calls outstanding. Latency per record.
 * A warm-up (one batched call, or 50 single records) runs before the clock starts.
 *
 * Consume: partition 0 from the beginning until `records` records arrived. The clock starts at
 * the first delivery (group joins and the first fetch are reported as setup); records of the first
 * delivery are not counted. Latency: the gaps between deliveries to the application.
 */
import { writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import { consumeDriver, produceDriver, type ClientName, type DriverSettings } from './client-drivers.ts';
import { summarize, type LatencySummary } from './latency-stats.ts';
import { ownCpuSeconds } from './process-cpu.ts';

export type ProduceMode = 'batched' | 'one-at-a-time' | 'streamed';

export interface WorkerJob extends DriverSettings {
  readonly client: ClientName;
  readonly kind: 'produce' | 'consume';
  readonly mode: ProduceMode;
  readonly recordSize: number;
  /** Records to send or read; a run also stops after `maxSeconds`. */
  readonly records: number;
  readonly maxSeconds: number;
  readonly batchRecords: number;
  readonly window: number;
  /** streamed mode: single-record calls outstanding at once. */
  readonly streamWindow: number;
  /** When set, a V8 CPU profile of the timed phase (what `node --cpu-prof` records) goes here. */
  readonly profileFile?: string | null;
}

export interface WorkerResult {
  /** Records timed (warm-up and the first consumer delivery excluded). */
  readonly records: number;
  /** Records written in all, warm-up included (produce), to check against the high watermark. */
  readonly recordsWritten: number;
  readonly seconds: number;
  readonly setupSeconds: number;
  readonly latencyMs: LatencySummary | null;
  /** user + system CPU of this process while timed. */
  readonly cpuSeconds: number;
}

/** Starts V8's sampling profiler; the returned function stops it and writes the .cpuprofile. */
async function startProfile(file: string | null | undefined): Promise<() => Promise<void>> {
  if (file === null || file === undefined) return async () => {};
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 200 });
  await session.post('Profiler.start');
  return async () => {
    const { profile } = await session.post('Profiler.stop');
    await writeFile(file, JSON.stringify(profile));
    session.disconnect();
  };
}

async function produce(job: WorkerJob): Promise<WorkerResult> {
  const driver = await produceDriver(job.client, job);
  const value = Buffer.alloc(job.recordSize, 'x');
  const setupStart = performance.now();
  await driver.connect();
  const batched = job.mode === 'batched';
  const perCall = batched ? job.batchRecords : 1;
  const values = new Array<Buffer>(perCall).fill(value);
  // Warm-up: the same calls, untimed, so connections and the JIT are past their first use.
  let written = 0;
  if (batched) {
    await driver.sendMany(values);
    written += perCall;
  } else {
    for (let i = 0; i < 50; i++) await driver.sendOne(value);
    written += 50;
  }
  const setupSeconds = (performance.now() - setupStart) / 1000;

  const latencies: number[] = [];
  const stopProfile = await startProfile(job.profileFile);
  const cpuStart = ownCpuSeconds();
  const start = performance.now();
  const deadline = start + job.maxSeconds * 1000;
  let sent = 0;
  if (batched) {
    const calls = Math.ceil(job.records / perCall);
    let issued = 0;
    const lane = async (): Promise<void> => {
      while (issued < calls && performance.now() < deadline) {
        issued++;
        const t0 = performance.now();
        await driver.sendMany(values);
        latencies.push(performance.now() - t0);
        sent += perCall;
      }
    };
    await Promise.all(Array.from({ length: job.window }, lane));
  } else if (job.mode === 'streamed') {
    let issued = 0;
    const lane = async (): Promise<void> => {
      while (issued < job.records && performance.now() < deadline) {
        issued++;
        const t0 = performance.now();
        await driver.sendOne(value);
        latencies.push(performance.now() - t0);
        sent++;
      }
    };
    await Promise.all(Array.from({ length: job.streamWindow }, lane));
  } else {
    while (sent < job.records && performance.now() < deadline) {
      const t0 = performance.now();
      await driver.sendOne(value);
      latencies.push(performance.now() - t0);
      sent++;
    }
  }
  const seconds = (performance.now() - start) / 1000;
  const cpu = ownCpuSeconds() - cpuStart;
  await stopProfile();
  await driver.close();
  return { records: sent, recordsWritten: written + sent, seconds, setupSeconds, latencyMs: summarize(latencies), cpuSeconds: cpu };
}

async function consume(job: WorkerJob): Promise<WorkerResult> {
  const driver = await consumeDriver(job.client, job);
  const gaps: number[] = [];
  const setupStart = performance.now();
  let first = -1;
  let last = -1;
  let cpuStart = 0;
  let received = 0;
  let timed = 0;
  const deadline = setupStart + job.maxSeconds * 1000 + 30_000;
  let timedDeadline = Infinity;
  const onDelivery = (count: number): void => {
    const now = performance.now();
    received += count;
    if (first < 0) {
      first = now;
      cpuStart = ownCpuSeconds();
      timedDeadline = now + job.maxSeconds * 1000;
    } else {
      gaps.push(now - last);
      timed += count;
    }
    last = now;
  };
  const stop = (): boolean => received >= job.records || performance.now() >= Math.min(deadline, timedDeadline);
  const stopProfile = await startProfile(job.profileFile);
  await driver.consume(onDelivery, stop);
  const cpu = ownCpuSeconds() - cpuStart;
  await stopProfile();
  await driver.close();
  if (first < 0) throw new Error(`${job.client}: no record arrived within ${(deadline - setupStart) / 1000} s`);
  return {
    records: timed, recordsWritten: 0, seconds: (last - first) / 1000, setupSeconds: (first - setupStart) / 1000,
    latencyMs: summarize(gaps), cpuSeconds: cpu,
  };
}

async function main(): Promise<void> {
  const job = JSON.parse(process.argv[2] ?? '') as WorkerJob;
  const result = job.kind === 'produce' ? await produce(job) : await consume(job);
  process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
  // Some clients keep timers (metadata refresh, heartbeats) after close; the run is over.
  process.exit(0);
}

if (import.meta.main) await main();
