import type { Socket } from 'node:net';
import type { Logger } from '../logger.ts';
import { normalizeAddress, type ConnectionQuotas } from './connection-quotas.ts';

/**
 * One listener's acceptor under the broker's ConnectionQuotas, as Kafka's Acceptor: new
 * connections are taken in order; the first waits while the creation rate asks it to or while
 * the listener or the broker is at max.connections, and those after it wait behind it, as they
 * would in the kernel's accept queue. Up to `backlog` (socket.listen.backlog.size) wait, unread;
 * more are closed, as a full accept queue refuses them. A connection from an address at its
 * max.connections.per.ip is closed at once. Waiting connections cost a socket and nothing else:
 * none is read until admitted, so a flood cannot take the broker's time from the admitted ones.
 */
export class AcceptGate {
  readonly #quotas: ConnectionQuotas;
  readonly #listenerName: string;
  readonly #logger: Logger;
  readonly #backlog: number;
  readonly #waiting: Array<{ socket: Socket; admit: () => void }> = [];
  /** Admitted sockets and the address they were counted under. */
  readonly #admitted = new WeakMap<Socket, string>();
  readonly #unsubscribe: () => void;
  /** Set while the head of the queue waits out a creation-rate throttle. */
  #cancelWait: (() => void) | undefined;
  /** The head of the queue was counted against the creation rates already. */
  #headRecorded = false;
  #closed = false;

  constructor(options: { quotas: ConnectionQuotas; listenerName: string; logger: Logger; backlog: number }) {
    this.#quotas = options.quotas;
    this.#listenerName = options.listenerName;
    this.#logger = options.logger;
    this.#backlog = options.backlog;
    this.#unsubscribe = this.#quotas.onRelease(() => this.#drain());
  }

  /** Whether the socket was admitted (and counted) already. */
  admitted(socket: Socket): boolean {
    return this.#admitted.has(socket);
  }

  /** Queues a new connection; `admit` is called once it is counted, and never if it is refused. */
  offer(socket: Socket, admit: () => void): void {
    if (this.#closed || this.#waiting.length >= this.#backlog) {
      this.#logger.debug({ remoteAddress: socket.remoteAddress }, 'accept backlog full, connection closed');
      socket.destroy();
      return;
    }
    // A waiting socket is not read; an error on it (a reset) must not go unhandled.
    socket.on('error', () => {});
    this.#waiting.push({ socket, admit });
    this.#drain();
  }

  /** An admitted connection closed: its count goes, and a waiting one may come in. */
  release(socket: Socket): void {
    const address = this.#admitted.get(socket);
    if (address === undefined) return;
    this.#admitted.delete(socket);
    this.#quotas.release(this.#listenerName, address);
  }

  /** The listener stopped: waiting connections are closed. */
  close(): void {
    this.#closed = true;
    this.#unsubscribe();
    this.#cancelWait?.();
    for (const { socket } of this.#waiting.splice(0)) socket.destroy();
  }

  #drain(): void {
    while (!this.#closed && this.#cancelWait === undefined && this.#waiting.length > 0) {
      const head = this.#waiting[0]!;
      if (head.socket.destroyed) {
        this.#waiting.shift();
        this.#headRecorded = false;
        continue;
      }
      if (!this.#headRecorded) {
        this.#headRecorded = true;
        const waitMs = this.#quotas.recordCreation(this.#listenerName);
        if (waitMs > 0) {
          this.#cancelWait = this.#quotas.schedule(() => {
            this.#cancelWait = undefined;
            this.#drain();
          }, waitMs);
          return;
        }
      }
      // At max.connections: a release calls #drain again.
      if (!this.#quotas.slotAvailable(this.#listenerName)) return;
      this.#waiting.shift();
      this.#headRecorded = false;
      const address = normalizeAddress(head.socket.remoteAddress ?? '');
      if (this.#quotas.admit(this.#listenerName, address) === 'reject') {
        this.#logger.debug({ remoteAddress: address }, 'address already has max.connections.per.ip connections, connection closed');
        head.socket.destroy();
        continue;
      }
      this.#admitted.set(head.socket, address);
      head.admit();
    }
  }
}
