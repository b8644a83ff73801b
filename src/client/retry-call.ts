import { ErrorCode } from '../protocol/errors.ts';
import type { Cluster } from './cluster.ts';
import { KafkaClientError, nodeGoneOrMoved } from './errors.ts';

/**
 * Whether `error` is retried until default.api.timeout.ms: the broker asked is gone or is not the
 * one to ask (nodeGoneOrMoved). A client that has never reached any broker is the exception: with
 * every bootstrap server refusing, the likelier story is a wrong address, so it hears at once
 * rather than after a minute.
 */
export function retriesUntilDeadline(cluster: Cluster, error: KafkaClientError): boolean {
  return nodeGoneOrMoved(error) && (error.code !== ErrorCode.NETWORK_EXCEPTION || cluster.metadata.fetchedAtMs > 0);
}

/**
 * Runs one Admin call as Java's KafkaAdminClient runs its calls: when the broker it went to is
 * gone or is not the one to ask any more (a refused or lost connection, NOT_CONTROLLER,
 * NOT_LEADER_OR_FOLLOWER, a moved coordinator), the call is made again after a backoff
 * (retry.backoff.ms to retry.backoff.max.ms) and a metadata refresh, choosing its broker afresh,
 * until default.api.timeout.ms has passed. Any other error is the call's answer at once. `call`
 * must pick its broker (controller, leader, coordinator, any) inside, so a retry can pick another.
 */
export async function retryCall<T>(cluster: Cluster, call: () => Promise<T>, deadlineMs = Date.now() + cluster.defaultApiTimeoutMs): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (!(error instanceof KafkaClientError) || !retriesUntilDeadline(cluster, error)) throw error;
      const backoffMs = cluster.retryBackoff.backoff(attempt);
      if (Date.now() + backoffMs >= deadlineMs) throw error;
      await new Promise((resolve) => setTimeout(resolve, backoffMs));
      await cluster.refreshMetadata().catch(() => {});
    }
  }
}

/**
 * Java's admin `retryOnQuotaViolation` for CreateTopics, CreatePartitions and DeleteTopics: the
 * controller mutation quota refuses some of a call's topics with THROTTLING_QUOTA_EXCEEDED, and the
 * call goes again for those until default.api.timeout.ms. The broker mutes the connection for the
 * throttle, which spaces the attempts; `call` must send only what is still to do.
 */
export async function retryQuotaViolations(cluster: Cluster, call: () => Promise<void>): Promise<void> {
  const deadlineMs = Date.now() + cluster.defaultApiTimeoutMs;
  for (;;) {
    try {
      return await retryCall(cluster, call, deadlineMs);
    } catch (error) {
      if (!(error instanceof KafkaClientError) || error.code !== ErrorCode.THROTTLING_QUOTA_EXCEEDED || Date.now() >= deadlineMs) throw error;
    }
  }
}
