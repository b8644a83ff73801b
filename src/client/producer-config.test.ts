import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ProducerConfigError, resolveIdempotence } from './producer-config.ts';

test('idempotence is on by default, with acks=all', () => {
  assert.deepEqual(resolveIdempotence({}), { acks: -1, idempotent: true, transactionalId: null, transactionTimeoutMs: 60_000 });
  assert.equal(resolveIdempotence({ acks: 'all', maxInFlightRequestsPerConnection: 5, retries: 3 }).idempotent, true);
});

test('a default idempotence that other settings contradict is off silently, as in Java', () => {
  assert.deepEqual(resolveIdempotence({ acks: 1 }), { acks: 1, idempotent: false, transactionalId: null, transactionTimeoutMs: 60_000 });
  assert.equal(resolveIdempotence({ acks: 0 }).idempotent, false);
  assert.equal(resolveIdempotence({ maxInFlightRequestsPerConnection: 6 }).idempotent, false);
  assert.equal(resolveIdempotence({ retries: 0 }).idempotent, false);
  assert.equal(resolveIdempotence({ enableIdempotence: false }).idempotent, false);
});

test('enable.idempotence=true with a contradicting setting is a config error naming it', () => {
  const refused = (options: Parameters<typeof resolveIdempotence>[0], message: RegExp): void => {
    assert.throws(() => resolveIdempotence({ enableIdempotence: true, ...options }), (e: unknown) => e instanceof ProducerConfigError && message.test(e.message));
  };
  refused({ acks: 1 }, /^Must set acks to all in order to use the idempotent producer/);
  refused({ maxInFlightRequestsPerConnection: 6 }, /^Must set max.in.flight.requests.per.connection to at most 5/);
  refused({ retries: 0 }, /^Must set retries to non-zero/);
});

test('a transactional.id needs idempotence; transaction.timeout.ms is taken as given', () => {
  assert.deepEqual(resolveIdempotence({ transactionalId: 'tx', transactionTimeoutMs: 10_000 }),
    { acks: -1, idempotent: true, transactionalId: 'tx', transactionTimeoutMs: 10_000 });
  const message = /Cannot set a transactional.id without also enabling idempotence.$/;
  assert.throws(() => resolveIdempotence({ transactionalId: 'tx', enableIdempotence: false }), message);
  // acks=1 turns the default off, and then the transactional id has no idempotence to stand on.
  assert.throws(() => resolveIdempotence({ transactionalId: 'tx', acks: 1 }), message);
  assert.throws(() => resolveIdempotence({ transactionalId: 'tx', transactionTimeoutMs: 0 }), /transaction.timeout.ms/);
  assert.throws(() => resolveIdempotence({ acks: 2 as 1 }), /acks must be/);
});
