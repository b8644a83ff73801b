import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SampledRate, TokenBucket, throttleTimeMs } from './rate.ts';
import { ClientQuotaManager } from './client-quota-manager.ts';
import { InMemoryClientQuotaConfigs } from './client-quota-entity.ts';
import { QuotaManagers } from './quota-managers.ts';

const WINDOW = { samples: 11, windowMs: 1000 };
const T0 = 1_700_000_000_000;

test('a young rate divides by samples - 1 whole windows, not by the time elapsed', () => {
  const rate = new SampledRate(WINDOW);
  rate.record(5000, T0);
  // 5000 over 10 s (10 windows assumed plus the current part), not over 1 ms.
  assert.equal(rate.windowSizeMs(T0), 10_000);
  assert.equal(rate.measure(T0), 500);
  rate.record(5000, T0 + 2500);
  assert.equal(rate.windowSizeMs(T0 + 2500), 10_500);
  assert.ok(Math.abs(rate.measure(T0 + 2500) - 10_000 / 10.5) < 1e-9);
});

test('a sample with no event for samples x window is forgotten', () => {
  const rate = new SampledRate(WINDOW);
  rate.record(11_000, T0);
  rate.record(100, T0 + 5000);
  assert.equal(rate.measure(T0 + 10_999), 11_100 / 10.999);
  // At 11 s the first sample's last event is a whole span old: only the later one is left.
  assert.equal(rate.measure(T0 + 11_000), 100 / 10);
});

test('throttle time is (observed - bound) / bound x window, as QuotaUtils.throttleTime', () => {
  assert.equal(throttleTimeMs(1500, 1000, 10_000), 5000);
  assert.equal(throttleTimeMs(1000.04, 1000, 10_000), 0);
});

test('a byte quota throttles the request that takes the rate past it, for the time that brings it back', () => {
  const manager = new ClientQuotaManager({ quotaType: 'Produce', window: WINDOW });
  manager.updateQuota({ clientId: 'app' }, 1000);
  // 10 s worth of quota at once is within it (the window is 10 s long at first).
  assert.equal(manager.recordAndGetThrottleTimeMs('ANONYMOUS', 'app', 10_000, T0), 0);
  // 5000 more: 15000 over 10 s = 1500/s, 50% over: 5 s brings it back to 1000/s over 15 s.
  assert.equal(manager.recordAndGetThrottleTimeMs('ANONYMOUS', 'app', 5000, T0), 5000);
  // Another client id has no quota.
  assert.equal(manager.recordAndGetThrottleTimeMs('ANONYMOUS', 'other', 1e9, T0), 0);
  // A young sensor's window stays 10 s long, so the rate is still over at 5 s (as in Kafka)...
  assert.ok(manager.recordAndGetThrottleTimeMs('ANONYMOUS', 'app', 10, T0 + 5000) > 0);
  // ...and the burst's sample is forgotten at 11 s.
  assert.equal(manager.recordAndGetThrottleTimeMs('ANONYMOUS', 'app', 10, T0 + 11_000), 0);
});

test('the request quota caps its throttle at one window; byte quotas do not', () => {
  const request = new ClientQuotaManager({ quotaType: 'Request', window: WINDOW, maxThrottleTimeMs: 1000 });
  request.updateQuota({ user: 'alice' }, 10);
  assert.equal(request.recordAndGetThrottleTimeMs('alice', 'c', 1000, T0), 1000);
  const fetch = new ClientQuotaManager({ quotaType: 'Fetch', window: WINDOW });
  fetch.updateQuota({ user: 'alice' }, 10);
  assert.equal(fetch.recordAndGetThrottleTimeMs('alice', 'c', 1000, T0), 90_000);
});

test('unrecording takes back a throttled fetch, and the window cap is quota x (samples - 1) windows', () => {
  const manager = new ClientQuotaManager({ quotaType: 'Fetch', window: WINDOW });
  assert.equal(manager.maxValueInQuotaWindow('u', 'c'), Number.POSITIVE_INFINITY);
  manager.updateQuota({ clientId: null }, 100);
  assert.equal(manager.maxValueInQuotaWindow('u', 'c'), 1000);
  assert.ok(manager.recordAndGetThrottleTimeMs('u', 'c', 2000, T0) > 0);
  manager.unrecord('u', 'c', 2000, T0);
  assert.equal(manager.recordAndGetThrottleTimeMs('u', 'c', 1000, T0), 0);
});

