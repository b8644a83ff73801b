/**
 * Storage alone, no network: `node bench/storage.ts [--quick]`, or the storage section of
 * `npm run bench` (`npm run bench -- --storage-only` for this section alone).
 *
 * - disk: the disk's own sequential write rate in the same directory, `dd bs=1M oflag=direct`
 *   (falls back to `conv=fdatasync` where O_DIRECT is refused), and plain 1 MiB writes + fsync;
 * - append: PartitionLog.appendAsLeader of 16 KiB batches of 16 x 1 KiB records, into the page
 *   cache, then the final flush (fsync);
 * - read: PartitionLog.read of 1 MiB at a time from offset 0 to the end, from the page cache, then
 *   cold (after dropping the page cache, when /proc/sys/vm/drop_caches is writable); the same with
 *   PartitionLog.readAsync (its file reads in libuv's thread pool, as Fetch makes them);
 * - recovery after kill -9: a child process appends `--recovery-mb` without flushing, is killed
 *   with SIGKILL, and a fresh process times LogManager.open (page cache warm, as after a process
 *   crash; and cold, as after a machine crash);
 * - clean restart: a child appends `--clean-mb`, closes cleanly; a fresh process times the open;
 * - many partitions: `--partitions` logs with one batch each, opened by a fresh process: RSS and
 *   open file descriptors after the open, after one read of every partition and after one append.
 *
 * Children are this file run with `--role`; each prints one `RESULT <json>` line.
 */
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { buildRecordBatch } from '../src/protocol/records/record-batch-builder.ts';
import { logConfig } from '../src/storage/log-config.ts';
import { LogManager } from '../src/storage/log-manager.ts';
import type { PartitionLog } from '../src/storage/partition-log.ts';
import { writeResultsFile } from './results-file.ts';
import { printTable } from './table.ts';

const MB = 1e6;
const RECORD_BYTES = 1024;
const RECORDS_PER_BATCH = 16;
const READ_CHUNK = 1024 * 1024;
const SELF = import.meta.filename;

export interface StorageBenchOptions {
  appendMb: number;
  recoveryMb: number;
  cleanMb: number;
  partitions: number;
  /** Parent of the bench's temp dir: the disk measured. */
  baseDir: string;
}

export interface StorageRow {
  measure: string;
  value: string;
  detail: string;
}

/** A set of distinct 16 x 1 KiB batches to cycle through (the log patches offsets in place). */
function makeBatches(count = 64): Buffer[] {
  return Array.from({ length: count }, (_, b) => buildRecordBatch(Array.from({ length: RECORDS_PER_BATCH }, (_, i) => ({
    key: null, value: Buffer.alloc(RECORD_BYTES, 97 + ((b + i) % 26)), timestamp: Date.now(),
  }))));
}

async function openManager(dir: string): Promise<LogManager> {
  return LogManager.open({ logDirs: [dir], nodeId: 1, clusterId: 'storage-bench-cluster0' });
}

/** Appends batches until `bytes` are written; returns bytes written and seconds. */
function appendBytes(log: PartitionLog, bytes: number): { written: number; seconds: number } {
  const batches = makeBatches();
  let written = 0;
  const start = process.hrtime.bigint();
  for (let i = 0; written < bytes; i++) {
    const batch = batches[i % batches.length]!;
    log.appendAsLeader(batch, 0);
    written += batch.length;
  }
  return { written, seconds: seconds(start) };
}

/** Reads the whole log, 1 MiB at a time, on the event loop or (`offLoop`) with PartitionLog.readAsync as Fetch does. */
async function readAll(log: PartitionLog, offLoop = false): Promise<{ read: number; seconds: number }> {
  let offset = log.logStartOffset;
  let read = 0;
  const start = process.hrtime.bigint();
  while (offset < log.logEndOffset) {
    const { records } = offLoop ? await log.readAsync(offset, READ_CHUNK) : log.read(offset, READ_CHUNK);
    if (records.length === 0) throw new Error(`read at ${offset} returned nothing below ${log.logEndOffset}`);
    read += records.length;
    // The next offset follows the last whole batch: its baseOffset (bytes 0-7) + lastOffsetDelta (bytes 23-26).
    let position = 0;
    let last = offset;
    while (position < records.length) {
      last = Number(records.readBigInt64BE(position)) + records.readInt32BE(position + 23);
      position += 12 + records.readInt32BE(position + 8);
    }
    offset = last + 1;
  }
  return { read, seconds: seconds(start) };
}

