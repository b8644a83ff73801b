import type { LogManager } from '../storage/log-manager.ts';
import { LogRetention } from '../storage/log-retention.ts';
import { LogCleaner } from '../storage/cleaner/log-cleaner.ts';
import type { BrokerConfig } from './config.ts';
import type { Logger } from './logger.ts';
import type { ReplicaManager } from './replica/replica-manager.ts';
import type { Time } from './time.ts';

/** The longest the broker goes between flush.ms checks. */
const FLUSH_CHECK_INTERVAL_MS = 1000;

/** The broker's background work on its logs: flushes and checkpoints, retention, the cleaner. */
export interface LogMaintenance {
  /** Stops retention and the cleaner; the log manager's own tasks stop when it closes. */
  stop(): void;
}

/** Starts the background work on the logs, once the broker serves (Kafka's LogManager.startup). */
export function startLogMaintenance({ config, logManager, replicaManager, time, logger }: {
  config: BrokerConfig; logManager: LogManager; replicaManager: ReplicaManager; time: Time; logger: Logger;
}): LogMaintenance {
  logManager.startPeriodicTasks({
    // Kafka's scheduler checks flush.ms every log.flush.scheduler.interval.ms; "never" still needs a
    // check when a topic sets flush.ms, so the check runs at least every second.
    flushCheckIntervalMs: Math.min(config.logFlushSchedulerIntervalMs, FLUSH_CHECK_INTERVAL_MS),
    recoveryPointCheckpointIntervalMs: config.logFlushOffsetCheckpointIntervalMs,
    logStartOffsetCheckpointIntervalMs: config.logFlushStartOffsetCheckpointIntervalMs,
    highWatermarkCheckpointIntervalMs: config.replicaHighWatermarkCheckpointIntervalMs,
    producerIdExpiration: { expirationMs: config.producerIdExpirationMs, checkIntervalMs: config.producerIdExpirationCheckIntervalMs },
  });
  const retention = new LogRetention({ logs: () => replicaManager.retentionTargets(), now: () => time.now(), logger });
  const timers = [setInterval(() => retention.runOnce(), config.logRetentionCheckIntervalMs)];
  for (const timer of timers) timer.unref();
  const cleaner = new LogCleaner({
    logs: () => replicaManager.cleanerEntries(),
    config: { dedupeBufferSize: config.logCleanerDedupeBufferSize, backoffMs: config.logCleanerBackoffMs },
    now: () => time.now(),
    onError: (log, error) => logger.error({ err: error, log: `${log.topic}-${log.partition}` }, 'log cleaning failed; the log is skipped until restart'),
  });
  if (config.logCleanerEnable) cleaner.start();
  return {
    stop() {
      for (const timer of timers) clearInterval(timer);
      cleaner.stop();
    },
  };
}
