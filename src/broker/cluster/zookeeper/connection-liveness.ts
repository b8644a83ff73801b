import zookeeper from 'node-zookeeper-client';
import type { Client as RawClient } from 'node-zookeeper-client';

/**
 * The two timeouts of ZooKeeper's own client (ClientCnxn) that node-zookeeper-client lacks:
 * - read timeout: a connected client gives up on a connection that has been silent for two thirds
 *   of the session timeout and connects again, so a client cut off from ZooKeeper (a partition, a
 *   black-holed route) notices in time and learns, once it reaches a server, whether its session
 *   survived. The library pings an idle connection but would wait for TCP to give up (many minutes)
 *   on one that just stops answering, while ZooKeeper expires its session.
 * - connect timeout: a connection whose TCP handshake succeeded but whose ConnectRequest has no
 *   answer within session timeout / number of servers is given up too. The library stops its own
 *   timer at the TCP handshake and would wait forever. A ZooKeeper server that is starting accepts
 *   connections before it serves; 3.8.0 (Debian's) can fail to close one it refuses (an NPE in
 *   NIOServerCnxn.close while its database is not loaded yet), leaving it open and silent. A client
 *   stuck on it never learns that its session expired, so its broker never registers again and the
 *   controller counts it dead for good.
 * A request is kept in flight every few ticks while connected; a connection that leaves one
 * unanswered past the read timeout, or that never answers the ConnectRequest, is closed, so the
 * library reconnects. Returns the function that stops the checks.
 */
interface LibraryInternals {
  readonly connectionManager?: {
    readonly state?: number;
    readonly connectTimeout?: number;
    readonly socket?: { destroy(): void; readonly connecting?: boolean; readonly destroyed?: boolean };
  };
}

/** node-zookeeper-client's ConnectionManager.STATES.CONNECTING: a socket open or opening, no session answer yet. */
const LIBRARY_CONNECTING = 1;

export function enforceReadTimeout(raw: RawClient, sessionTimeoutMs: number): () => void {
  if (!('connectionManager' in raw)) throw new Error('node-zookeeper-client changed: no connectionManager to close a silent connection');
  const manager = (): LibraryInternals['connectionManager'] => (raw as unknown as LibraryInternals).connectionManager;
  const readTimeoutMs = Math.floor((sessionTimeoutMs * 2) / 3);
  let probeSentAt: number | undefined;
  let handshake: { socket: object; since: number } | undefined;
  const timer = setInterval(() => {
    const now = Date.now();
    if (raw.getState() !== zookeeper.State.SYNC_CONNECTED) {
      probeSentAt = undefined;
      checkConnectAnswered(now);
      return;
    }
    handshake = undefined;
    if (probeSentAt === undefined) {
      const sentAt = now;
      probeSentAt = sentAt;
      // Any answer (an error included) shows the connection carries replies.
      raw.exists('/', () => { if (probeSentAt === sentAt) probeSentAt = undefined; });
    } else if (now - probeSentAt >= readTimeoutMs) {
      probeSentAt = undefined;
      manager()?.socket?.destroy();
    }
  }, Math.max(20, Math.floor(sessionTimeoutMs / 6)));
  timer.unref();

  /** The same TCP connection waiting for its ConnectResponse past the connect timeout is closed. */
  function checkConnectAnswered(now: number): void {
    const current = manager();
    const socket = current?.socket;
    if (current?.state !== LIBRARY_CONNECTING || socket === undefined || socket.connecting !== false || socket.destroyed === true) {
      handshake = undefined;
      return;
    }
    if (handshake?.socket !== socket) {
      handshake = { socket, since: now };
      return;
    }
    const connectTimeoutMs = current.connectTimeout ?? sessionTimeoutMs;
    if (now - handshake.since >= connectTimeoutMs) {
      handshake = undefined;
      socket.destroy();
    }
  }
  return () => clearInterval(timer);
}