function seconds(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e9;
}

function openFds(): number {
  return fs.readdirSync('/proc/self/fd').length;
}

function fdLimit(): string {
  try {
    return /^Max open files\s+(\d+)/m.exec(fs.readFileSync('/proc/self/limits', 'utf8'))?.[1] ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

function rssMb(): number {
  return process.memoryUsage().rss / MB;
}

/** Drops the page cache (root only); false when not permitted. */
export function dropPageCache(): boolean {
  try {
    execFileSync('sync');
    fs.writeFileSync('/proc/sys/vm/drop_caches', '3');
    return true;
  } catch {
    return false;
  }
}

/** Child roles: each prints `RESULT <json>`; `write-unflushed` prints `READY <json>` and waits to be killed. */
async function runRole(role: string, dir: string, amount: number): Promise<void> {
  const print = (tag: string, value: unknown): void => { process.stdout.write(`${tag} ${JSON.stringify(value)}\n`); };
  if (role === 'write-unflushed' || role === 'write-clean') {
    const manager = await openManager(dir);
    const log = manager.getOrCreateLog('bench-recovery', 0, logConfig());
    const { written } = appendBytes(log, amount);
    const result = { written, logEndOffset: log.logEndOffset };
    if (role === 'write-clean') {
      await manager.closeAll();
      print('RESULT', result);
      return;
    }
    print('READY', result);
    setInterval(() => {}, 60_000); // stay alive, unflushed, until SIGKILL
    return;
  }
  if (role === 'create-partitions') {
    const manager = await openManager(dir);
    const batch = makeBatches(1)[0]!;
    for (let partition = 0; partition < amount; partition++) {
      manager.getOrCreateLog('bench-many', partition, logConfig()).appendAsLeader(batch, 0);
    }
    await manager.closeAll();
    print('RESULT', { partitions: amount });
    return;
  }
  if (role === 'open') {
    const rssBefore = rssMb();
    const fdsBefore = openFds();
    const start = process.hrtime.bigint();
    const manager = await openManager(dir);
    const openSeconds = seconds(start);
    const logs = manager.allLogs();
    const endOffsets = logs.map((log) => log.logEndOffset);
    const readySeconds = seconds(start);
    const afterOpen = { rssMb: rssMb(), fds: openFds() };
    let afterRead: { rssMb: number; fds: number } | undefined;
    let afterAppend: { rssMb: number; fds: number } | undefined;
    if (amount > 0) {
      for (const log of logs) log.read(log.logStartOffset, READ_CHUNK);
      afterRead = { rssMb: rssMb(), fds: openFds() };
      const batch = makeBatches(1)[0]!;
      for (const log of logs) log.appendAsLeader(batch, 0);
      afterAppend = { rssMb: rssMb(), fds: openFds() };
    }
    print('RESULT', {
      openSeconds, readySeconds, logs: logs.length, logEndOffset: endOffsets[0] ?? -1,
      rssBefore, fdsBefore, afterOpen, afterRead, afterAppend,
    });
    process.exit(0); // no closeAll: the next open must see the same (unclean or clean) state
  }
  throw new Error(`unknown role ${role}`);
}

interface ChildResult {
  tag: string;
  value: Record<string, unknown>;
  kill9: () => Promise<void>;
}

/** Runs this file with `--role`; resolves at the first line tagged `until` (READY or RESULT). */
function runChild(role: string, dir: string, amount: number, until = 'RESULT'): Promise<ChildResult> {
  const child = spawn(process.execPath, [SELF, '--role', role, '--dir', dir, '--amount', String(amount)], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => { stderr = (stderr + chunk.toString('utf8')).slice(-8192); });
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
      const line = stdout.split('\n').find((l) => l.startsWith(`${until} `));
      if (line !== undefined) {
        resolve({
          tag: until,
          value: JSON.parse(line.slice(until.length + 1)) as Record<string, unknown>,
          kill9: async () => { child.kill('SIGKILL'); await exited; },
        });
      }
    });
    child.once('exit', (code) => reject(new Error(`--role ${role} exited with ${code} before ${until}:\n${stderr}`)));
  });
}

