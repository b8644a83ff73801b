import zookeeper from 'node-zookeeper-client';
import type { Client as RawClient } from 'node-zookeeper-client';

/**
 * ZooKeeper's own client gives up on a connection that has been silent for two thirds of the
 * session timeout and connects again, so a client cut off from ZooKeeper (a partition, a black-holed
 * route) notices in time and learns, once it reaches a server, whether its session survived.
 * node-zookeeper-client pings an idle connection but has no such read timeout: on a connection that
 * just stops answering it would wait for TCP to give up (many minutes) while ZooKeeper expires its
 * session. This adds the read timeout: a request is kept in flight every few ticks, and a connection
 * that leaves one unanswered for two thirds of the session timeout is closed, so the library
 * reconnects. Returns the function that stops the checks.
 */
export function enforceReadTimeout(raw: RawClient, sessionTimeoutMs: number): () => void {
  const socketOf = (): { destroy(): void } | undefined =>
    (raw as unknown as { connectionManager?: { socket?: { destroy(): void } } }).connectionManager?.socket;
  if (!('connectionManager' in raw)) throw new Error('node-zookeeper-client changed: no connectionManager to close a silent connection');
  const readTimeoutMs = Math.floor((sessionTimeoutMs * 2) / 3);
  let probeSentAt: number | undefined;
  const timer = setInterval(() => {
    if (raw.getState() !== zookeeper.State.SYNC_CONNECTED) {
      probeSentAt = undefined;
      return;
    }
    if (probeSentAt === undefined) {
      const sentAt = Date.now();
      probeSentAt = sentAt;
      // Any answer (an error included) shows the connection carries replies.
      raw.exists('/', () => { if (probeSentAt === sentAt) probeSentAt = undefined; });
    } else if (Date.now() - probeSentAt >= readTimeoutMs) {
      probeSentAt = undefined;
      socketOf()?.destroy();
    }
  }, Math.max(20, Math.floor(sessionTimeoutMs / 6)));
  timer.unref();
  return () => clearInterval(timer);
}
