import { randomInt } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { Producer } from '../client/index.ts';
import { fixed, metricsBlock } from './cli-format.ts';
import { EXIT_FAILURE, EXIT_OK, UsageError } from './cli-io.ts';
import type { CliIo } from './cli-io.ts';
import { producerOptions, warnUnknownProperties } from './client-properties.ts';
import { clientProperties, flag, intOption, listOption, parseOptions, requireOption, stringOption } from './cli-options.ts';

export const producerPerfTestUsage = `Usage: samsa producer-perf-test --topic <t> --num-records <n> --record-size <bytes> --throughput <n|-1>
         --producer-props bootstrap.servers=<host:port> [k=v ...]   (kafka-producer-perf-test)

Sends records as fast as --throughput allows (records/sec, -1 for no limit) and prints, every 5 s and
at the end, Kafka's lines: records/sec, MB/sec, average and maximum latency, then percentiles.
  --producer-props <k=v ...>      producer properties; bootstrap.servers is required (here or via
                                  --bootstrap-server or --producer.config)
  --producer.config <file>        producer properties file
  --payload-file <file>           send lines of this file (split by --payload-delimiter, default \\n) as values
  --bootstrap-server <host:port>  shorthand for bootstrap.servers
  --print-metrics                 print the producer metrics the tool measures at the end (Kafka's block;
                                  record counts and sizes, not the Java client's full set)
`;

const OPTIONS = {
  topic: { type: 'string' }, 'num-records': { type: 'string' }, 'record-size': { type: 'string' }, throughput: { type: 'string' },
  'producer-props': { type: 'string', multiple: true }, 'producer.config': { type: 'string' }, 'payload-file': { type: 'string' },
  'payload-delimiter': { type: 'string' }, 'bootstrap-server': { type: 'string' }, 'print-metrics': { type: 'boolean' },
} as const;

const MB = 1024 * 1024;
const REPORTING_INTERVAL_MS = 5_000;
const MAX_SAMPLES = 500_000;

/** Latency and throughput bookkeeping, as ProducerPerformance.Stats keeps it. */
export class PerfStats {
  readonly #start = Date.now();
  readonly #samples: Int32Array;
  readonly #sampling: number;
  #sampleCount = 0;
  #count = 0;
  #bytes = 0;
  #maxLatency = 0;
  #totalLatency = 0;
  #windowStart = Date.now();
  #windowCount = 0;
  #windowBytes = 0;
  #windowMaxLatency = 0;
  #windowTotalLatency = 0;

  constructor(numRecords: number) {
    this.#sampling = Math.max(1, Math.floor(numRecords / Math.min(numRecords, MAX_SAMPLES)));
    this.#samples = new Int32Array(Math.min(numRecords, MAX_SAMPLES) + 1);
  }

