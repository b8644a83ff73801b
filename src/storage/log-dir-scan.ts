import fs from 'node:fs';
import path from 'node:path';
import { LOG_START_OFFSET_CHECKPOINT, readOffsetCheckpoint, RECOVERY_POINT_CHECKPOINT, REPLICATION_OFFSET_CHECKPOINT } from './checkpoint-file.ts';
import { ioError } from './errors.ts';
import type { FoundFutureLog, OpenLogOptions } from './future-logs.ts';
import type { LogConfig } from './log-config.ts';
import { CLEAN_SHUTDOWN_FILE, DELETE_SUFFIX, FUTURE_SUFFIX, logDirName, parseSuffixedLogDirName, parseTopicPartition } from './log-dir-names.ts';
import { ensureMetaProperties } from './meta-properties.ts';

/** What a log dir holds at start (log-dir-names.ts), with what opening each log takes from the dir's checkpoints. */
export interface LogDirScan {
  /** `.kafka_cleanshutdown` was there: no log needs recovery. */
  readonly cleanShutdown: boolean;
  readonly logs: readonly OpenLogOptions[];
  readonly futures: readonly FoundFutureLog[];
  /** Names of the `-delete` directories, to be removed. */
  readonly deleting: readonly string[];
  /** replication-offset-checkpoint, by `<topic>-<partition>`. */
  readonly highWatermarks: ReadonlyMap<string, number>;
}

/**
 * Creates the log dir if needed, checks or writes its meta.properties and lists its partition
 * directories. Missing or unreadable checkpoints read as empty: everything is recovered.
 */
export function scanLogDir(logDir: string, identity: { clusterId: string; nodeId: number }, configFor: (topic: string) => LogConfig): LogDirScan {
  let entries: fs.Dirent[];
  try {
    fs.mkdirSync(logDir, { recursive: true });
    ensureMetaProperties(logDir, identity);
    entries = fs.readdirSync(logDir, { withFileTypes: true });
  } catch (cause) {
    throw ioError('load log dir', logDir, cause);
  }
  const cleanShutdown = fs.existsSync(path.join(logDir, CLEAN_SHUTDOWN_FILE));
  const logStartOffsets = readOffsetCheckpoint(path.join(logDir, LOG_START_OFFSET_CHECKPOINT)).offsets;
  const recoveryPoints = readOffsetCheckpoint(path.join(logDir, RECOVERY_POINT_CHECKPOINT)).offsets;
  const highWatermarks = readOffsetCheckpoint(path.join(logDir, REPLICATION_OFFSET_CHECKPOINT)).offsets;
  // A future log's offsets are kept under its partition's name, as a current log's.
  const opening = (topic: string, partition: number) => ({
    logDir, topic, partition, config: configFor(topic), recover: !cleanShutdown,
    logStartOffset: logStartOffsets.get(logDirName(topic, partition)), recoveryPoint: recoveryPoints.get(logDirName(topic, partition)) ?? 0,
  });
  const logs: OpenLogOptions[] = [];
  const futures: FoundFutureLog[] = [];
  const deleting: string[] = [];
  for (const entry of entries) {
    if (!entry.isDirectory()) continue;
    if (entry.name.endsWith(DELETE_SUFFIX)) {
      deleting.push(entry.name);
      continue;
    }
    const future = parseSuffixedLogDirName(entry.name, FUTURE_SUFFIX);
    if (future !== undefined) {
      futures.push({ ...opening(future.topic, future.partition), name: entry.name, uuid: future.uuid });
      continue;
    }
    const parsed = parseTopicPartition(entry.name);
    if (parsed !== undefined) logs.push({ ...opening(parsed.topic, parsed.partition), dir: path.join(logDir, entry.name) });
  }
  return { cleanShutdown, logs, futures, deleting, highWatermarks };
}
