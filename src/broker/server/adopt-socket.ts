import { Socket } from 'node:net';
import type { OnReadOpts, SocketConstructorOpts } from 'node:net';
import type { TLSSocket } from 'node:tls';

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

/**
 * Makes a TLS socket that a tls.Server accepted read through `onread`: each decrypted record is
 * copied once, by Node, into the memory the broker hands it (the request frame), instead of into a
 * fresh chunk that FrameReader.push then copies again. Node takes `onread` only for a TLS socket it
 * creates without an underlying one (tls.connect), never for those a tls.Server wraps around an
 * accepted connection; the stream keeps the option under three private symbols (kBuffer, kBufferGen,
 * kBufferCb, found by their descriptions), which onStreamRead, pause and resume consult, and
 * useUserBuffer is the TLS handle's own StreamBase method. Returns false, changing nothing, where
 * those are not found (another Node): the caller then pushes 'data' chunks.
 *
 * Called when the server hands the socket over ('secureConnection'); cleartext Node already read
 * into the stream's buffer by then is returned, to be taken before anything read later.
 */
export function readTlsSocketInto(socket: TLSSocket, onread: { buffer: () => Buffer; callback: (bytesRead: number) => boolean }): { adopted: boolean; buffered: Buffer[] } {
  const symbols = Object.getOwnPropertySymbols(socket);
  const symbol = (description: string): symbol | undefined => symbols.find((s) => s.description === description);
  const kBuffer = symbol('kBuffer');
  const kBufferGen = symbol('kBufferGen');
  const kBufferCb = symbol('kBufferCb');
  const handle = (socket as unknown as { _handle: { useUserBuffer?: (buffer: Uint8Array) => void } | null })._handle;
  if (kBuffer === undefined || kBufferGen === undefined || kBufferCb === undefined || typeof handle?.useUserBuffer !== 'function') {
    return { adopted: false, buffered: [] };
  }
  const buffered: Buffer[] = [];
  for (let chunk: Buffer | null; (chunk = socket.read() as Buffer | null) !== null;) buffered.push(chunk);
  const fields = socket as unknown as Record<symbol, unknown>;
  fields[kBuffer] = true;
  fields[kBufferGen] = onread.buffer;
  fields[kBufferCb] = onread.callback;
  handle.useUserBuffer(onread.buffer());
  return { adopted: true, buffered };
}
