/**
 * Security (issue 15): `node bench/security.ts [--quick]`, or the security section of `npm run bench`
 * (`--security-only`; `--skip-security` leaves it out).
 *
 * One broker child process (default config otherwise) with three listeners: PLAINTEXT, SSL (a PEM
 * keystore made with openssl in a temp dir, test/helpers/certificates.ts; no client certificates)
 * and SASL_PLAINTEXT (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512; SCRAM credentials set through
 * Admin.alterUserScramCredentials at 4,096 iterations, Kafka's default).
 *
 * - produce: our producer, 1 KiB records (--security-records, default 200,000: 205 MB), acks=1 and
 *   acks=all, over PLAINTEXT and over SSL; each run a fresh one-partition topic and a process of its
 *   own (bench/security-worker.ts).
 * - fetch: our consumer reading a topic of those records from the beginning to the end, over
 *   PLAINTEXT and over SSL (a process per run: one untimed read, then --security-fetch-passes timed).
 * - authentications: --security-connections (500) Connection.open calls, --security-concurrency (8)
 *   at a time, per mode (bench/security-auth.ts), and the client's PBKDF2 alone.
 * - Node's TLS alone (bench/tls-floor.ts): the bytes of one fetch run streamed from a Node process
 *   to this one over TCP and over TLS, no Samsa code in the path: what TLS costs before any Kafka work.
 *
 * --security-repetitions (3) repetitions of produce and fetch, the order of the compared runs reversed
 * every other one; the tables show medians and each run. --security-profile DIR starts the broker
 * with `--cpu-prof --cpu-prof-dir=DIR` (a profile of its whole life, written when it stops).
 * --quick: a tenth of the records and connections, one repetition.
 */
import { mkdir } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Admin } from '../src/client/index.ts';
import { makeTestCertificates } from '../test/helpers/certificates.ts';
import { findFreePort, startBrokerProcess } from '../test/helpers/test-broker.ts';
import { makeTempDir, removeTempDir } from '../test/helpers/temp-dir.ts';
import { median } from './latency-stats.ts';
import { createCpuClock } from './process-cpu.ts';
import { writeResultsFile } from './results-file.ts';
import { AUTH_MODES, BENCH_PASSWORD, BENCH_USER, PLAIN_JAAS, SCRAM_ITERATIONS, pbkdf2Milliseconds, runAuth, type AuthResult } from './security-auth.ts';
import { WARM_UP_RECORDS, type SecurityJob, type SecurityWorkerResult } from './security-worker.ts';
import { printTable } from './table.ts';
import { runFloor, type FloorProtocol, type FloorRun } from './tls-floor.ts';
import { runWorker } from './worker-runs.ts';

export const securityBenchArgs = {
  'security-records': { type: 'string' },
  'security-repetitions': { type: 'string' },
  'security-fetch-passes': { type: 'string' },
  'security-connections': { type: 'string' },
  'security-concurrency': { type: 'string' },
  'security-profile': { type: 'string' },
} as const;

export interface SecurityBenchOptions {
  readonly records: number;
  readonly repetitions: number;
  readonly fetchPasses: number;
  readonly connections: number;
  readonly concurrency: number;
  readonly profileDir?: string;
}