test('quotas apply by Kafka precedence: user+client, user+<default> client, user, <default> user+client, ..., <default> client', () => {
  const manager = new ClientQuotaManager({ quotaType: 'Produce', window: WINDOW });
  const levels = [
    [{ clientId: null }, 8],
    [{ clientId: 'app' }, 7],
    [{ user: null }, 6],
    [{ user: null, clientId: null }, 5],
    [{ user: null, clientId: 'app' }, 4],
    [{ user: 'alice' }, 3],
    [{ user: 'alice', clientId: null }, 2],
    [{ user: 'alice', clientId: 'app' }, 1],
  ] as const;
  // Set from least to most specific: each new level wins over all before it.
  for (const [entity, bound] of levels) {
    manager.updateQuota(entity, bound);
    assert.equal(manager.quota('alice', 'app'), bound, `after setting ${JSON.stringify(entity)}`);
  }
  // Removed from most to least specific: the next one applies again.
  for (const [entity, bound] of [...levels].reverse()) {
    assert.equal(manager.quota('alice', 'app'), bound);
    manager.updateQuota(entity, undefined);
  }
  assert.equal(manager.quota('alice', 'app'), Number.POSITIVE_INFINITY);
});

test('a user quota is shared by all its client ids; a <default> client quota is per client id', () => {
  const manager = new ClientQuotaManager({ quotaType: 'Produce', window: WINDOW });
  manager.updateQuota({ user: 'alice' }, 100);
  assert.equal(manager.recordAndGetThrottleTimeMs('alice', 'a', 1000, T0), 0);
  assert.ok(manager.recordAndGetThrottleTimeMs('alice', 'b', 1000, T0) > 0, 'client b shares alice\'s sensor');
  const clients = new ClientQuotaManager({ quotaType: 'Produce', window: WINDOW });
  clients.updateQuota({ clientId: null }, 100);
  assert.equal(clients.recordAndGetThrottleTimeMs('alice', 'a', 1000, T0), 0);
  assert.equal(clients.recordAndGetThrottleTimeMs('alice', 'b', 1000, T0), 0);
});

test('a changed quota applies to a client already measured', () => {
  const manager = new ClientQuotaManager({ quotaType: 'Produce', window: WINDOW });
  manager.updateQuota({ clientId: 'app' }, 1_000_000);
  assert.equal(manager.recordAndGetThrottleTimeMs('u', 'app', 20_000, T0), 0);
  manager.updateQuota({ clientId: 'app' }, 1000);
  assert.ok(manager.recordAndGetThrottleTimeMs('u', 'app', 1, T0 + 1) > 0);
});

test('the controller mutation quota is a token bucket: a burst up to samples x window x rate, then (-credits / rate) s', () => {
  const bucket = new TokenBucket(WINDOW);
  assert.equal(bucket.measure(5, T0), 55);
  bucket.record(60, 5, T0);
  assert.equal(bucket.measure(5, T0), -5);
  const manager = new ClientQuotaManager({ quotaType: 'ControllerMutation', window: WINDOW });
  manager.updateQuota({ user: null }, 2);
  assert.equal(manager.recordAndGetThrottleTimeMs('bob', 'admin', 30, T0), 0);
  // 22 credits at most; 30 taken: -8 left, 4 s to refill to zero.
  assert.equal(manager.throttleTimeIfExceeded('bob', 'admin', T0), 4000);
  assert.equal(manager.throttleTimeIfExceeded('bob', 'admin', T0 + 4000), 0);
});

test('the quota managers load the configs and follow their changes', async () => {
  const configs = new InMemoryClientQuotaConfigs();
  await configs.alterQuotas({ user: 'alice' }, { producer_byte_rate: 1024, consumer_byte_rate: 2048 }, []);
  const quotas = new QuotaManagers({ quotaWindowNum: 11, quotaWindowSizeSeconds: 1, configs });
  assert.equal(quotas.produce.quota('alice', 'x'), 1024);
  assert.equal(quotas.fetch.quota('alice', 'x'), 2048);
  assert.equal(quotas.request.quota('alice', 'x'), Number.POSITIVE_INFINITY);
  await configs.alterQuotas({ user: 'alice' }, { request_percentage: 50 }, ['producer_byte_rate']);
  assert.equal(quotas.produce.quota('alice', 'x'), Number.POSITIVE_INFINITY);
  assert.equal(quotas.request.quota('alice', 'x'), 50);
  assert.deepEqual(configs.quotasOf({ user: 'alice' }), { consumer_byte_rate: 2048, request_percentage: 50 });
});
