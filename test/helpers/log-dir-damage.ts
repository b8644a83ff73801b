/**
 * Damage to a stopped broker's log directory, the way a crash or a bad disk leaves it: a segment
 * cut mid-batch, flipped bytes inside a batch, missing or garbage index files, missing checkpoint
 * files. Paths follow Kafka's layout: `<log.dir>/<topic>-<partition>/<baseOffset, 20 digits>.log`.
 */
import { existsSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readSegmentBatches, type StoredBatch } from './log-segment.ts';
import type { SeededRandom } from './seeded-random.ts';

/** The files of the log dir that let a restart skip recovery; Kafka rebuilds what they say when they are missing. */
export const RECOVERY_FILES = ['recovery-point-offset-checkpoint', 'log-start-offset-checkpoint', '.kafka_cleanshutdown'] as const;
export const INDEX_SUFFIXES = ['.index', '.timeindex'] as const;

export interface Segment {
  baseOffset: number;
  logPath: string;
  batches: StoredBatch[];
}

export function partitionDir(logDir: string, topic: string, partition: number): string {
  return join(logDir, `${topic}-${partition}`);
}

/** The segments of a partition in offset order, with the whole batches each holds on disk. */
export async function segmentsOf(logDir: string, topic: string, partition: number): Promise<Segment[]> {
  const dir = partitionDir(logDir, topic, partition);
  const names = readdirSync(dir).filter((name) => /^\d{20}\.log$/.test(name)).sort();
  const segments: Segment[] = [];
  for (const name of names) {
    const logPath = join(dir, name);
    segments.push({ baseOffset: Number(name.slice(0, 20)), logPath, batches: await readSegmentBatches(logPath) });
  }
  return segments;
}

/** Cuts the file inside `batch`, as a crash in the middle of its write would. */
export function truncateMidBatch(logPath: string, batch: StoredBatch): void {
  truncateSync(logPath, batch.position + Math.floor(batchSize(logPath, batch) / 2));
}

/** Flips `count` bytes inside the records of `batch` (after its 61-byte header, inside the CRC's range). */
export function flipBytesInBatch(logPath: string, batch: StoredBatch, random: SeededRandom, count = 3): void {
  const bytes = readFileSync(logPath);
  const size = batchSize(logPath, batch);
  for (let i = 0; i < count; i++) {
    const at = batch.position + random.int(61, size - 1);
    bytes[at] = (bytes[at] ?? 0) ^ (1 + random.int(0, 254));
  }
  writeFileSync(logPath, bytes);
}

/** The .index / .timeindex files of a partition that exist. */
export function indexFiles(logDir: string, topic: string, partition: number): string[] {
  const dir = partitionDir(logDir, topic, partition);
  return readdirSync(dir).filter((name) => INDEX_SUFFIXES.some((suffix) => name.endsWith(suffix))).map((name) => join(dir, name));
}

export function deleteIndexFiles(logDir: string, topic: string, partition: number): string[] {
  const files = indexFiles(logDir, topic, partition);
  for (const file of files) rmSync(file);
  return files;
}

/**
 * Replaces every index file with random bytes: `wholeEntries` keeps the length a multiple of the
 * 8-byte (12 for .timeindex: 24 covers both) entry size, so only the content can give it away.
 */
export function garbleIndexFiles(logDir: string, topic: string, partition: number, random: SeededRandom, { wholeEntries = false } = {}): string[] {
  const files = indexFiles(logDir, topic, partition);
  for (const file of files) writeFileSync(file, random.bytes(wholeEntries ? 24 * random.int(1, 40) : 24 * random.int(1, 40) + 5));
  return files;
}

/** Removes the recovery point and log start checkpoints and the clean shutdown marker; returns those that existed. */
export function removeRecoveryFiles(logDir: string): string[] {
  const removed = RECOVERY_FILES.filter((name) => existsSync(join(logDir, name)));
  for (const name of removed) rmSync(join(logDir, name));
  return removed;
}

function batchSize(logPath: string, batch: StoredBatch): number {
  // StoredBatch has no size; the batchLength field at byte 8 gives it.
  const header = readFileSync(logPath).subarray(batch.position, batch.position + 12);
  return 12 + header.readInt32BE(8);
}