function diskRates(dir: string, mb: number): StorageRow[] {
  const file = join(dir, 'dd.bin');
  const rows: StorageRow[] = [];
  for (const flag of ['oflag=direct', 'conv=fdatasync']) {
    const start = process.hrtime.bigint();
    try {
      execFileSync('dd', ['if=/dev/zero', `of=${file}`, 'bs=1M', `count=${mb}`, flag], { stdio: 'ignore' });
    } catch {
      continue; // O_DIRECT is refused on some file systems
    }
    const rate = (mb * 1024 * 1024) / MB / seconds(start);
    rows.push({ measure: `disk: dd bs=1M ${flag}`, value: `${rate.toFixed(0)} MB/s`, detail: `${mb} MiB` });
    fs.rmSync(file);
  }
  const buffer = Buffer.alloc(1024 * 1024, 1);
  const fd = fs.openSync(file, 'w');
  const start = process.hrtime.bigint();
  for (let i = 0; i < mb; i++) fs.writeSync(fd, buffer);
  fs.fsyncSync(fd);
  fs.closeSync(fd);
  rows.push({ measure: 'disk: 1 MiB writes + fsync', value: `${((mb * 1024 * 1024) / MB / seconds(start)).toFixed(0)} MB/s`, detail: `${mb} MiB, node fs` });
  fs.rmSync(file);
  return rows;
}

