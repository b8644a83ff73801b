import { monitorEventLoopDelay } from 'node:perf_hooks';

/** The environment variable that turns the event-loop delay report on. */
export const EVENT_LOOP_STATS_ENV = 'SAMSA_EVENT_LOOP_STATS';
/** The signal that asks for a report; Node keeps SIGUSR1 for its inspector. */
export const EVENT_LOOP_STATS_SIGNAL = 'SIGUSR2';
/** Each report is one stderr line: this tag, a space, then JSON. */
export const EVENT_LOOP_STATS_TAG = 'SAMSA_EVENT_LOOP_STATS';

export interface EventLoopStats {
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  readonly meanMs: number;
  /** Samples taken since the last report: one per millisecond the loop was free to take one. */
  readonly samples: number;
}

/**
 * How long the broker's one event loop was kept from running: what every connection, heartbeat and
 * timer waits when something (an fsync, a read that misses the page cache) blocks it. Off unless
 * SAMSA_EVENT_LOOP_STATS is set, since sampling every millisecond costs a timer. Then each
 * SIGUSR2, and the exit, write the histogram since the last report to stderr and start a new one,
 * so a benchmark can bracket each phase it drives. Returns the function that stops it.
 */
export function reportEventLoopDelayOnSignal(env: NodeJS.ProcessEnv, write: (line: string) => void): () => void {
  if (env[EVENT_LOOP_STATS_ENV] === undefined || env[EVENT_LOOP_STATS_ENV] === '' || env[EVENT_LOOP_STATS_ENV] === '0') return () => {};
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  histogram.enable();
  const report = (): void => {
    const toMs = (ns: number): number => Math.round(ns / 1e3) / 1e3;
    const stats: EventLoopStats = {
      p50Ms: toMs(histogram.percentile(50)),
      p99Ms: toMs(histogram.percentile(99)),
      maxMs: toMs(histogram.max),
      meanMs: toMs(histogram.mean),
      samples: histogram.count,
    };
    write(`${EVENT_LOOP_STATS_TAG} ${JSON.stringify(stats)}\n`);
    histogram.reset();
  };
  process.on(EVENT_LOOP_STATS_SIGNAL, report);
  return () => {
    process.off(EVENT_LOOP_STATS_SIGNAL, report);
    report();
    histogram.disable();
  };
}
