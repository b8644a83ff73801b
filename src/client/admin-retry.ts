import type { Cluster } from './cluster.ts';
import { KafkaClientError, nodeGoneOrMoved } from './errors.ts';

/**
 * Runs one Admin call as Java's KafkaAdminClient runs its calls: when the broker it went to is
 * gone or is not the one to ask any more (a refused or lost connection, NOT_CONTROLLER,
 * NOT_LEADER_OR_FOLLOWER, a moved coordinator), the metadata is refreshed and the call made
 * again, choosing its broker afresh, backing off (retry.backoff.ms to retry.backoff.max.ms), until
 * default.api.timeout.ms has passed. Any other error is the call's answer at once. `call` must
 * pick its broker (controller, leader, coordinator, any) inside, so a retry can pick another.
 */
export async function retryCall<T>(cluster: Cluster, call: () => Promise<T>, deadlineMs = Date.now() + cluster.defaultApiTimeoutMs): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (!(error instanceof KafkaClientError) || !nodeGoneOrMoved(error)) throw error;
      const backoffMs = cluster.retryBackoff.backoff(attempt);
      if (Date.now() + backoffMs >= deadlineMs) throw error;
      await new Promise((resolve) => setTimeout(resolve, backoffMs));
      await cluster.refreshMetadata().catch(() => {});
    }
  }
}