export function securityOptions(values: Partial<Record<keyof typeof securityBenchArgs, string>>, quick: boolean): SecurityBenchOptions {
  const number = (name: keyof typeof securityBenchArgs, full: number, quickValue = Math.max(1, Math.round(full / 10))): number => {
    const n = values[name] === undefined ? (quick ? quickValue : full) : Number(values[name]);
    if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name}: not a positive integer: ${values[name]}`);
    return n;
  };
  return {
    records: number('security-records', 200_000),
    repetitions: number('security-repetitions', 3, 1),
    fetchPasses: number('security-fetch-passes', 3, 1),
    connections: number('security-connections', 500),
    concurrency: number('security-concurrency', 8, 8),
    ...(values['security-profile'] === undefined ? {} : { profileDir: values['security-profile'] }),
  };
}

const RECORD_SIZE = 1024;
const WORKER = join(import.meta.dirname, 'security-worker.ts');

type Protocol = SecurityJob['protocol'];
export interface TransferSeries {
  readonly kind: SecurityJob['kind'];
  readonly acks: 1 | -1;
  readonly protocol: Protocol;
  /** Records each run timed: produced, or delivered over all its fetch passes. */
  readonly records: number;
  readonly runs: SecurityWorkerResult[];
}

export interface FloorSeries {
  readonly protocol: FloorProtocol;
  readonly bytes: number;
  readonly runs: FloorRun[];
}

export interface SecurityResults {
  readonly records: number;
  readonly transfers: TransferSeries[];
  readonly floor: FloorSeries[];
  readonly auth: AuthResult[];
  readonly pbkdf2Ms: Record<'SCRAM-SHA-256' | 'SCRAM-SHA-512', number>;
  readonly loadAverage: { readonly atStart: number[]; readonly atEnd: number[] };
}

async function runSecurityWorker(job: SecurityJob): Promise<SecurityWorkerResult> {
  return runWorker<SecurityWorkerResult>(WORKER, job, `security worker (${job.kind} over ${job.protocol})`);
}

const loadAverage = (): number[] => loadavg().map((load) => Math.round(load * 100) / 100);

export async function runSecurityBench(options: SecurityBenchOptions): Promise<SecurityResults> {
  const atStart = loadAverage();
  const certs = makeTestCertificates();
  const clock = createCpuClock();
  const workDir = await makeTempDir('samsa-bench-security-');
  const host = '127.0.0.1';
  const ports = { PLAINTEXT: await findFreePort(), SSL: await findFreePort(), SASL_PLAINTEXT: await findFreePort() };
  if (options.profileDir !== undefined) await mkdir(options.profileDir, { recursive: true });
  try {
    const dataDir = join(workDir, 'data');
    await mkdir(dataDir);
    const broker = await startBrokerProcess(dataDir, {
      listeners: `PLAINTEXT://${host}:${ports.PLAINTEXT},SSL://${host}:${ports.SSL},SASL_PLAINTEXT://${host}:${ports.SASL_PLAINTEXT}`,
      'ssl.keystore.type': 'PEM', 'ssl.keystore.location': certs.broker.keystore,
      'sasl.enabled.mechanisms': 'PLAIN,SCRAM-SHA-256,SCRAM-SHA-512',
      'listener.name.sasl_plaintext.plain.sasl.jaas.config': PLAIN_JAAS,
    }, { port: ports.PLAINTEXT, env: options.profileDir === undefined ? {} : { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${options.profileDir}` } });
    const admin = new Admin({ bootstrapServers: [`${host}:${ports.PLAINTEXT}`], clientId: 'bench-security-admin' });
    try {
      const scram = await admin.alterUserScramCredentials((['SCRAM-SHA-256', 'SCRAM-SHA-512'] as const).map((mechanism) => (
        { user: BENCH_USER, mechanism, iterations: SCRAM_ITERATIONS, password: BENCH_PASSWORD })));
      for (const result of scram) if (result.error !== null) throw new Error(`SCRAM credentials for ${result.user}: ${String(result.error)}`);

      const series = new Map<string, TransferSeries>();
      const record = (kind: SecurityJob['kind'], acks: 1 | -1, protocol: Protocol, result: SecurityWorkerResult): void => {
        const key = `${kind}|${acks}|${protocol}`;
        let entry = series.get(key);
        const records = kind === 'fetch' ? (options.records + WARM_UP_RECORDS) * options.fetchPasses : options.records;
        if (entry === undefined) series.set(key, entry = { kind, acks, protocol, records, runs: [] });
        entry.runs.push(result);
        console.log(`  ${kind} ${kind === 'produce' ? `acks=${acks === -1 ? 'all' : '1'} ` : ''}over ${protocol}: ${int(records / result.seconds)} records/s in ${result.seconds.toFixed(2)} s`);
      };
      const job = (kind: SecurityJob['kind'], protocol: Protocol, topic: string, acks: 1 | -1): SecurityJob => ({
        // A fetch reads the whole topic: its warm-up records too.
        kind, bootstrap: `${host}:${ports[protocol]}`, protocol, truststore: certs.truststore, topic, records: options.records + (kind === 'fetch' ? WARM_UP_RECORDS : 0),
        recordSize: RECORD_SIZE, acks, brokerPid: broker.pid, passes: options.fetchPasses,
      });
      const endOffset = async (topic: string): Promise<number> => (await admin.listOffsets([{ topic, partition: 0, spec: 'latest' }]))[0]!.offset;
      let topics = 0;
      const produce = async (protocol: Protocol, acks: 1 | -1, keep = false): Promise<string> => {
        const topic = `security-bench-${++topics}-${protocol}-acks${acks}`;
        await admin.createTopics([{ topic, numPartitions: 1, replicationFactor: 1 }]);
        const result = await runSecurityWorker(job('produce', protocol, topic, acks));
        const end = await endOffset(topic);
        if (end !== options.records + WARM_UP_RECORDS) throw new Error(`${topic}: end offset ${end}, expected ${options.records + WARM_UP_RECORDS}`);
        if (!keep) {
          await admin.deleteTopics([topic]);
          record('produce', acks, protocol, result);
        }
        return topic;
      };

      // 1. Produce, PLAINTEXT against SSL, acks=1 and acks=all.
      const producePlans: Array<[Protocol, 1 | -1]> = [['PLAINTEXT', 1], ['SSL', 1], ['PLAINTEXT', -1], ['SSL', -1]];
      for (let rep = 0; rep < options.repetitions; rep++) {
        for (const [protocol, acks] of rep % 2 === 0 ? producePlans : [...producePlans].reverse()) await produce(protocol, acks);
      }

      // 2. Fetch a topic of records + WARM_UP_RECORDS from the beginning; each pass reads `records` of them.
      const fetchTopic = await produce('PLAINTEXT', 1, true);
      for (let rep = 0; rep < options.repetitions; rep++) {
        for (const protocol of (rep % 2 === 0 ? ['PLAINTEXT', 'SSL'] : ['SSL', 'PLAINTEXT']) as Protocol[]) {
          record('fetch', 1, protocol, await runSecurityWorker(job('fetch', protocol, fetchTopic, 1)));
        }
      }
      await admin.deleteTopics([fetchTopic]);

      // 3. Node's TLS alone, the bytes of one fetch run.
      const floorBytes = (options.records + WARM_UP_RECORDS) * RECORD_SIZE * options.fetchPasses;
      const floor: FloorSeries[] = (['PLAINTEXT', 'SSL'] as const).map((protocol) => ({ protocol, bytes: floorBytes, runs: [] }));
      for (let rep = 0; rep < options.repetitions; rep++) {
        for (const series of rep % 2 === 0 ? floor : [...floor].reverse()) {
          const run = await runFloor(series.protocol, floorBytes, certs.broker.keystore, certs.truststore);
          series.runs.push(run);
          console.log(`  Node alone over ${series.protocol}: ${(floorBytes / 1e6 / run.seconds).toFixed(0)} MB/s`);
        }
      }

      // 4. Authentications per second.
      const target = { host, ports, truststore: certs.truststore, brokerPid: broker.pid, clock };
      const auth: AuthResult[] = [];
      for (const mode of AUTH_MODES) {
        const result = await runAuth(mode, target, options.connections, options.concurrency);
        auth.push(result);
        console.log(`  ${mode}: ${int(result.connections / result.seconds)} connections/s`);
      }
      const pbkdf2Ms = pbkdf2Milliseconds();
      return { records: options.records, transfers: [...series.values()], floor, auth, pbkdf2Ms, loadAverage: { atStart, atEnd: loadAverage() } };
    } catch (error) {
      process.stderr.write(`--- broker output ---\n${broker.output()}\n`);
      throw error;
    } finally {
      await admin.close();
      await broker.stop();
    }
  } finally {
    await removeTempDir(workDir);
  }
}

const int = (n: number): string => Math.round(n).toLocaleString('en-US');
const slower = (value: number, reference: number): string => `${((1 - value / reference) * 100).toFixed(1)}%`;

function medians(s: TransferSeries) {
  const n = s.records;
  const bytes = n * RECORD_SIZE;
  return {
    recordsPerSecond: median(s.runs.map((r) => n / r.seconds)),
    megabytesPerSecond: median(s.runs.map((r) => bytes / 1e6 / r.seconds)),
    brokerCpuPerGB: median(s.runs.map((r) => r.brokerCpuSeconds / (bytes / 1e9))),
    clientCpuPerGB: median(s.runs.map((r) => r.clientCpuSeconds / (bytes / 1e9))),
  };
}

export function printSecurityTable(results: SecurityResults, options: SecurityBenchOptions): void {
  console.log(`produce ${int(results.records)} x 1 KiB (our producer); fetch a topic of ${int(results.records + WARM_UP_RECORDS)} of them ${options.fetchPasses} times per run (our consumer): medians; `
    + '"TLS slower" is 1 - SSL/PLAINTEXT records/s');
  printTable(['phase', 'protocol', 'records/s', 'MB/s', 'broker CPU s/GB', 'client CPU s/GB', 'TLS slower', 'records/s of each run'],
    results.transfers.map((s) => {
      const m = medians(s);
      const plain = results.transfers.find((p) => p.kind === s.kind && p.acks === s.acks && p.protocol === 'PLAINTEXT');
      return [s.kind === 'produce' ? `produce acks=${s.acks === -1 ? 'all' : '1'}` : 'fetch', s.protocol, int(m.recordsPerSecond), m.megabytesPerSecond.toFixed(1),
        m.brokerCpuPerGB.toFixed(2), m.clientCpuPerGB.toFixed(2),
        s.protocol === 'SSL' && plain !== undefined ? slower(m.recordsPerSecond, medians(plain).recordsPerSecond) : '',
        s.runs.map((r) => int(s.records / r.seconds)).join(', ')];
    }), new Set([0, 1, 7]));

  console.log(`\nNode's TLS alone (bench/tls-floor.ts): ${(results.floor[0]!.bytes / 1e6).toFixed(0)} MB in 1 MiB writes from a Node process to another, read through onread; medians`);
  const floorMedians = (f: FloorSeries) => {
    const gb = f.bytes / 1e9;
    return {
      megabytesPerSecond: median(f.runs.map((r) => f.bytes / 1e6 / r.seconds)),
      senderCpuPerGB: median(f.runs.map((r) => r.senderCpuSeconds / gb)),
      receiverCpuPerGB: median(f.runs.map((r) => r.receiverCpuSeconds / gb)),
    };
  };
  const plainFloor = floorMedians(results.floor.find((f) => f.protocol === 'PLAINTEXT')!);
  printTable(['protocol', 'MB/s', 'sender CPU s/GB', 'receiver CPU s/GB', 'TLS slower', 'MB/s of each run'],
    results.floor.map((f) => {
      const m = floorMedians(f);
      return [f.protocol, m.megabytesPerSecond.toFixed(0), m.senderCpuPerGB.toFixed(2), m.receiverCpuPerGB.toFixed(2),
        f.protocol === 'SSL' ? slower(m.megabytesPerSecond, plainFloor.megabytesPerSecond) : '',
        f.runs.map((r) => (f.bytes / 1e6 / r.seconds).toFixed(0)).join(', ')];
    }), new Set([0, 5]));

  console.log(`\nconnections opened (Connection.open, then closed), ${options.concurrency} at a time; SCRAM at ${SCRAM_ITERATIONS} iterations`);
  printTable(['mode', 'exchange', 'connections', 'seconds', 'connections/s', 'broker CPU ms each', 'client CPU ms each', 'broker share of CPU'],
    results.auth.map((a) => [a.mode,
      a.mode === 'PLAINTEXT' ? 'ApiVersions' : a.mode === 'SSL' ? 'TLS handshake + ApiVersions' : `ApiVersions + SaslHandshake + SaslAuthenticate x${a.mode === 'PLAIN' ? 1 : 2}`,
      int(a.connections), a.seconds.toFixed(2), int(a.connections / a.seconds),
      (a.brokerCpuSeconds * 1000 / a.connections).toFixed(2), (a.clientCpuSeconds * 1000 / a.connections).toFixed(2),
      `${((a.brokerCpuSeconds / (a.brokerCpuSeconds + a.clientCpuSeconds)) * 100).toFixed(0)}%`]), new Set([0, 1]));
  console.log(`the client's PBKDF2 alone (one derivation, ${SCRAM_ITERATIONS} iterations): SCRAM-SHA-256 ${results.pbkdf2Ms['SCRAM-SHA-256'].toFixed(2)} ms, `
    + `SCRAM-SHA-512 ${results.pbkdf2Ms['SCRAM-SHA-512'].toFixed(2)} ms`);
  console.log(`load average at the start ${results.loadAverage.atStart.join(' ')}, at the end ${results.loadAverage.atEnd.join(' ')}`);
}

export async function writeSecurityResults(options: SecurityBenchOptions, results: SecurityResults): Promise<void> {
  const summary = results.transfers.map((s) => ({ kind: s.kind, acks: s.acks, protocol: s.protocol, medians: medians(s) }));
  await writeResultsFile('security', { settings: { ...options, recordSize: RECORD_SIZE, scramIterations: SCRAM_ITERATIONS }, summary, ...results });
}

if (import.meta.main) {
  const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false }, ...securityBenchArgs } });
  const options = securityOptions(values, values.quick);
  const results = await runSecurityBench(options);
  printSecurityTable(results, options);
  await writeSecurityResults(options, results);
  process.exit(0);
}