  get count(): number { return this.#count; }
  get bytes(): number { return this.#bytes; }

  record(iteration: number, latencyMs: number, bytes: number, nowMs: number): string | null {
    this.#count++;
    this.#bytes += bytes;
    this.#totalLatency += latencyMs;
    this.#maxLatency = Math.max(this.#maxLatency, latencyMs);
    this.#windowCount++;
    this.#windowBytes += bytes;
    this.#windowTotalLatency += latencyMs;
    this.#windowMaxLatency = Math.max(this.#windowMaxLatency, latencyMs);
    if (iteration % this.#sampling === 0 && this.#sampleCount < this.#samples.length) this.#samples[this.#sampleCount++] = latencyMs;
    if (nowMs - this.#windowStart < REPORTING_INTERVAL_MS) return null;
    const line = this.#windowLine(nowMs);
    this.#windowStart = nowMs;
    this.#windowCount = this.#windowBytes = this.#windowTotalLatency = this.#windowMaxLatency = 0;
    return line;
  }

  #windowLine(nowMs: number): string {
    const elapsed = Math.max(1, nowMs - this.#windowStart);
    const perSec = (1000 * this.#windowCount) / elapsed;
    const mbPerSec = (1000 * this.#windowBytes) / elapsed / MB;
    return `${this.#windowCount} records sent, ${fixed(perSec, 1)} records/sec (${fixed(mbPerSec, 2)} MB/sec), ` +
      `${fixed(this.#windowTotalLatency / Math.max(1, this.#windowCount), 1)} ms avg latency, ${fixed(this.#windowMaxLatency, 1)} ms max latency.\n`;
  }

  summary(nowMs: number): string {
    const elapsed = Math.max(1, nowMs - this.#start);
    const perSec = (1000 * this.#count) / elapsed;
    const mbPerSec = (1000 * this.#bytes) / elapsed / MB;
    const sorted = this.#samples.slice(0, this.#sampleCount).sort();
    const pct = (p: number) => (sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!);
    return `${this.#count} records sent, ${fixed(perSec, 6)} records/sec (${fixed(mbPerSec, 2)} MB/sec), ` +
      `${fixed(this.#totalLatency / Math.max(1, this.#count), 2)} ms avg latency, ${fixed(this.#maxLatency, 2)} ms max latency, ` +
      `${pct(0.5)} ms 50th, ${pct(0.95)} ms 95th, ${pct(0.99)} ms 99th, ${pct(0.999)} ms 99.9th.\n`;
  }
}

export async function runProducerPerfTestCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseOptions(args, OPTIONS, { allowPositionals: true });
  if (flag(values, 'help')) {
    io.stdout(producerPerfTestUsage);
    return EXIT_OK;
  }
  // --producer-props takes several k=v words after one flag (argparse nargs '+'); parseArgs leaves
  // all but the first as positionals.
  const stray = positionals.filter((p) => !p.includes('='));
  if (stray.length > 0) throw new UsageError(`unexpected argument '${stray[0]}'`);
  const topic = requireOption(values, 'topic');
  const numRecords = intOption(values, 'num-records', { min: 1 });
  if (numRecords === undefined) throw new UsageError('missing required option --num-records');
  const throughput = intOption(values, 'throughput');
  if (throughput === undefined || throughput === 0 || throughput < -1) throw new UsageError('--throughput is required: records/sec, or -1 for no limit');
  const recordSize = intOption(values, 'record-size', { min: 0 });
  const payloadFile = stringOption(values, 'payload-file');
  if ((recordSize === undefined) === (payloadFile === undefined)) throw new UsageError('give exactly one of --record-size and --payload-file');

  const props = await clientProperties(stringOption(values, 'producer.config'), [...listOption(values, 'producer-props'), ...positionals], '--producer-props');
  const bootstrap = stringOption(values, 'bootstrap-server');
  if (bootstrap !== undefined) props.set('bootstrap.servers', bootstrap);
  if (!props.has('bootstrap.servers')) throw new UsageError('bootstrap.servers is required (--producer-props bootstrap.servers=host:port or --bootstrap-server)');
  const { options, unknown } = producerOptions({ bootstrapServers: [], clientId: 'perf-producer-client' }, props);
  warnUnknownProperties(io, 'producer-perf-test', unknown);

  let payloads: Buffer[];
  if (payloadFile !== undefined) {
    const delimiter = (stringOption(values, 'payload-delimiter') ?? '\\n').replace(/\\n/g, '\n');
    payloads = (await readFile(payloadFile, 'utf8')).split(delimiter).filter((p) => p !== '').map((p) => Buffer.from(p));
    if (payloads.length === 0) throw new UsageError(`no payloads in ${payloadFile}`);
  } else {
    // One random payload of uppercase letters, reused, as Kafka's tool does.
    const payload = Buffer.alloc(recordSize!);
    for (let i = 0; i < payload.length; i++) payload[i] = 65 + randomInt(26);
    payloads = [payload];
  }

  const producer = new Producer(options);
  const stats = new PerfStats(numRecords);
  let failure: Error | null = null;
  let maxRecordBytes = 0;
  const startMs = Date.now();
  try {
    await producer.connect();
    await producer.cluster.topic(topic);
    for (let i = 0; i < numRecords && failure === null; i++) {
      const value = payloads.length === 1 ? payloads[0]! : payloads[randomInt(payloads.length)]!;
      const sendMs = Date.now();
      producer.send({ topic, value }).then(() => {
        const now = Date.now();
        maxRecordBytes = Math.max(maxRecordBytes, value.length);
        const line = stats.record(i, now - sendMs, value.length, now);
        if (line !== null) io.stdout(line);
      }, (error: Error) => { failure ??= error; });
      // buffer.memory is full: wait, as Java's send() blocks, rather than pile up sends.
      if (producer.blocked) await producer.unblocked();
      if (throughput > 0) {
        const aheadMs = startMs + ((i + 1) * 1000) / throughput - Date.now();
        if (aheadMs > 1) await new Promise((resolve) => setTimeout(resolve, aheadMs));
      }
    }
    await producer.flush();
  } finally {
    await producer.close().catch((error: Error) => { failure ??= error; });
  }
  if (failure !== null) {
    io.stderr(`samsa producer-perf-test: ${(failure as Error).message}\n`);
    return EXIT_FAILURE;
  }
  const endMs = Date.now();
  io.stdout(stats.summary(endMs));
  if (flag(values, 'print-metrics')) {
    // Counted by the tool (the Java client's producer-metrics of the same names count the same records).
    const tags = { 'client-id': options.clientId ?? 'perf-producer-client' };
    const seconds = Math.max(1, endMs - startMs) / 1000;
    io.stdout(metricsBlock([
      { group: 'producer-metrics', name: 'record-send-total', tags, value: stats.count },
      { group: 'producer-metrics', name: 'record-send-rate', tags, value: stats.count / seconds },
      { group: 'producer-metrics', name: 'record-error-total', tags, value: 0 },
      { group: 'producer-metrics', name: 'record-size-avg', tags, value: stats.bytes / Math.max(1, stats.count) },
      { group: 'producer-metrics', name: 'record-size-max', tags, value: maxRecordBytes },
    ]));
  }
  return EXIT_OK;
}
