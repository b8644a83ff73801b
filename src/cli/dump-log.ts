import { open } from 'node:fs/promises';
import { basename } from 'node:path';
import { LOG_OVERHEAD, RECORD_BATCH_OVERHEAD } from '../protocol/records/batch-header.ts';
import { computeBatchCrc } from '../protocol/records/crc32c.ts';
import { decodeRecordBatch } from '../protocol/records/record-batch.ts';
import type { RecordBatch } from '../protocol/records/record-batch.ts';
import { printJson, Progress } from './cli-format.ts';
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
  --json                  machine-readable output: per file its batches (and records), or index entries
`;

const OPTIONS = {
  files: { type: 'string', multiple: true }, 'print-data-log': { type: 'boolean' }, 'deep-iteration': { type: 'boolean' },
  'max-bytes': { type: 'string' }, json: { type: 'boolean' },
} as const;

const CODEC_NAMES = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];

/** A segment's base offset is its file name: 20 digits. */
function baseOffsetOf(path: string): number {
  const digits = /^(\d+)\./.exec(basename(path))?.[1];
  return digits === undefined ? 0 : Number(digits);
}

/** What one file holds, as --json prints it (the text lines are made from the same objects). */
type FileDump =
  | { file: string; logStartOffset: number; batches: BatchInfo[]; invalidBytes?: number; corruptBatch?: { position: number; error: string } }
  | { file: string; entries: Array<Record<string, number>> }
  | { file: string; error: string };

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
  const json = flag(values, 'json');
  // Text goes out as it is read, so a large segment needs little memory; --json collects first.
  const text = json ? () => {} : io.stdout;
  const dumps: FileDump[] = [];
  let ok = true;
  for (const file of files) {
    text(`Dumping ${file}\n`);
    if (file.endsWith('.log')) {
      const dump = await dumpSegment(file, { deep, printData, maxBytes }, io, text, json);
      ok = ok && dump.invalidBytes === undefined && dump.corruptBatch === undefined;
      dumps.push(dump);
    } else if (file.endsWith('.timeindex')) {
      dumps.push({ file, entries: await dumpIndex(file, 12, (b, at, base) => ({ timestamp: Number(b.readBigInt64BE(at)), offset: base + b.readInt32BE(at + 8) }), text) });
    } else if (file.endsWith('.index')) {
      dumps.push({ file, entries: await dumpIndex(file, 8, (b, at, base) => ({ offset: base + b.readInt32BE(at), position: b.readInt32BE(at + 4) }), text) });
    } else {
      io.stderr(`Ignoring unknown file ${file}\n`);
      dumps.push({ file, error: 'unknown file type (.log, .index and .timeindex are)' });
      ok = false;
    }
  }
  if (json) printJson(io, dumps);
  return ok ? EXIT_OK : EXIT_FAILURE;
}

/** Index entries until the first all-zero one: the preallocated, unused tail of an active index. */
async function dumpIndex(file: string, entrySize: number, entry: (b: Buffer, at: number, baseOffset: number) => Record<string, number>,
  text: (line: string) => void): Promise<Array<Record<string, number>>> {
  const handle = await open(file, 'r');
  try {
    const buffer = await handle.readFile();
    const base = baseOffsetOf(file);
    const entries: Array<Record<string, number>> = [];
    let out = '';
    for (let at = 0; at + entrySize <= buffer.length; at += entrySize) {
      if (buffer.subarray(at, at + entrySize).every((byte) => byte === 0)) break;
      const e = entry(buffer, at, base);
      entries.push(e);
      out += Object.entries(e).map(([k, v]) => `${k}: ${v}`).join(' ') + '\n';
      if (out.length > 1 << 16) {
        text(out);
        out = '';
      }
    }
    text(out);
    return entries;
  } finally {
    await handle.close();
  }
}

interface RecordInfo {
  offset: number; timestampType: string; timestamp: number; keySize: number; valueSize: number; sequence: number; headerKeys: string[];
  endTxnMarker?: 'COMMIT' | 'ABORT'; key?: string; payload?: string;
}

interface BatchInfo {
  baseOffset: number; lastOffset: number; count: number; baseSequence: number; lastSequence: number; producerId: number;
  producerEpoch: number; partitionLeaderEpoch: number; isTransactional: boolean; isControl: boolean; deleteHorizonMs: number | null;
  position: number; timestampType: string; maxTimestamp: number; size: number; magic: number; compressCodec: string; crc: number;
  isValid: boolean; records?: RecordInfo[];
}

/** Batch by batch, reading one batch at a time so a segment of any size needs little memory (as text). */
async function dumpSegment(file: string, options: { deep: boolean; printData: boolean; maxBytes: number }, io: CliIo,
  text: (line: string) => void, keep: boolean): Promise<Extract<FileDump, { batches: BatchInfo[] }>> {
  const handle = await open(file, 'r');
  const dump: Extract<FileDump, { batches: BatchInfo[] }> = { file, logStartOffset: baseOffsetOf(file), batches: [] };
  try {
    const size = Math.min((await handle.stat()).size, options.maxBytes);
    text(`Log starting offset: ${dump.logStartOffset}\n`);
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
        text(`Found a corrupt batch at position ${position}: ${(error as Error).message}\n`);
        dump.corruptBatch = { position, error: (error as Error).message };
        progress.done();
        return dump;
      }
      const info = batchInfo(batch, position, valid);
      const records = options.deep ? batch.records.map((r) => recordInfo(batch, r, options.printData)) : [];
      text(batchLine(info) + records.map(recordLine).join(''));
      if (keep) dump.batches.push(options.deep ? { ...info, records } : info);
      position += batchSize;
    }
    progress.done();
    if (position < size) {
      text(`Found ${size - position} invalid bytes at the end of ${basename(file)}\n`);
      dump.invalidBytes = size - position;
    }
    return dump;
  } finally {
    await handle.close();
  }
}

function batchInfo(b: RecordBatch, position: number, valid: boolean): BatchInfo {
  return {
    baseOffset: b.baseOffset, lastOffset: b.lastOffset, count: b.records.length, baseSequence: b.baseSequence,
    lastSequence: b.baseSequence < 0 ? -1 : b.baseSequence + b.lastOffsetDelta, producerId: b.producerId, producerEpoch: b.producerEpoch,
    partitionLeaderEpoch: b.partitionLeaderEpoch, isTransactional: b.isTransactional, isControl: b.isControl,
    deleteHorizonMs: b.hasDeleteHorizon ? b.baseTimestamp : null, position, timestampType: b.timestampType, maxTimestamp: b.maxTimestamp,
    size: b.sizeInBytes, magic: b.magic, compressCodec: CODEC_NAMES[b.compression] ?? String(b.compression), crc: b.crc >>> 0, isValid: valid,
  };
}

function batchLine(b: BatchInfo): string {
  return `baseOffset: ${b.baseOffset} lastOffset: ${b.lastOffset} count: ${b.count} baseSequence: ${b.baseSequence} ` +
    `lastSequence: ${b.lastSequence} producerId: ${b.producerId} producerEpoch: ${b.producerEpoch} partitionLeaderEpoch: ${b.partitionLeaderEpoch} ` +
    `isTransactional: ${b.isTransactional} isControl: ${b.isControl} ` +
    `deleteHorizonMs: ${b.deleteHorizonMs !== null ? `OptionalLong[${b.deleteHorizonMs}]` : 'OptionalLong.empty'} position: ${b.position} ` +
    `${b.timestampType}: ${b.maxTimestamp} size: ${b.size} magic: ${b.magic} compresscodec: ${b.compressCodec} ` +
    `crc: ${b.crc} isvalid: ${b.isValid}\n`;
}

function recordInfo(b: RecordBatch, r: RecordBatch['records'][number], printData: boolean): RecordInfo {
  const info: RecordInfo = {
    offset: r.offset, timestampType: b.timestampType, timestamp: r.timestamp, keySize: r.key?.length ?? -1, valueSize: r.value?.length ?? -1,
    sequence: b.baseSequence < 0 ? -1 : b.baseSequence + r.offsetDelta, headerKeys: r.headers.map((h) => h.key),
  };
  if (b.isControl && r.key !== null && r.key.length >= 4) info.endTxnMarker = r.key.readInt16BE(2) === 1 ? 'COMMIT' : 'ABORT';
  else if (printData) {
    if (r.key !== null) info.key = r.key.toString('utf8');
    if (r.value !== null) info.payload = r.value.toString('utf8');
  }
  return info;
}

function recordLine(r: RecordInfo): string {
  let line = `| offset: ${r.offset} ${r.timestampType}: ${r.timestamp} keySize: ${r.keySize} valueSize: ${r.valueSize} ` +
    `sequence: ${r.sequence} headerKeys: [${r.headerKeys.join(',')}]`;
  if (r.endTxnMarker !== undefined) line += ` endTxnMarker: ${r.endTxnMarker}`;
  if (r.key !== undefined) line += ` key: ${r.key}`;
  if (r.payload !== undefined) line += ` payload: ${r.payload}`;
  return line + '\n';
}
