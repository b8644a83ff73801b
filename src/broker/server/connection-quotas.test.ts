import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConnectionQuotas, connectionQuotasConfig } from './connection-quotas.ts';
import type { Time, Timer } from '../time.ts';

const UNLIMITED = 2147483647;

function manualClock(start = 1_700_000_000_000): Time & { nowMs: number } {
  const clock = {
    nowMs: start,
    now: () => clock.nowMs,
    setTimeout: (): Timer => ({}),
    clearTimeout: () => {},
  };
  return clock;
}

const limits = (overrides: Partial<Parameters<typeof connectionQuotasConfig>[0]> = {}) => connectionQuotasConfig({
  maxConnections: UNLIMITED, maxConnectionsPerIp: UNLIMITED, maxConnectionsPerIpOverrides: '', maxConnectionCreationRate: UNLIMITED,
  quotaWindowNum: 11, quotaWindowSizeSeconds: 1, ...overrides,
}, 'INTERNAL');

test('an address past max.connections.per.ip or its override is rejected; a release makes room', () => {
  const quotas = new ConnectionQuotas(limits({ maxConnectionsPerIp: 2, maxConnectionsPerIpOverrides: '10.0.0.9:1, localhost:3' }), manualClock());
  assert.equal(quotas.admit('PLAINTEXT', '10.0.0.1'), 'accept');
  assert.equal(quotas.admit('PLAINTEXT', '::ffff:10.0.0.1'), 'accept');
  assert.equal(quotas.admit('PLAINTEXT', '10.0.0.1'), 'reject');
  assert.equal(quotas.connectionsFrom('10.0.0.1'), 2);
  assert.equal(quotas.admit('PLAINTEXT', '10.0.0.9'), 'accept');
  assert.equal(quotas.admit('PLAINTEXT', '10.0.0.9'), 'reject');
  for (let i = 0; i < 3; i++) assert.equal(quotas.admit('PLAINTEXT', '127.0.0.1'), 'accept');
  assert.equal(quotas.admit('PLAINTEXT', '127.0.0.1'), 'reject');
  quotas.release('PLAINTEXT', '10.0.0.1');
  assert.equal(quotas.admit('PLAINTEXT', '10.0.0.1'), 'accept');
});

test('max.connections holds a listener\'s slots, but not a protected inter-broker listener\'s; listener.name.<l>.max.connections holds one listener', () => {
  const quotas = new ConnectionQuotas(limits({
    maxConnections: 2, listenerOverrides: { CLIENTS: { 'max.connections': '1' } },
  }), manualClock());
  assert.equal(quotas.slotAvailable('CLIENTS'), true);
  quotas.admit('CLIENTS', '10.0.0.1');
  assert.equal(quotas.slotAvailable('CLIENTS'), false);
  assert.equal(quotas.slotAvailable('PLAINTEXT'), true);
  quotas.admit('PLAINTEXT', '10.0.0.2');
  assert.equal(quotas.slotAvailable('PLAINTEXT'), false);
  assert.equal(quotas.slotAvailable('INTERNAL'), true, 'the inter-broker listener is protected while others exist');
  quotas.release('PLAINTEXT', '10.0.0.2');
  assert.equal(quotas.slotAvailable('PLAINTEXT'), true);
});

test('max.connection.creation.rate makes accepting wait, at most one window', () => {
  const clock = manualClock();
  const quotas = new ConnectionQuotas(limits({ maxConnectionCreationRate: 2 }), clock);
  // 2 per second over a young 10 s window: 20 at once are within it, the 21st waits.
  for (let i = 0; i < 20; i++) assert.equal(quotas.recordCreation('PLAINTEXT'), 0);
  assert.equal(quotas.recordCreation('PLAINTEXT'), 500);
  for (let i = 0; i < 10; i++) quotas.recordCreation('PLAINTEXT');
  assert.equal(quotas.recordCreation('PLAINTEXT'), 1000, 'capped at quota.window.size.seconds');
  clock.nowMs += 12_000;
  assert.equal(quotas.recordCreation('PLAINTEXT'), 0);
});
