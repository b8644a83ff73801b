import type { Time } from '../time.ts';

/**
 * How long each topic of a CreateTopics, CreatePartitions or DeleteTopics request may still wait
 * for the controller's outcome in a cluster: all of them share the request's one timeoutMs, and a
 * timeout of 0 or less answers at once without waiting, as Kafka's ZkAdminManager does.
 */
export function adminWait(timeoutMs: number, time: Time): () => number {
  const deadline = time.now() + timeoutMs;
  return () => (timeoutMs <= 0 ? 0 : Math.max(1, deadline - time.now()));
}
