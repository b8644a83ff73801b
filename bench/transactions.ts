/**
 * Idempotence and transactions (issue 14): `node bench/transactions.ts [--quick]`, or the
 * transactions section of `npm run bench` (`--transactions-only`; `--skip-transactions` leaves it
 * out). One broker child process (bench/bench-broker.ts, default config); every run writes to a
 * fresh one-partition topic, deleted after it. Runs are in bench/transaction-runs.ts.
 *
 * - produce: kcat (`-X enable.idempotence=true` against `enable.idempotence=false acks=all`, the
 *   main produce phase's linger and batch settings) and our producer (idempotent by default against
 *   `enableIdempotence: false, acks: -1`; 5 ms linger, ~1 MB batches, send calls of 1,000 records,
 *   8 outstanding), 100 B and 1 KiB records (--transactions-records-100b, default 2,000,000;
 *   --transactions-records-1kb, 500,000: the main produce phase's).
 * - transactions: our producer, 100 B records, one transaction at a time of 100 records
 *   (--transactions-count-100 of them, default 2,000) and of 10,000 (--transactions-count-10000,
 *   default 50); against the same groups of records sent idempotently and flush()ed, and the same
 *   records streamed. The same with KafkaJS's producer (idempotent, one request in flight), but not streamed.
 * - read: a topic filled by --transactions-fill transactions (1,000) of 1,000 records of 100 B,
 *   every tenth aborted; read whole by kcat and by our consumer at read_committed and at
 *   read_uncommitted (kcat with fetch.wait.max.ms=10, so its end is not half a second of waiting).
 *   Rates are of the log read through (every data record, delivered or not).
 *   Our consumer runs in a process of its own per run (bench/transaction-read-worker.ts), which
 *   reads the partition twice untimed, then OUR_READ_PASSES (5) times timed.
 *
 * Each run: records/s, MB/s (10^6 bytes of record values), the broker's and the client's CPU
 * seconds per GB. --transactions-repetitions (5) repetitions, the order of the compared modes
 * reversed every other one so drift on a shared machine favours neither; the tables show medians.
 * --quick: a tenth of the records and transactions, 2 repetitions.
 */
import { rm } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Admin, type IsolationLevel } from '../src/client/index.ts';
import { withBenchBroker } from './bench-broker.ts';
import { holdFreePageReporting, touchFreeMemory } from './guest-memory.ts';
import { writeRecordsFile } from './kcat.ts';
import { median } from './latency-stats.ts';
import { createCpuClock } from './process-cpu.ts';
import { writeResultsFile } from './results-file.ts';
import { printTable } from './table.ts';
import {
  CHUNK_RECORDS, fillTransactions, kafkajsGroups, kcatCount, kcatProduce, kcatRead, ourGroups, ourProduce, ourRead, type GroupMode, type RunContext, type RunResult,
} from './transaction-runs.ts';

export const transactionsBenchArgs = {
  'transactions-records-100b': { type: 'string' },
  'transactions-records-1kb': { type: 'string' },
  'transactions-count-100': { type: 'string' },
  'transactions-count-10000': { type: 'string' },
  'transactions-fill': { type: 'string' },
  'transactions-repetitions': { type: 'string' },
} as const;

export interface TransactionsBenchOptions {
  readonly records100b: number;
  readonly records1kb: number;
  /** Transactions of 100 records, and of 10,000, per transactional run. */
  readonly count100: number;
  readonly count10000: number;
  /** Transactions of FILL_PER_TRANSACTION records in the read topic. */
  readonly fillTransactions: number;
  readonly repetitions: number;
}

