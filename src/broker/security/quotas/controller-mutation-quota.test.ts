import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode, KafkaError } from '../../../protocol/errors.ts';
import { ClientQuotaManager } from './client-quota-manager.ts';
import { controllerMutationQuotaFor, THROTTLING_QUOTA_EXCEEDED_MESSAGE } from './controller-mutation-quota.ts';
import type { QuotaManagers } from './quota-managers.ts';
import type { RequestContext } from '../../handlers/handler.ts';
import { ANONYMOUS } from '../kafka-principal.ts';

const T0 = 1_700_000_000_000;

/** A request of `apiVersion` from client id `app`, on a broker whose clock the test moves. */
function requestAt(manager: ClientQuotaManager | undefined, clock: { nowMs: number }, apiVersion: number) {
  const quotas = manager === undefined ? undefined : ({ controllerMutation: manager } as unknown as QuotaManagers);
  const broker = { quotas, time: { now: () => clock.nowMs } } as unknown as RequestContext['broker'];
  return { apiVersion, clientId: 'app', session: { principal: ANONYMOUS } as RequestContext['session'], broker };
}

/** 2 partitions a second over 2 windows of 1 s: a bucket of 4. */
function mutationManager(): ClientQuotaManager {
  const manager = new ClientQuotaManager({ quotaType: 'ControllerMutation', window: { samples: 2, windowMs: 1000 } });
  manager.updateQuota({ clientId: 'app' }, 2);
  return manager;
}

function refused(error: unknown): boolean {
  return error instanceof KafkaError && error.code === ErrorCode.THROTTLING_QUOTA_EXCEEDED && error.message === THROTTLING_QUOTA_EXCEEDED_MESSAGE;
}

test('a strict quota takes any amount while credits are left, then refuses and throttles until they are back to zero', () => {
  const manager = mutationManager();
  const clock = { nowMs: T0 };
  const quota = controllerMutationQuotaFor(requestAt(manager, clock, 6), 6);
  quota.record(10);
  assert.equal(quota.throttleTimeMs(), 0, 'nothing refused, nothing throttled');
  // 4 - 10 = -6 credits: 3 s to refill to zero.
  assert.throws(() => quota.record(1), refused);
  assert.equal(quota.throttleTimeMs(), 3000);
  clock.nowMs += 1000;
  assert.equal(quota.throttleTimeMs(), 2000, 'counted from now');
  // The next request finds 2 s of refill left, and takes again once the credits are back at zero.
  assert.throws(() => controllerMutationQuotaFor(requestAt(manager, clock, 6), 6).record(1), refused);
  clock.nowMs += 2000;
  controllerMutationQuotaFor(requestAt(manager, clock, 6), 6).record(1);
});

test('a permissive quota takes every mutation and throttles once the credits are below zero', () => {
  const manager = mutationManager();
  const clock = { nowMs: T0 };
  const quota = controllerMutationQuotaFor(requestAt(manager, clock, 5), 6);
  quota.record(4);
  assert.equal(quota.throttleTimeMs(), 0);
  quota.record(3);
  quota.record(3);
  assert.equal(quota.throttleTimeMs(), 3000);
});

test('without controller_mutation_rate nothing is recorded or refused', () => {
  const clock = { nowMs: T0 };
  const none = controllerMutationQuotaFor(requestAt(undefined, clock, 6), 6);
  none.record(1e6);
  assert.equal(none.throttleTimeMs(), 0);
  const unset = new ClientQuotaManager({ quotaType: 'ControllerMutation', window: { samples: 2, windowMs: 1000 } });
  const quota = controllerMutationQuotaFor(requestAt(unset, clock, 6), 6);
  quota.record(1e6);
  quota.record(1);
  assert.equal(quota.throttleTimeMs(), 0);
});

test('a client with no quota of its own while others have one keeps a full bucket for a quota set later', () => {
  const manager = mutationManager();
  const clock = { nowMs: T0 };
  const other = { ...requestAt(manager, clock, 6), clientId: 'other' };
  controllerMutationQuotaFor(other, 6).record(100);
  controllerMutationQuotaFor(other, 6).record(100);
  manager.updateQuota({ clientId: 'other' }, 2);
  const quota = controllerMutationQuotaFor(other, 6);
  quota.record(4);
  quota.record(1);
  assert.throws(() => quota.record(1), refused);
});

test('a rate quota tells its throttle without recording', () => {
  const manager = new ClientQuotaManager({ quotaType: 'Request', window: { samples: 2, windowMs: 1000 }, maxThrottleTimeMs: 1000 });
  manager.updateQuota({ clientId: 'app' }, 10);
  assert.equal(manager.throttleTimeIfExceeded('ANONYMOUS', 'app', T0), 0);
  // 15 over the young window of 1 s: 50% over, 500 ms.
  manager.recordNoThrottle('ANONYMOUS', 'app', 15, T0);
  assert.equal(manager.throttleTimeIfExceeded('ANONYMOUS', 'app', T0), 500);
  assert.equal(manager.throttleTimeIfExceeded('ANONYMOUS', 'app', T0), 500, 'asking records nothing');
  manager.recordNoThrottle('ANONYMOUS', 'app', 100, T0);
  assert.equal(manager.throttleTimeIfExceeded('ANONYMOUS', 'app', T0), 1000, 'capped at the maximum');
  assert.equal(manager.throttleTimeIfExceeded('ANONYMOUS', 'elsewhere', T0), 0);
});
