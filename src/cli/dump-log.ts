import { open } from 'node:fs/promises';
import { basename } from 'node:path';
import { LOG_OVERHEAD, RECORD_BATCH_OVERHEAD } from '../protocol/records/batch-header.ts';
import { computeBatchCrc } from '../protocol/records/crc32c.ts';
import { decodeRecordBatch } from '../protocol/records/record-batch.ts';
import type { RecordBatch } from '../protocol/records/record-batch.ts';
import { Progress } from './cli-format.ts';
import { EXIT_FAILURE, EXIT_OK, UsageError } from './cli-io.ts';
import type { CliIo } from './cli-io.ts';
import { flag, intOption, listOption, parseOptions } from './cli-options.ts';

export const dumpLogUsage = `Usage: samsa dump-log --files <file>[,<file>...] [--print-data-log]   (kafka-dump-log)

Prints the batches of log segment files (.log), and the entries of offset (.index) and time
(.timeindex) index files. Needs no broker.
  --files <list>          comma-separated files (repeatable)
  --print-data-log        also print every record, with its key and payload
  --deep-iteration        also print every record, without key and payload
  --max-bytes <n>         read at most this many bytes of each .log file
`;

const OPTIONS = {
  files: { type: 'string', multiple: true }, 'print-data-log': { type: 'boolean' }, 'deep-iteration': { type: 'boolean' },
  'max-bytes': { type: 'string' },
} as const;

const CODEC_NAMES = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];

/** A segment's base offset is its file name: 20 digits. */
function baseOffsetOf(path: string): number {
  const digits = /^(\d+)\./.exec(basename(path))?.[1];
  return digits === undefined ? 0 : Number(digits);
}

export async function runDumpLogCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values } = parseOptions(args, OPTIONS);
  if (flag(values, 'help')) {
    io.stdout(dumpLogUsage);
    return EXIT_OK;
  }
  const files = listOption(values, 'files').flatMap((f) => f.split(',')).map((f) => f.trim()).filter((f) => f !== '');
  if (files.length === 0) throw new UsageError('missing required option --files');
  const printData = flag(values, 'print-data-log');
  const deep = printData || flag(values, 'deep-iteration');
  const maxBytes = intOption(values, 'max-bytes', { min: 1 }) ?? Number.MAX_SAFE_INTEGER;
  let ok = true;
  for (const file of files) {
    io.stdout(`Dumping ${file}\n`);
    if (file.endsWith('.log')) ok = (await dumpSegment(file, { deep, printData, maxBytes }, io)) && ok;
    else if (file.endsWith('.timeindex')) await dumpIndex(file, 12, (b, at, base) => `timestamp: ${b.readBigInt64BE(at)} offset: ${base + b.readInt32BE(at + 8)}`, io);
    else if (file.endsWith('.index')) await dumpIndex(file, 8, (b, at, base) => `offset: ${base + b.readInt32BE(at)} position: ${b.readInt32BE(at + 4)}`, io);
    else {
      io.stderr(`Ignoring unknown file ${file}\n`);
      ok = false;
    }
  }
  return ok ? EXIT_OK : EXIT_FAILURE;
}

/** Index entries until the first all-zero one: the preallocated, unused tail of an active index. */
async function dumpIndex(file: string, entrySize: number, line: (b: Buffer, at: number, baseOffset: number) => string, io: CliIo): Promise<void> {
  const handle = await open(file, 'r');
  try {
    const buffer = await handle.readFile();
    const base = baseOffsetOf(file);
    let out = '';
    for (let at = 0; at + entrySize <= buffer.length; at += entrySize) {
      if (buffer.subarray(at, at + entrySize).every((byte) => byte === 0)) break;
      out += line(buffer, at, base) + '\n';
      if (out.length > 1 << 16) {
        io.stdout(out);
        out = '';
      }
    }
    io.stdout(out);
  } finally {
    await handle.close();
  }
}