export function transactionsOptions(values: Partial<Record<keyof typeof transactionsBenchArgs, string>>, quick: boolean): TransactionsBenchOptions {
  const number = (name: keyof typeof transactionsBenchArgs, full: number): number => {
    const n = values[name] === undefined ? Math.max(1, Math.round(full * (quick ? 0.1 : 1))) : Number(values[name]);
    if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name}: not a positive integer: ${values[name]}`);
    return n;
  };
  return {
    records100b: number('transactions-records-100b', 2_000_000),
    records1kb: number('transactions-records-1kb', 500_000),
    count100: number('transactions-count-100', 2_000),
    count10000: number('transactions-count-10000', 50),
    fillTransactions: number('transactions-fill', 1_000),
    repetitions: values['transactions-repetitions'] === undefined ? (quick ? 2 : 5) : number('transactions-repetitions', 5),
  };
}

const TXN_RECORD_SIZE = 100;
const FILL_PER_TRANSACTION = 1_000;
const ABORT_EVERY = 10;
const TOUCHED_MEMORY_BYTES = 3 * 2 ** 30;

export type Part = 'produce' | 'transactions' | 'read';
export type ClientLabel = 'kcat' | 'samsa' | 'kafkajs';

/** One compared configuration and its runs, one per repetition. */
export interface Series {
  readonly part: Part;
  readonly client: ClientLabel;
  readonly recordSize: number;
  /** produce: 'plain' | 'idempotent'; transactions: 'streamed' | 'flushed' | 'transactional'; read: the isolation level. */
  readonly mode: string;
  /** Records per transaction (or per flushed group); 0 where there are none. */
  readonly perGroup: number;
  readonly runs: RunResult[];
}

export interface TransactionsResults {
  readonly series: Series[];
  readonly fill: { readonly transactions: number; readonly perTransaction: number; readonly committed: number; readonly aborted: number; readonly logEndOffset: number };
  readonly loadAverage: { readonly atStart: number[]; readonly atEnd: number[] };
}

/** A run to do: its series and how (the topic is fresh; `expectedEnd` is its end offset after the run). */
interface Planned {
  readonly part: Part;
  readonly client: ClientLabel;
  readonly recordSize: number;
  readonly mode: string;
  readonly perGroup: number;
  readonly expectedEnd: number;
  /** An existing topic to use (neither created nor deleted); otherwise a fresh one. */
  readonly topic?: string;
  run(topic: string): Promise<RunResult>;
}

export async function runTransactionsBench(options: TransactionsBenchOptions): Promise<TransactionsResults> {
  const atStart = loadAverage();
  const series = new Map<string, Series>();
  const clock = createCpuClock();
  const restoreReporting = holdFreePageReporting();
  touchFreeMemory(TOUCHED_MEMORY_BYTES);
  try {
    return await withBenchBroker('samsa-bench-txn-', {}, async (broker, workDir) => {
      const ctx: RunContext = { broker, clock };
      const admin = new Admin({ bootstrapServers: [broker.bootstrap], clientId: 'bench-transactions-admin' });
      let topics = 0;
      const endOffset = async (topic: string): Promise<number> => (await admin.listOffsets([{ topic, partition: 0, spec: 'latest' }]))[0]!.offset;
      const execute = async (plan: Planned): Promise<void> => {
        // A fresh topic, deleted after the run, unless the plan reads an existing one.
        const topic = plan.topic ?? `txn-bench-${++topics}-${plan.client}-${plan.mode}-${plan.recordSize}b`;
        if (plan.topic === undefined) await admin.createTopics([{ topic, numPartitions: 1, replicationFactor: 1 }]);
        const result = await plan.run(topic);
        const end = await endOffset(topic);
        if (end !== plan.expectedEnd) throw new Error(`${topic}: end offset ${end}, expected ${plan.expectedEnd}`);
        if (plan.topic === undefined) await admin.deleteTopics([topic]);
        const key = [plan.part, plan.client, plan.recordSize, plan.mode, plan.perGroup].join('|');
        let entry = series.get(key);
        if (entry === undefined) series.set(key, entry = { part: plan.part, client: plan.client, recordSize: plan.recordSize, mode: plan.mode, perGroup: plan.perGroup, runs: [] });
        entry.runs.push(result);
        const records = plan.part === 'read' ? result.bytes / plan.recordSize : result.records;
        console.log(`  ${plan.part} ${plan.client} ${plan.recordSize} B ${plan.mode}${plan.perGroup > 0 ? ` ${plan.perGroup}/group` : ''}: `
          + `${int(records / result.seconds)} ${plan.part === 'read' ? 'log ' : ''}records/s in ${result.seconds.toFixed(2)} s`);
      };
      const inOrder = async (rep: number, plans: Planned[]): Promise<void> => {
        for (const plan of rep % 2 === 0 ? plans : [...plans].reverse()) await execute(plan);
      };
      try {
        // 1. Idempotent against plain acks=all produce.
        for (const [recordSize, records] of [[100, options.records100b], [1024, options.records1kb]] as const) {
          const file = join(workDir, `records-${recordSize}.txt`);
          await writeRecordsFile(file, records, recordSize);
          for (let rep = 0; rep < options.repetitions; rep++) {
            for (const idempotent of rep % 2 === 0 ? [false, true] : [true, false]) {
              const mode = idempotent ? 'idempotent' : 'plain';
              await execute({ part: 'produce', client: 'kcat', recordSize, mode, perGroup: 0, expectedEnd: records, run: (topic) => kcatProduce(ctx, topic, file, records, recordSize, idempotent) });
            }
            for (const idempotent of rep % 2 === 0 ? [false, true] : [true, false]) {
              const mode = idempotent ? 'idempotent' : 'plain';
              await execute({ part: 'produce', client: 'samsa', recordSize, mode, perGroup: 0, expectedEnd: records + CHUNK_RECORDS, run: (topic) => ourProduce(ctx, topic, records, recordSize, idempotent) });
            }
          }
          await rm(file);
        }

        // 2. Transactions of 100 and of 10,000 records, against the same records without transactions.
        const groupPlan = (client: 'samsa' | 'kafkajs', mode: GroupMode, perGroup: number, groups: number): Planned => ({
          part: 'transactions', client, recordSize: TXN_RECORD_SIZE, mode, perGroup,
          // One untimed group first; a transaction ends with its marker.
          expectedEnd: (groups + 1) * (perGroup + (mode === 'transactional' ? 1 : 0)),
          run: (topic) => (client === 'samsa' ? ourGroups : kafkajsGroups)(ctx, topic, mode, perGroup, groups, TXN_RECORD_SIZE),
        });
        const streamedRecords = options.count10000 * 10_000;
        for (let rep = 0; rep < options.repetitions; rep++) {
          await inOrder(rep, [
            { part: 'transactions', client: 'samsa', recordSize: TXN_RECORD_SIZE, mode: 'streamed', perGroup: 0, expectedEnd: streamedRecords + CHUNK_RECORDS,
              run: (topic) => ourProduce(ctx, topic, streamedRecords, TXN_RECORD_SIZE, true) },
            groupPlan('samsa', 'flushed', 100, options.count100),
            groupPlan('samsa', 'transactional', 100, options.count100),
            groupPlan('samsa', 'flushed', 10_000, options.count10000),
            groupPlan('samsa', 'transactional', 10_000, options.count10000),
            groupPlan('kafkajs', 'flushed', 100, options.count100),
            groupPlan('kafkajs', 'transactional', 100, options.count100),
            groupPlan('kafkajs', 'flushed', 10_000, options.count10000),
            groupPlan('kafkajs', 'transactional', 10_000, options.count10000),
          ]);
        }

        // 3. read_committed against read_uncommitted over a log of committed and aborted transactions.
        const topic = 'txn-bench-read';
        await admin.createTopics([{ topic, numPartitions: 1, replicationFactor: 1 }]);
        const { committed, aborted } = await fillTransactions(ctx, topic, options.fillTransactions, FILL_PER_TRANSACTION, TXN_RECORD_SIZE, ABORT_EVERY);
        const logEndOffset = await endOffset(topic);
        const logRecords = committed + aborted;
        const delivers = (isolation: IsolationLevel): number => (isolation === 'read_committed' ? committed : logRecords);
        for (const isolation of ['read_committed', 'read_uncommitted'] as const) {
          const counted = await kcatCount(ctx, topic, isolation);
          if (counted !== delivers(isolation)) throw new Error(`kcat ${isolation} delivered ${counted} records, expected ${delivers(isolation)}`);
        }
        const readPlan = (client: 'kcat' | 'samsa', isolation: IsolationLevel): Planned => ({
          part: 'read', client, recordSize: TXN_RECORD_SIZE, mode: isolation, perGroup: 0, topic, expectedEnd: logEndOffset,
          run: () => (client === 'kcat' ? kcatRead : ourRead)(ctx, topic, isolation, delivers(isolation), logRecords, TXN_RECORD_SIZE),
        });
        for (let rep = 0; rep < options.repetitions; rep++) {
          await inOrder(rep, [readPlan('kcat', 'read_committed'), readPlan('kcat', 'read_uncommitted'), readPlan('samsa', 'read_committed'), readPlan('samsa', 'read_uncommitted')]);
        }
        return {
          series: [...series.values()],
          fill: { transactions: options.fillTransactions, perTransaction: FILL_PER_TRANSACTION, committed, aborted, logEndOffset },
          loadAverage: { atStart, atEnd: loadAverage() },
        };
      } finally {
        await admin.close();
      }
    });
  } finally {
    restoreReporting();
  }
}

function loadAverage(): number[] {
  return loadavg().map((load) => Math.round(load * 100) / 100);
}

/** Medians over a series' runs. Reads count the log read through (`bytes` covers every data record), not what was delivered. */
function medians(s: Series) {
  const perGB = (cpu: (r: RunResult) => number) => median(s.runs.map((r) => cpu(r) / (r.bytes / 1e9)));
  const logRecords = (r: RunResult) => (s.part === 'read' ? r.bytes / s.recordSize : r.records);
  return {
    recordsPerSecond: median(s.runs.map((r) => logRecords(r) / r.seconds)),
    megabytesPerSecond: median(s.runs.map((r) => r.bytes / 1e6 / r.seconds)),
    transactionsPerSecond: median(s.runs.map((r) => r.transactions / r.seconds)),
    brokerCpuPerGB: perGB((r) => r.brokerCpuSeconds),
    clientCpuPerGB: perGB((r) => r.clientCpuSeconds),
  };
}

const int = (n: number): string => Math.round(n).toLocaleString('en-US');
const percent = (value: number, reference: number): string => `${value >= reference ? '+' : ''}${((value / reference - 1) * 100).toFixed(1)}%`;

export function printTransactionsTable(results: TransactionsResults): void {
  const find = (part: Part, client: ClientLabel, recordSize: number, mode: string, perGroup = 0) =>
    results.series.find((s) => s.part === part && s.client === client && s.recordSize === recordSize && s.mode === mode && s.perGroup === perGroup);
  const runsOf = (s: Series) => s.runs.map((r) => int((s.part === 'read' ? r.bytes / s.recordSize : r.records) / r.seconds)).join(', ');

  console.log('produce, acks=all, one partition: medians (records/s of each run in the last column)');
  printTable(['client', 'record', 'mode', 'records', 'records/s', 'MB/s', 'broker CPU s/GB', 'client CPU s/GB', 'records/s vs plain', 'runs'],
    results.series.filter((s) => s.part === 'produce').map((s) => {
      const m = medians(s);
      const plain = find('produce', s.client, s.recordSize, 'plain');
      return [s.client, `${s.recordSize} B`, s.mode, int(s.runs[0]!.records), int(m.recordsPerSecond), m.megabytesPerSecond.toFixed(1), m.brokerCpuPerGB.toFixed(2),
        m.clientCpuPerGB.toFixed(2), s.mode === 'idempotent' && plain !== undefined ? percent(m.recordsPerSecond, medians(plain).recordsPerSecond) : '', runsOf(s)];
    }), new Set([0, 2]));

  console.log(`\ntransactions, ${TXN_RECORD_SIZE} B records, one partition, one transaction (or flushed group) at a time: medians`);
  printTable(['client', 'mode', 'records/group', 'groups', 'records', 'records/s', 'transactions/s', 'MB/s', 'broker CPU s/GB', 'client CPU s/GB', 'vs flushed', 'runs'],
    results.series.filter((s) => s.part === 'transactions').map((s) => {
      const m = medians(s);
      const flushed = find('transactions', s.client, s.recordSize, 'flushed', s.perGroup);
      return [s.client, s.mode, s.perGroup === 0 ? '-' : int(s.perGroup), s.perGroup === 0 ? '-' : int(s.runs[0]!.records / s.perGroup), int(s.runs[0]!.records),
        int(m.recordsPerSecond), s.mode === 'transactional' ? m.transactionsPerSecond.toFixed(1) : '', m.megabytesPerSecond.toFixed(1), m.brokerCpuPerGB.toFixed(2),
        m.clientCpuPerGB.toFixed(2), s.mode === 'transactional' && flushed !== undefined ? percent(m.recordsPerSecond, medians(flushed).recordsPerSecond) : '', runsOf(s)];
    }), new Set([0, 1]));

  const f = results.fill;
  console.log(`\nread from the beginning to the end: ${int(f.transactions)} transactions of ${int(f.perTransaction)} x ${TXN_RECORD_SIZE} B, 1 in ${ABORT_EVERY} aborted `
    + `(${int(f.committed)} records committed, ${int(f.aborted)} aborted, end offset ${int(f.logEndOffset)}); rates of the log read through: medians`);
  const logBytes = (f.committed + f.aborted) * TXN_RECORD_SIZE;
  printTable(['client', 'isolation', 'delivered/read', 'reads/run', 'log records/s', 'MB/s', 'broker CPU s/GB', 'client CPU s/GB', 'time vs read_uncommitted', 'runs'],
    results.series.filter((s) => s.part === 'read').map((s) => {
      const m = medians(s);
      const uncommitted = find('read', s.client, s.recordSize, 'read_uncommitted');
      const seconds = median(s.runs.map((r) => r.seconds));
      const reads = s.runs[0]!.bytes / logBytes;
      return [s.client, s.mode, int(s.runs[0]!.records / reads), String(reads), int(m.recordsPerSecond), m.megabytesPerSecond.toFixed(1), m.brokerCpuPerGB.toFixed(2), m.clientCpuPerGB.toFixed(2),
        s.mode === 'read_committed' && uncommitted !== undefined ? percent(seconds, median(uncommitted.runs.map((r) => r.seconds))) : '', runsOf(s)];
    }), new Set([0, 1]));
  console.log(`load average at the start ${results.loadAverage.atStart.join(' ')}, at the end ${results.loadAverage.atEnd.join(' ')}`);
}

export async function writeTransactionsResults(options: TransactionsBenchOptions, results: TransactionsResults): Promise<void> {
  const settings = { ...options, txnRecordSize: TXN_RECORD_SIZE, fillPerTransaction: FILL_PER_TRANSACTION, abortEvery: ABORT_EVERY };
  const summary = results.series.map((s) => ({ part: s.part, client: s.client, recordSize: s.recordSize, mode: s.mode, perGroup: s.perGroup, medians: medians(s) }));
  await writeResultsFile('transactions', { settings, summary, ...results });
}

if (import.meta.main) {
  const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false }, ...transactionsBenchArgs } });
  const options = transactionsOptions(values, values.quick);
  const results = await runTransactionsBench(options);
  printTransactionsTable(results);
  await writeTransactionsResults(options, results);
  process.exit(0);
}
