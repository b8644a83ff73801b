import { Socket } from 'node:net';
import type { OnReadOpts, SocketConstructorOpts } from 'node:net';

/** The parts of an accepted socket Node keeps private; stable since Node's first releases. */
interface SocketInternals {
  _handle: object | null;
}

/**
 * Moves a connection accepted by a net.Server (created with `pauseOnConnect`, so it has not read
 * yet) into a socket that reads through `onread`, into memory the broker hands the kernel.
 *
 * Why: Node takes `onread` only when a socket is constructed, and net.Server constructs the
 * sockets it accepts without one, so each of their reads lands in a fresh 64 KiB buffer. A
 * producer at full speed then costs one such buffer per 64 KiB received, their copy into the
 * request frame, and the garbage collections that this external memory forces: a fifth of a busy
 * leader's CPU (BENCHMARKS.md, "Cluster").
 *
 * The accepted socket is destroyed without its handle, which leaves the connection open and takes
 * it out of the server's count: the server no longer waits for it on close, so its owner must
 * close the adopted socket itself (Listener.close does).
 */
export function adoptAcceptedSocket(accepted: Socket, onread: OnReadOpts): Socket {
  const internals = accepted as unknown as SocketInternals;
  const handle = internals._handle;
  // net.Server hands every connection over with its handle, before anything can close it.
  if (handle === null || handle === undefined) throw new Error('an accepted socket without its handle cannot be adopted');
  const socket = new Socket({ handle, onread } as SocketConstructorOpts);
  internals._handle = null;
  accepted.destroy();
  return socket;
}
