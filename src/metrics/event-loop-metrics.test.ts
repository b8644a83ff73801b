import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { EVENT_LOOP_SAMPLE_MS, PROM_CLIENT_EVENT_LOOP_PRECISION_MS, registerEventLoopMetrics } from './event-loop-metrics.ts';

/** The value of an unlabelled sample in a text exposition. */
function value(text: string, name: string): number {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${name} `));
  assert.ok(line !== undefined, `${name} is in the scrape`);
  return Number(line.slice(name.length + 1));
}

test('event loop delay reads about 0 when idle and shows a stall in full, under prom-client\'s names, once each', async () => {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: PROM_CLIENT_EVENT_LOOP_PRECISION_MS });
  const monitor = registerEventLoopMetrics(registry);
  try {
    await sleep(EVENT_LOOP_SAMPLE_MS * 5);
    const idle = await registry.metrics();
    for (const name of ['nodejs_eventloop_lag_min_seconds', 'nodejs_eventloop_lag_p50_seconds']) {
      // prom-client's own reading would be the sampling interval itself (0.1 s) on an idle loop.
      assert.ok(value(idle, name) < EVENT_LOOP_SAMPLE_MS / 1000 / 2, `${name} on an idle loop: ${value(idle, name)}`);
    }
    for (const name of ['nodejs_eventloop_lag_min_seconds', 'nodejs_eventloop_lag_max_seconds', 'nodejs_eventloop_lag_mean_seconds', 'nodejs_eventloop_lag_stddev_seconds',
      'nodejs_eventloop_lag_p50_seconds', 'nodejs_eventloop_lag_p90_seconds', 'nodejs_eventloop_lag_p99_seconds']) {
      assert.equal(idle.split('\n').filter((line) => line.startsWith(`# TYPE ${name} `)).length, 1, `${name} is registered once`);
    }
    // Block the loop for 300 ms: the timer due during it fires that much late. (Node measures each
    // delay from the previous sample, and a reset forgets it: a stall must begin a sample after one.)
    await sleep(EVENT_LOOP_SAMPLE_MS * 2);
    const until = performance.now() + 300;
    while (performance.now() < until) { /* a stalled event loop */ }
    await sleep(EVENT_LOOP_SAMPLE_MS * 2);
    const stalled = await registry.metrics();
    assert.ok(value(stalled, 'nodejs_eventloop_lag_max_seconds') >= 0.15, `max after a 300 ms stall: ${value(stalled, 'nodejs_eventloop_lag_max_seconds')}`);
    // Each scrape covers the time since the previous one: the stall is gone from the next.
    await sleep(EVENT_LOOP_SAMPLE_MS * 3);
    const after = await registry.metrics();
    assert.ok(value(after, 'nodejs_eventloop_lag_max_seconds') < 0.15, `max a scrape later: ${value(after, 'nodejs_eventloop_lag_max_seconds')}`);
  } finally {
    monitor.disable();
  }
});
