import { crc32c } from '@node-rs/crc32';
import fs from 'node:fs';
import path from 'node:path';
import { ioError } from '../errors.ts';
import { offsetFileName, readInt64 } from '../file-io.ts';
import { NO_SEQUENCE, type ProducerStateEntry } from './producer-state-entry.ts';

/**
 * Producer state snapshots, `<offset>.snapshot` beside the segments, in Kafka's format (version 1)
 * so Kafka's tools read them:
 *
 *   version int16 (1) | crc uint32 (CRC-32C of everything after it) | count int32 | count x entry
 *   entry: producerId int64 | producerEpoch int16 | lastSequence int32 | lastOffset int64 |
 *          offsetDelta int32 | timestamp int64 | coordinatorEpoch int32 | currentTxnFirstOffset int64
 *
 * A snapshot at offset N is the state of the log's first N offsets. As in Kafka it keeps only each
 * producer's last batch, so after a restart a retry of one of the four batches before it is
 * refused as out of order rather than answered as a duplicate.
 */
const VERSION = 1;
const HEADER_BYTES = 2 + 4 + 4;
const ENTRY_BYTES = 8 + 2 + 4 + 8 + 4 + 8 + 4 + 8;
const SNAPSHOT_FILE = /^(\d{20})\.snapshot$/;

export function snapshotPath(dir: string, offset: number): string {
  return path.join(dir, offsetFileName(offset, '.snapshot'));
}

export function encodeSnapshot(entries: readonly ProducerStateEntry[]): Buffer {
  const buffer = Buffer.alloc(HEADER_BYTES + entries.length * ENTRY_BYTES);
  buffer.writeInt16BE(VERSION, 0);
  buffer.writeInt32BE(entries.length, 6);
  let at = HEADER_BYTES;
  for (const entry of entries) {
    const last = entry.batches[entry.batches.length - 1];
    buffer.writeBigInt64BE(BigInt(entry.producerId), at);
    buffer.writeInt16BE(entry.producerEpoch, at + 8);
    buffer.writeInt32BE(last?.lastSeq ?? NO_SEQUENCE, at + 10);
    buffer.writeBigInt64BE(BigInt(last?.lastOffset ?? -1), at + 14);
    buffer.writeInt32BE(last === undefined ? 0 : last.lastOffset - last.firstOffset, at + 22);
    buffer.writeBigInt64BE(BigInt(entry.lastTimestamp), at + 26);
    buffer.writeInt32BE(entry.coordinatorEpoch, at + 34);
    buffer.writeBigInt64BE(BigInt(entry.currentTxnFirstOffset), at + 38);
    at += ENTRY_BYTES;
  }
  buffer.writeUInt32BE(crc32c(buffer.subarray(6)), 2);
  return buffer;
}

/** The entries of a snapshot; undefined when the file is torn or corrupt (a crash while it was written). */
export function decodeSnapshot(buffer: Buffer): ProducerStateEntry[] | undefined {
  if (buffer.length < HEADER_BYTES || buffer.readInt16BE(0) !== VERSION) return undefined;
  const count = buffer.readInt32BE(6);
  if (count < 0 || buffer.length !== HEADER_BYTES + count * ENTRY_BYTES) return undefined;
  if (crc32c(buffer.subarray(6)) !== buffer.readUInt32BE(2)) return undefined;
  const entries: ProducerStateEntry[] = [];
  for (let at = HEADER_BYTES; at < buffer.length; at += ENTRY_BYTES) {
    const lastSeq = buffer.readInt32BE(at + 10);
    const lastOffset = readInt64(buffer, at + 14);
    const offsetDelta = buffer.readInt32BE(at + 22);
    const timestamp = readInt64(buffer, at + 26);
    entries.push({
      producerId: readInt64(buffer, at),
      producerEpoch: buffer.readInt16BE(at + 8),
      batches: lastOffset < 0 ? [] : [{ firstSeq: lastSeq - offsetDelta, lastSeq, firstOffset: lastOffset - offsetDelta, lastOffset, timestamp }],
      lastTimestamp: timestamp,
      coordinatorEpoch: buffer.readInt32BE(at + 34),
      currentTxnFirstOffset: readInt64(buffer, at + 38),
    });
  }
  return entries;
}

/** The offsets of the snapshots in `dir`, ascending. */
export function listSnapshots(dir: string): number[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch (cause) {
    throw ioError('list snapshots', dir, cause);
  }
  const offsets: number[] = [];
  for (const name of names) {
    const match = SNAPSHOT_FILE.exec(name);
    if (match !== null) offsets.push(Number(match[1]));
  }
  return offsets.sort((a, b) => a - b);
}

/**
 * Writes the snapshot at `offset`. Not fsynced: a snapshot lost or torn in a crash fails its CRC
 * and the state is rebuilt from an older one and the log, as Kafka's recovery does.
 */
export function writeSnapshot(dir: string, offset: number, entries: readonly ProducerStateEntry[]): void {
  const file = snapshotPath(dir, offset);
  try {
    fs.writeFileSync(file, encodeSnapshot(entries));
  } catch (cause) {
    throw ioError('write producer snapshot', file, cause);
  }
}

export function readSnapshot(dir: string, offset: number): ProducerStateEntry[] | undefined {
  const file = snapshotPath(dir, offset);
  try {
    return decodeSnapshot(fs.readFileSync(file));
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw ioError('read producer snapshot', file, cause);
  }
}

export function deleteSnapshot(dir: string, offset: number): void {
  const file = snapshotPath(dir, offset);
  try {
    fs.rmSync(file, { force: true });
  } catch (cause) {
    throw ioError('delete producer snapshot', file, cause);
  }
}