/** Batch by batch, reading one batch at a time so a segment of any size needs little memory. */
async function dumpSegment(file: string, options: { deep: boolean; printData: boolean; maxBytes: number }, io: CliIo): Promise<boolean> {
  const handle = await open(file, 'r');
  try {
    const size = Math.min((await handle.stat()).size, options.maxBytes);
    io.stdout(`Log starting offset: ${baseOffsetOf(file)}\n`);
    const head = Buffer.alloc(LOG_OVERHEAD);
    const progress = new Progress(io);
    let position = 0;
    while (position < size) {
      progress.update(`${basename(file)}: ${Math.floor((100 * position) / size)}%`);
      const remaining = size - position;
      if (remaining < LOG_OVERHEAD) break;
      await handle.read(head, 0, LOG_OVERHEAD, position);
      const batchSize = LOG_OVERHEAD + head.readInt32BE(8);
      if (batchSize < RECORD_BATCH_OVERHEAD || batchSize > remaining) break;
      const bytes = Buffer.alloc(batchSize);
      await handle.read(bytes, 0, batchSize, position);
      const valid = computeBatchCrc(bytes, 0, batchSize) === bytes.readUInt32BE(17);
      let batch: RecordBatch;
      try {
        batch = decodeRecordBatch(bytes, 0, { verifyCrc: false });
      } catch (error) {
        io.stdout(`Found a corrupt batch at position ${position}: ${(error as Error).message}\n`);
        return false;
      }
      io.stdout(batchLine(batch, position, valid) + (options.deep ? batch.records.map((r) => recordLine(batch, r, options.printData)).join('') : ''));
      position += batchSize;
    }
    progress.done();
    if (position < size) {
      io.stdout(`Found ${size - position} invalid bytes at the end of ${basename(file)}\n`);
      return false;
    }
    return true;
  } finally {
    await handle.close();
  }
}

function batchLine(b: RecordBatch, position: number, valid: boolean): string {
  const lastSequence = b.baseSequence < 0 ? -1 : b.baseSequence + b.lastOffsetDelta;
  return `baseOffset: ${b.baseOffset} lastOffset: ${b.lastOffset} count: ${b.records.length} baseSequence: ${b.baseSequence} ` +
    `lastSequence: ${lastSequence} producerId: ${b.producerId} producerEpoch: ${b.producerEpoch} partitionLeaderEpoch: ${b.partitionLeaderEpoch} ` +
    `isTransactional: ${b.isTransactional} isControl: ${b.isControl} ` +
    `deleteHorizonMs: ${b.hasDeleteHorizon ? `OptionalLong[${b.baseTimestamp}]` : 'OptionalLong.empty'} position: ${position} ` +
    `${b.timestampType}: ${b.maxTimestamp} size: ${b.sizeInBytes} magic: ${b.magic} compresscodec: ${CODEC_NAMES[b.compression] ?? b.compression} ` +
    `crc: ${b.crc >>> 0} isvalid: ${valid}\n`;
}

function recordLine(b: RecordBatch, r: RecordBatch['records'][number], printData: boolean): string {
  const sequence = b.baseSequence < 0 ? -1 : b.baseSequence + r.offsetDelta;
  let line = `| offset: ${r.offset} ${b.timestampType}: ${r.timestamp} keySize: ${r.key?.length ?? -1} valueSize: ${r.value?.length ?? -1} ` +
    `sequence: ${sequence} headerKeys: [${r.headers.map((h) => h.key).join(',')}]`;
  if (b.isControl && r.key !== null && r.key.length >= 4) line += ` endTxnMarker: ${r.key.readInt16BE(2) === 1 ? 'COMMIT' : 'ABORT'}`;
  else if (printData) {
    if (r.key !== null) line += ` key: ${r.key.toString('utf8')}`;
    if (r.value !== null) line += ` payload: ${r.value.toString('utf8')}`;
  }
  return line + '\n';
}
