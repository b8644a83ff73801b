import fs from 'node:fs';
import { writeFileAtomically } from './file-io.ts';

/** Kafka's checkpoint file names in every log dir. */
export const RECOVERY_POINT_CHECKPOINT = 'recovery-point-offset-checkpoint';
export const LOG_START_OFFSET_CHECKPOINT = 'log-start-offset-checkpoint';
/** Each partition's high watermark (Kafka's ReplicaManager writes it; the offsets are the broker's). */
export const REPLICATION_OFFSET_CHECKPOINT = 'replication-offset-checkpoint';

export interface PartitionOffset {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
}

/**
 * Kafka's checkpoint text format (CheckpointFile), shared by every checkpoint it keeps:
 *   line 1: version, "0"
 *   line 2: number of entries
 *   then one line per entry, each ended by "\n"
 * Written to `<file>.tmp`, fsynced, renamed over the file and the directory fsynced, so a crash
 * leaves either the old or the new file, never a mix.
 */
export function writeCheckpointLines(file: string, lines: readonly string[]): void {
  writeFileAtomically(file, checkpointText(lines), 'write checkpoint');
}

/** The text of a checkpoint with these entry lines. */
export function checkpointText(lines: readonly string[]): string {
  return `0\n${lines.length}\n${lines.length === 0 ? '' : `${lines.join('\n')}\n`}`;
}

/** The text of an offset checkpoint with these entries. */
export function offsetCheckpointText(entries: Iterable<PartitionOffset>): string {
  const lines: string[] = [];
  for (const { topic, partition, offset } of entries) lines.push(`${topic} ${partition} ${offset}`);
  return checkpointText(lines);
}

/** The entry lines of a checkpoint's text, or undefined when its version or count is wrong. */
export function parseCheckpointLines(text: string): string[] | undefined {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  if (lines.length < 2 || lines[0] !== '0' || !/^\d+$/.test(lines[1])) return undefined;
  if (lines.length !== Number(lines[1]) + 2) return undefined;
  return lines.slice(2);
}

/**
 * Kafka's offset checkpoint files (recovery-point-offset-checkpoint, log-start-offset-checkpoint,
 * replication-offset-checkpoint):
 * the checkpoint format above with one line per partition, "<topic> <partition> <offset>" (topic
 * names have no spaces).
 */
export function writeOffsetCheckpoint(file: string, entries: Iterable<PartitionOffset>): void {
  writeFileAtomically(file, offsetCheckpointText(entries), 'write checkpoint');
}

/**
 * Entries keyed `<topic>-<partition>`. A missing, unreadable or malformed file reads as empty:
 * callers then treat every offset as 0 (recover everything, start at the first segment), which is
 * always safe, so a damaged checkpoint never stops the broker from starting.
 */
export function readOffsetCheckpoint(file: string): { offsets: Map<string, number>; valid: boolean } {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return { offsets: new Map(), valid: false };
  }
  const offsets = parseOffsetCheckpoint(text);
  return offsets === undefined ? { offsets: new Map(), valid: false } : { offsets, valid: true };
}

export function parseOffsetCheckpoint(text: string): Map<string, number> | undefined {
  const lines = parseCheckpointLines(text);
  if (lines === undefined) return undefined;
  const offsets = new Map<string, number>();
  for (const line of lines) {
    const match = /^(\S+) (\d+) (\d+)$/.exec(line);
    if (match === null) return undefined;
    const offset = Number(match[3]);
    if (!Number.isSafeInteger(offset)) return undefined;
    offsets.set(`${match[1]}-${Number(match[2])}`, offset);
  }
  return offsets;
}
