import fs from 'node:fs';
import { ErrorCode } from '../protocol/errors.ts';
import type { LogEntry } from './future-logs.ts';
import type { LogDirInfo } from './log-manager-types.ts';

/**
 * DescribeLogDirs' view of the log dirs: each dir's space, and the size of every log in it. A future
 * log (AlterReplicaLogDirs moving its partition here) is listed with isFutureKey and, as its offset
 * lag, how far it is behind its current log (Kafka's getLogEndOffsetLag); a current log's lag is 0.
 */
export function describeLogDirs(logDirs: readonly string[], offline: ReadonlySet<string>, current: Iterable<LogEntry>, futures: Iterable<LogEntry>): LogDirInfo[] {
  const currentByName = new Map<string, LogEntry>();
  for (const entry of current) currentByName.set(`${entry.log.topic}-${entry.log.partition}`, entry);
  const partitions = new Map<string, LogDirInfo['partitions'][number][]>(logDirs.map((dir) => [dir, []]));
  for (const { log, logDir } of currentByName.values()) {
    if (!log.isClosed) partitions.get(logDir)?.push({ topic: log.topic, partition: log.partition, sizeInBytes: log.size, offsetLag: 0, isFutureKey: false });
  }
  for (const { log, logDir } of futures) {
    if (log.isClosed) continue;
    const source = currentByName.get(`${log.topic}-${log.partition}`)?.log;
    const offsetLag = source === undefined || source.isClosed ? 0 : Math.max(0, source.logEndOffset - log.logEndOffset);
    partitions.get(logDir)?.push({ topic: log.topic, partition: log.partition, sizeInBytes: log.size, offsetLag, isFutureKey: true });
  }
  return logDirs.map((logDir) => {
    if (offline.has(logDir)) return { logDir, errorCode: ErrorCode.KAFKA_STORAGE_ERROR, totalBytes: -1, usableBytes: -1, partitions: [] };
    let totalBytes = -1;
    let usableBytes = -1;
    try {
      const stats = fs.statfsSync(logDir);
      totalBytes = stats.blocks * stats.bsize;
      usableBytes = stats.bavail * stats.bsize;
    } catch {
      // Sizes unknown: reported as -1, as Kafka does when it cannot read them.
    }
    return { logDir, errorCode: ErrorCode.NONE, totalBytes, usableBytes, partitions: partitions.get(logDir) ?? [] };
  });
}

/**
 * Of the online dirs, the one holding the fewest logs (the first on a tie): where a new log goes,
 * as Kafka's nextLogDirs. With one dir there is no choice, and the logs are not counted.
 */
export function leastLoadedLogDir(online: readonly string[], logs: Iterable<{ readonly logDir: string }>): string {
  if (online.length === 1) return online[0]!;
  const counts = new Map(online.map((dir) => [dir, 0]));
  for (const { logDir } of logs) if (counts.has(logDir)) counts.set(logDir, counts.get(logDir)! + 1);
  return online.reduce((best, dir) => (counts.get(dir)! < counts.get(best)! ? dir : best));
}
