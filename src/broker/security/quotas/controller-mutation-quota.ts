import { ErrorCode, KafkaError } from '../../../protocol/errors.ts';
import type { RequestContext } from '../../handlers/handler.ts';

/**
 * controller_mutation_rate (KIP-599) for one request: what CreateTopics, CreatePartitions and
 * DeleteTopics record their partitions against, once each topic has passed its checks and just
 * before it is changed. Kept for the life of one request only, as Kafka's ControllerMutationQuota.
 */
export interface ControllerMutationQuota {
  /**
   * Takes `partitions` mutations. A strict quota already exceeded refuses them: it throws
   * THROTTLING_QUOTA_EXCEEDED and the topic is left as it was.
   */
  record(partitions: number): void;
  /** How long the client must wait, counted from now (a request may answer long after it recorded). */
  throttleTimeMs(): number;
}

/** Kafka's Errors.THROTTLING_QUOTA_EXCEEDED message, which a topic refused by a strict quota carries. */
export const THROTTLING_QUOTA_EXCEEDED_MESSAGE = 'The throttling quota has been exceeded.';

/** No controller_mutation_rate set anywhere: nothing recorded, nothing refused. */
const UNBOUNDED: ControllerMutationQuota = Object.freeze({ record: () => {}, throttleTimeMs: () => 0 });

/**
 * The quota for a request of `apiVersion`, as Kafka's ControllerMutationQuotaManager.newQuotaFor:
 * strict from `strictSinceVersion` (the versions whose clients know THROTTLING_QUOTA_EXCEEDED), where
 * a mutation is refused once the token bucket is below zero but a bucket not yet below zero takes
 * any number (so one large topic still goes through), and only a refusal throttles; permissive
 * before it, where every mutation goes through and the client is throttled for as long as the
 * bucket stays below zero.
 */
export function controllerMutationQuotaFor(
  context: Pick<RequestContext, 'apiVersion' | 'clientId' | 'session' | 'broker'>,
  strictSinceVersion: number,
): ControllerMutationQuota {
  const manager = context.broker.quotas?.controllerMutation;
  if (manager === undefined || !manager.quotasEnabled) return UNBOUNDED;
  const { time } = context.broker;
  const user = context.session.principal.name;
  const clientId = context.clientId;
  const strict = context.apiVersion >= strictSinceVersion;
  let lastThrottleMs = 0;
  let lastRecordedMs = 0;
  return {
    record(partitions: number): void {
      const nowMs = time.now();
      if (strict) {
        const throttleMs = manager.throttleTimeIfExceeded(user, clientId, nowMs);
        if (throttleMs > 0) {
          lastThrottleMs = throttleMs;
          lastRecordedMs = nowMs;
          throw new KafkaError(ErrorCode.THROTTLING_QUOTA_EXCEEDED, THROTTLING_QUOTA_EXCEEDED_MESSAGE);
        }
        manager.recordNoThrottle(user, clientId, partitions, nowMs);
        return;
      }
      manager.recordNoThrottle(user, clientId, partitions, nowMs);
      const throttleMs = manager.throttleTimeIfExceeded(user, clientId, nowMs);
      if (throttleMs > 0) {
        lastThrottleMs = throttleMs;
        lastRecordedMs = nowMs;
      }
    },
    throttleTimeMs(): number {
      return Math.max(0, lastThrottleMs - (time.now() - lastRecordedMs));
    },
  };
}