export async function runStorageBench(options: StorageBenchOptions): Promise<StorageRow[]> {
  const work = fs.mkdtempSync(join(options.baseDir, 'samsa-storage-bench-'));
  const rows: StorageRow[] = [];
  const freeMb = (): number => { const s = fs.statfsSync(work); return (s.bavail * s.bsize) / MB; };
  try {
    rows.push(...diskRates(work, Math.min(512, Math.round(options.appendMb))));

    const appendDir = join(work, 'append');
    let manager = await openManager(appendDir);
    let log = manager.getOrCreateLog('bench-append', 0, logConfig());
    const appended = appendBytes(log, options.appendMb * MB);
    const flushStart = process.hrtime.bigint();
    log.flush();
    const flushSeconds = seconds(flushStart);
    const batchBytes = makeBatches(1)[0]!.length;
    rows.push({ measure: 'append (page cache)', value: `${(appended.written / MB / appended.seconds).toFixed(0)} MB/s`, detail: `${(appended.written / MB).toFixed(0)} MB in ${batchBytes} B batches of 16 x 1 KiB` });
    rows.push({ measure: 'append + final fsync', value: `${(appended.written / MB / (appended.seconds + flushSeconds)).toFixed(0)} MB/s`, detail: `flush took ${flushSeconds.toFixed(2)} s` });
    for (const [name, offLoop] of [['read', false], ['readAsync (libuv pool)', true]] as const) {
      const warm = await readAll(log, offLoop);
      rows.push({ measure: `${name} (page cache)`, value: `${(warm.read / MB / warm.seconds).toFixed(0)} MB/s`, detail: `${(warm.read / MB).toFixed(0)} MB, 1 MiB reads` });
    }
    await manager.closeAll();
    for (const [name, offLoop] of [['read', false], ['readAsync (libuv pool)', true]] as const) {
      if (!dropPageCache()) {
        rows.push({ measure: `${name} (cold)`, value: 'n/a', detail: 'cannot drop the page cache (not root)' });
        continue;
      }
      manager = await openManager(appendDir);
      log = manager.getLog('bench-append', 0)!;
      const cold = await readAll(log, offLoop);
      rows.push({ measure: `${name} (cold, page cache dropped)`, value: `${(cold.read / MB / cold.seconds).toFixed(0)} MB/s`, detail: `${(cold.read / MB).toFixed(0)} MB` });
      await manager.closeAll();
    }
    fs.rmSync(appendDir, { recursive: true, force: true });

    for (const cache of ['warm', 'cold'] as const) {
      const dir = join(work, `kill9-${cache}`);
      const writer = await runChild('write-unflushed', dir, options.recoveryMb * MB, 'READY');
      await writer.kill9();
      const dropped = cache === 'cold' ? dropPageCache() : true;
      if (!dropped) continue;
      const opened = (await runChild('open', dir, 0)).value;
      const lost = Number(writer.value.logEndOffset) - Number(opened.logEndOffset);
      rows.push({
        measure: `recovery after kill -9, ${options.recoveryMb} MB unflushed (${cache} cache)`,
        value: `${Number(opened.readySeconds).toFixed(2)} s`,
        detail: `open ${Number(opened.openSeconds).toFixed(2)} s; ${lost === 0 ? 'all records back' : `${lost} records lost`}`,
      });
      fs.rmSync(dir, { recursive: true, force: true });
    }

    // Room for the data plus a margin; the largest that fits otherwise, and the row says so.
    const cleanMb = Math.min(options.cleanMb, Math.floor((freeMb() - 2000) / 1000) * 1000);
    if (cleanMb > 0) {
      const dir = join(work, 'clean');
      await runChild('write-clean', dir, cleanMb * MB);
      const opened = (await runChild('open', dir, 0)).value;
      rows.push({
        measure: `open after clean shutdown, ${cleanMb} MB`,
        value: `${Number(opened.readySeconds).toFixed(2)} s`,
        detail: `open ${Number(opened.openSeconds).toFixed(2)} s${cleanMb < options.cleanMb ? `; ${options.cleanMb} MB did not fit the free space` : ''}`,
      });
      fs.rmSync(dir, { recursive: true, force: true });
    }

    const manyDir = join(work, 'many');
    try {
      await runChild('create-partitions', manyDir, options.partitions);
      const many = (await runChild('open', manyDir, options.partitions)).value as {
        readySeconds: number; logs: number; rssBefore: number; fdsBefore: number;
        afterOpen: { rssMb: number; fds: number }; afterRead: { rssMb: number; fds: number }; afterAppend: { rssMb: number; fds: number };
      };
      const label = `${many.logs.toLocaleString('en-US')} partitions`;
      rows.push({ measure: `${label}: open`, value: `${many.readySeconds.toFixed(2)} s`, detail: `RSS ${many.rssBefore.toFixed(0)} MB before` });
      for (const [when, at] of [['after open', many.afterOpen], ['after a read of each', many.afterRead], ['after an append to each', many.afterAppend]] as const) {
        rows.push({ measure: `${label}: ${when}`, value: `RSS ${at.rssMb.toFixed(0)} MB`, detail: `${at.fds} open fds (${many.fdsBefore} before the open)` });
      }
    } catch (error) {
      // Before lazy file handles, 10,000 logs may need more descriptors than `ulimit -n` gives.
      const reason = /\b(E[A-Z]{3,})\b[^\n]*/.exec((error as Error).message)?.[0] ?? (error as Error).message.split('\n')[0]!;
      rows.push({ measure: `${options.partitions.toLocaleString('en-US')} partitions`, value: 'failed', detail: `${reason.slice(0, 120)} (ulimit -n ${fdLimit()})` });
    }
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
  return rows;
}

export function printStorageTable(rows: StorageRow[]): void {
  const header = ['measure', 'value', 'detail'];
  printTable(header, rows.map((row) => [row.measure, row.value, row.detail]), new Set([0, 2]));
}

export const storageBenchArgs = {
  'append-mb': { type: 'string' },
  'recovery-mb': { type: 'string' },
  'clean-mb': { type: 'string' },
  partitions: { type: 'string' },
  'bench-dir': { type: 'string' },
} as const;

export function storageOptions(values: Partial<Record<keyof typeof storageBenchArgs, string | undefined>>, quick: boolean): StorageBenchOptions {
  const scale = quick ? 0.1 : 1;
  return {
    appendMb: Number(values['append-mb'] ?? 512 * scale),
    recoveryMb: Number(values['recovery-mb'] ?? 1000 * scale),
    cleanMb: Number(values['clean-mb'] ?? 10_000 * scale),
    partitions: Number(values.partitions ?? 10_000 * scale),
    baseDir: values['bench-dir'] ?? '/var/tmp',
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { ...storageBenchArgs, quick: { type: 'boolean', default: false }, role: { type: 'string' }, dir: { type: 'string' }, amount: { type: 'string' } },
  });
  if (values.role !== undefined) {
    await runRole(values.role, values.dir!, Number(values.amount));
    return;
  }
  const options = storageOptions(values, values.quick);
  const rows = await runStorageBench(options);
  printStorageTable(rows);
  await writeStorageResults(options, rows);
}

/** bench/results/storage-latest.json, with the date and the commit measured. */
export async function writeStorageResults(options: StorageBenchOptions, rows: StorageRow[]): Promise<void> {
  await writeResultsFile('storage-latest', { options, rows });
}

if (import.meta.main) await main();
