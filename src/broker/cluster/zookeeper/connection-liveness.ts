import zookeeper from 'node-zookeeper-client';
import type { Client as RawClient } from 'node-zookeeper-client';

/** The library's internals this module reaches into: the socket of the current connection attempt. */
interface Internals {
  readonly connectionManager?: { readonly socket?: { destroy(): void } };
}

/**
 * The two timeouts of ZooKeeper's own client that node-zookeeper-client lacks. Each gives up on the
 * connection (destroys its socket) so that the library connects again, to the next server:
 *
 * - The connect timeout bounds the whole connect attempt, handshake included. The library times
 *   the TCP connect only, then waits without limit for the answer to its ConnectRequest: a server
 *   that accepts and never answers would hold the client for good, neither connected nor expired.
 *   ZooKeeper 3.8.0 (Debian's) does exactly that
 *   with a connection it accepts while it is starting (ZOOKEEPER-5051: its close fails on an NPE
 *   before the database is loaded and leaves the socket open and unread), so a broker reconnecting
 *   to a restarting ZooKeeper never learnt that its session expired and never registered again.
 *   Timed from the first attempt, so opening a session (a broker starting with ZooKeeper, a new
 *   session after an expiry) tries again within its connection timeout instead of waiting it out.
 *   ZooKeeper's client allows an attempt the session timeout over the number of servers; with one
 *   server that is the whole session, so a client caught by that connection lost its session to
 *   every such restart. A third of the session timeout at most (the ping interval; a healthy server
 *   answers a handshake in milliseconds) leaves it time to reconnect to the restarted server.
 * - The read timeout (two thirds of the session timeout) bounds the silence of an established
 *   connection. The library pings an idle connection but never notices that it stopped answering,
 *   and TCP takes many minutes to give up while ZooKeeper expires the session: a client cut off (a
 *   partition, a black-holed route) would learn too late. A request is kept in flight every few
 *   ticks; one left unanswered for the read timeout closes the connection.
 *
 * Started before the library connects; both follow the session timeout the server granted once it
 * has answered. Returns the function that stops the checks.
 */
export function watchConnection(raw: RawClient, serverCount: number): () => void {
  const internals = raw as unknown as Internals;
  if (internals.connectionManager === undefined) {
    throw new Error('node-zookeeper-client changed: no connectionManager to close a stalled connection');
  }
  let probeSentAt: number | undefined;
  // The connect attempt being timed: a new attempt is a new socket.
  let attempt: { socket: object | undefined; startedAt: number } | undefined;
  let timer: NodeJS.Timeout | undefined;

  const check = (): void => {
    const sessionTimeoutMs = raw.getSessionTimeout();
    const readTimeoutMs = Math.floor((sessionTimeoutMs * 2) / 3);
    const connectTimeoutMs = Math.floor(sessionTimeoutMs / Math.max(3, serverCount));
    const state = raw.getState();
    const now = Date.now();
    if (state === zookeeper.State.SYNC_CONNECTED || state === zookeeper.State.CONNECTED_READ_ONLY) {
      attempt = undefined;
      if (probeSentAt === undefined) {
        const sentAt = now;
        probeSentAt = sentAt;
        // Any answer (an error included) shows the connection carries replies.
        raw.exists('/', () => { if (probeSentAt === sentAt) probeSentAt = undefined; });
      } else if (now - probeSentAt >= readTimeoutMs) {
        probeSentAt = undefined;
        dropConnection(raw);
      }
    } else if (state === zookeeper.State.DISCONNECTED) {
      // The library is connecting (it tries again at once after every failed attempt).
      probeSentAt = undefined;
      const socket = internals.connectionManager?.socket;
      if (attempt === undefined || attempt.socket !== socket) attempt = { socket, startedAt: now };
      else if (now - attempt.startedAt >= connectTimeoutMs) dropConnection(raw);
    } else {
      // Expired or refused: the library is finished and the caller opens another client.
      probeSentAt = undefined;
      attempt = undefined;
    }
    timer = setTimeout(check, Math.max(20, Math.floor(Math.min(readTimeoutMs, connectTimeoutMs) / 4)));
    timer.unref();
  };
  check();
  return () => clearTimeout(timer);
}

/** Closes the library's current connection (a no-op when it has none open): it connects again unless closing. */
export function dropConnection(raw: RawClient): void {
  (raw as unknown as Internals).connectionManager?.socket?.destroy();
}
