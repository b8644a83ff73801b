import { monitorEventLoopDelay, type ELDHistogram } from 'node:perf_hooks';
import { Gauge, type Registry } from 'prom-client';

/**
 * How often the event loop's delay is sampled, in ms. Each sample is a timer that wakes an idle
 * broker: at prom-client's 10 ms that was 6 ms of CPU a second on this project's 2-core VM (a
 * wake-up costs about 60 µs there), more than the rest of the metrics together on a lightly
 * loaded broker; at 100 ms it is under 1. A stall shorter than the interval still shows in full
 * when the timer is due during it.
 */
export const EVENT_LOOP_SAMPLE_MS = 100;

/**
 * prom-client's `eventLoopMonitoringPrecision` for collectDefaultMetrics: its own monitor, whose
 * readings include the sampling interval (an idle loop reads "10 ms of lag"), samples so rarely
 * that it costs nothing; registerEventLoopMetrics replaces its readings.
 */
export const PROM_CLIENT_EVENT_LOOP_PRECISION_MS = 2 ** 31 - 1;

/** The gauges prom-client's default metrics name for event loop delay, and the reading each takes. */
const READINGS: ReadonlyArray<readonly [name: string, help: string, read: (histogram: ELDHistogram) => number]> = [
  ['nodejs_eventloop_lag_min_seconds', 'The minimum recorded event loop delay.', (h) => h.min],
  ['nodejs_eventloop_lag_max_seconds', 'The maximum recorded event loop delay.', (h) => h.max],
  ['nodejs_eventloop_lag_mean_seconds', 'The mean of the recorded event loop delays.', (h) => h.mean],
  ['nodejs_eventloop_lag_stddev_seconds', 'The standard deviation of the recorded event loop delays.', (h) => h.stddev],
  ['nodejs_eventloop_lag_p50_seconds', 'The 50th percentile of the recorded event loop delays.', (h) => h.percentile(50)],
  ['nodejs_eventloop_lag_p90_seconds', 'The 90th percentile of the recorded event loop delays.', (h) => h.percentile(90)],
  ['nodejs_eventloop_lag_p99_seconds', 'The 99th percentile of the recorded event loop delays.', (h) => h.percentile(99)],
];

/**
 * Event loop delay under prom-client's names (after collectDefaultMetrics, whose gauges of the same
 * names it replaces), since the previous scrape: how late the sampling timer fired, without the
 * interval itself, so an idle loop reads about 0. Returns the monitor, to stop with the broker.
 */
export function registerEventLoopMetrics(registry: Registry): ELDHistogram {
  const histogram = monitorEventLoopDelay({ resolution: EVENT_LOOP_SAMPLE_MS });
  histogram.enable();
  const intervalNs = EVENT_LOOP_SAMPLE_MS * 1e6;
  // The last reading resets the histogram for the next scrape: the registry collects gauges in the
  // order they were registered.
  READINGS.forEach(([name, help, read], index) => {
    registry.removeSingleMetric(name);
    new Gauge({
      name, help, registers: [registry],
      collect() {
        // No sample yet (less than one interval since the last scrape): no delay seen.
        const delay = histogram.count === 0 ? 0 : name === 'nodejs_eventloop_lag_stddev_seconds' ? read(histogram) : Math.max(0, read(histogram) - intervalNs);
        this.set(Number.isFinite(delay) ? delay / 1e9 : 0);
        if (index === READINGS.length - 1) histogram.reset();
      },
    });
  });
  return histogram;
}
