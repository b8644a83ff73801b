import type { Socket } from 'node:net';
import { FrameReader } from '../../client/frame-reader.ts';
import type { Logger } from '../logger.ts';
import type { Session } from '../security/session.ts';
import type { SaslAuthenticator } from '../security/sasl-authenticator.ts';
import type { RequestTimer, RequestTimes } from '../request-times.ts';

/** What a request handler may know about the connection a frame came from. */
export interface ConnectionContext {
  /** Kafka-style connection id: `localHost:localPort-remoteHost:remotePort-index`. */
  readonly id: string;
  /** The client's IP address (no port), as ACLs and group member hosts use it. */
  readonly remoteAddress: string;
  readonly listenerName: string;
  /** Who the connection is: ANONYMOUS or the TLS certificate's principal at first, the SASL identity once authenticated. */
  session: Session;
  /** The connection's SASL exchange, on a SASL listener. */
  readonly sasl?: SaslAuthenticator | undefined;
  /** Stops reading, writes every response already dispatched (the current one too), then closes. */
  closeAfterResponses(): void;
  /**
   * Quotas: reads and dispatches nothing more from this client for `delayMs` (Kafka mutes a
   * throttled client's channel once its response is sent); requests already read wait too.
   */
  throttle(delayMs: number): void;
  /** Closes the connection at once, dropping responses not yet written. */
  close(): void;
}

/**
 * Handles one request frame (without its size prefix). Returns the response frame (header and
 * body) in chunks, which the connection prefixes with their total size, or null for no response
 * (acks=0 produce). Throwing CloseConnectionError closes the connection without a reply.
 * The frame's memory may be pooled and reused once the request is answered: copy any bytes kept
 * beyond the request. `times` is the request's record for metrics, when requests are timed.
 */
export type RequestHandler = (
  frame: Buffer,
  connection: ConnectionContext,
  times: RequestTimes | undefined,
) => Promise<Buffer[] | null> | Buffer[] | null;

/** Thrown by a handler when Kafka would close the connection (unknown API key or version, bad header). */
export class CloseConnectionError extends Error {
  constructor(message = 'closing connection', options?: ErrorOptions) {
    super(message, options);
    this.name = 'CloseConnectionError';
  }
}

export interface ConnectionOptions {
  readonly id: string;
  readonly listenerName: string;
  /** The session the connection starts with, given its client's address. */
  readonly initialSession: (remoteAddress: string) => Session;
  /** On SASL listeners: the connection's authenticator. */
  readonly saslAuthenticator?: (connection: Connection) => SaslAuthenticator;
  readonly handler: RequestHandler;
  readonly logger: Logger;
  /** socket.request.max.bytes: a larger (or negative) size prefix closes the connection. */
  readonly maxRequestBytes: number;
  /** Reading stops while this many requests await their responses. */
  readonly maxInFlightRequests: number;
  /** Reading stops while more than this many response bytes wait in the socket's buffer. */
  readonly maxWriteBufferBytes: number;
  /**
   * Called with the chunks of the responses written in one go once the socket is done with them
   * (what a handler lent to the response may be reused from then on).
   */
  readonly onResponseWritten?: (chunks: readonly Buffer[]) => void;
  /** Memory for each request frame, which the socket reads into (default: a fresh buffer). */
  readonly allocateFrame?: (size: number) => Buffer;
  readonly onClose?: (connection: Connection) => void;
  /** Times each request's stages (metrics on); without it nothing is timed. */
  readonly requestTimer?: RequestTimer;
}

/** A request's place in the response order. */
interface ResponseSlot {
  settled: boolean;
  response: Buffer[] | null;
  /** The handler asked to close: close once every earlier response has been written. */
  closeAfter: boolean;
  /** The request's times, when requests are timed. */
  readonly times: RequestTimes | undefined;
}

const SIZE_PREFIX_BYTES = 4;
/** The receive time of a frame dispatched as soon as it was read: its dispatch time. */
const NOT_WAITING = -1;

/**
 * One client connection: splits the byte stream into size-prefixed frames, hands each to the
 * handler at once (so many may be in flight), and writes the responses strictly in request order.
 * Invariants: `slots` holds one entry per dispatched request whose response is not yet written,
 * oldest first; nothing is dispatched, and the socket is not read, while `shouldPause()` holds.
 */
export class Connection implements ConnectionContext {
  readonly id: string;
  readonly remoteAddress: string;
  readonly listenerName: string;
  session: Session;
  readonly sasl: SaslAuthenticator | undefined;
  readonly #socket: Socket;
  readonly #options: ConnectionOptions;
  readonly #logger: Logger;
  /** Frames read but not yet dispatched: the rest of the read that reached a pause, oldest first. */
  readonly #received: Buffer[] = [];
  /** When each frame of #received was read (performance.now()), kept only when requests are timed. */
  readonly #receivedMs: number[] = [];
  readonly #slots: ResponseSlot[] = [];
  #readPaused = false;
  #processing = false;
  #closeRequested = false;
  #closed = false;
  #requestsReceived = 0;
  #flushScheduled = false;
  /** Set while a quota throttles the client: nothing is read or dispatched until it fires. */
  #throttleTimer: NodeJS.Timeout | undefined;
  /** Close once the responses of every request dispatched are written. */
  #closeWhenAnswered = false;

  /**
   * `openSocket` makes the connection's socket feed the frame reader it is given: a plain socket
   * reads through its `onread`, so the kernel writes each request into the frame's own memory; a
   * TLS socket reads through it too, Node decrypting into the frame (readTlsSocketInto).
   */
  constructor(openSocket: (reader: FrameReader) => Socket, options: ConnectionOptions) {
    const reader = new FrameReader({
      maxFrameBytes: options.maxRequestBytes,
      onFrame: (frame) => this.#onFrame(frame),
      onBadSize: (size) => this.#badSize(size),
      allocateFrame: options.allocateFrame,
    });
    const socket = openSocket(reader);
    this.#socket = socket;
    this.#options = options;
    this.id = options.id;
    this.listenerName = options.listenerName;
    this.remoteAddress = socket.remoteAddress ?? '';
    this.session = options.initialSession(this.remoteAddress);
    this.sasl = options.saslAuthenticator?.(this);
    this.#logger = options.logger.child({ connectionId: options.id });
    // Kafka sets TCP_NODELAY: responses are written whole, so Nagle only adds latency.
    socket.setNoDelay(true);
    socket.setKeepAlive(true);
    socket.on('drain', () => this.#maybeResume());
    socket.on('error', (error) => this.#logger.debug({ err: error }, 'socket error'));
    socket.on('close', () => {
      this.#closed = true;
      clearTimeout(this.#throttleTimer);
      this.#received.length = 0;
      this.#receivedMs.length = 0;
      this.#slots.length = 0;
      this.#logger.debug('connection closed');
      options.onClose?.(this);
    });
  }

  /** Frames read so far (for tests and metrics). */
  get requestsReceived(): number {
    return this.#requestsReceived;
  }

  /** Requests dispatched whose responses are not yet written. */
  get inFlightRequests(): number {
    return this.#slots.length;
  }

  /** True while back-pressure keeps the connection from reading. */
  get readPaused(): boolean {
    return this.#readPaused;
  }

  get closed(): boolean {
    return this.#closed;
  }

  close(): void {
    this.#closeRequested = true;
    this.#socket.destroy();
  }

  closeAfterResponses(): void {
    this.#closeRequested = true;
    this.#closeWhenAnswered = true;
    this.#received.length = 0;
    this.#receivedMs.length = 0;
  }

  throttle(delayMs: number): void {
    if (this.#closed || delayMs <= 0) return;
    // A longer throttle replaces a shorter one: the client waits for the later end.
    clearTimeout(this.#throttleTimer);
    this.#throttleTimer = setTimeout(() => {
      this.#throttleTimer = undefined;
      this.#maybeResume();
    }, delayMs);
    this.#updateReading();
  }

  #onFrame(frame: Buffer): void {
    if (this.#closeRequested) return;
    this.#received.push(frame);
    // A frame dispatched at once was received when it is dispatched (one clock read, in #dispatch);
    // only one that must wait behind others or a pause reads the clock now.
    if (this.#options.requestTimer !== undefined) this.#receivedMs.push(this.#received.length === 1 && !this.#shouldPause() ? NOT_WAITING : performance.now());
    this.#processFrames();
  }

  /** Checked before anything is allocated or awaited: a bogus prefix costs nothing. */
  #badSize(size: number): void {
    // A TLS record starts 0x16 0x03: a TLS client reached a listener that speaks plaintext.
    const tlsHandshake = size >>> 16 === 0x1603;
    this.#logger.warn(
      { size, maxRequestBytes: this.#options.maxRequestBytes, remoteAddress: this.remoteAddress, listener: this.listenerName },
      tlsHandshake ? 'a TLS handshake reached a plaintext listener, closing connection' : 'invalid request size, closing connection',
    );
    this.close();
  }

  #shouldPause(): boolean {
    return (
      this.#closeRequested ||
      this.#throttleTimer !== undefined ||
      this.#slots.length >= this.#options.maxInFlightRequests ||
      this.#socket.writableLength > this.#options.maxWriteBufferBytes
    );
  }

  #processFrames(): void {
    // A handler that answers synchronously re-enters through #flush; the outer loop carries on.
    if (this.#processing) return;
    this.#processing = true;
    try {
      while (this.#received.length > 0 && !this.#shouldPause()) this.#dispatch(this.#received.shift()!, this.#receivedMs.shift() ?? 0);
    } finally {
      this.#processing = false;
    }
    this.#updateReading();
  }

  #updateReading(): void {
    if (this.#closed) return;
    if (this.#received.length > 0 || this.#shouldPause()) {
      if (!this.#readPaused) {
        this.#readPaused = true;
        this.#socket.pause();
      }
    } else if (this.#readPaused) {
      this.#readPaused = false;
      this.#socket.resume();
    }
  }

  #maybeResume(): void {
    if (this.#closed || this.#shouldPause()) return;
    // Frames already read go first; #processFrames resumes the socket if still below the limits.
    this.#processFrames();
  }

  #dispatch(frame: Buffer, receivedMs: number): void {
    // Before the handler runs: it may move the SASL exchange on.
    const times = this.#options.requestTimer?.start(frame, this.sasl?.expectsRawToken === true);
    const slot: ResponseSlot = { settled: false, response: null, closeAfter: false, times };
    this.#slots.push(slot);
    this.#requestsReceived += 1;
    if (times !== undefined) {
      times.dispatchedMs = performance.now();
      times.receivedMs = receivedMs === NOT_WAITING ? times.dispatchedMs : receivedMs;
    }
    let result: Promise<Buffer[] | null> | Buffer[] | null;
    try {
      result = this.#options.handler(frame, this, times);
    } catch (error) {
      this.#fail(slot, error);
      return;
    }
    if (times !== undefined) times.localDoneMs = performance.now();
    if (result !== null && typeof (result as Promise<unknown>).then === 'function') {
      (result as Promise<Buffer[] | null>).then(
        (response) => this.#complete(slot, response),
        (error: unknown) => this.#fail(slot, error),
      );
    } else {
      if (times !== undefined) times.completedMs = times.localDoneMs;
      this.#complete(slot, result as Buffer[] | null);
    }
  }

  #complete(slot: ResponseSlot, response: Buffer[] | null): void {
    if (this.#closed) return;
    if (slot.times !== undefined && slot.times.completedMs === 0) slot.times.completedMs = performance.now();
    slot.settled = true;
    slot.response = response;
    this.#scheduleFlush();
  }

  #fail(slot: ResponseSlot, error: unknown): void {
    if (this.#closed) return;
    if (error instanceof CloseConnectionError) {
      this.#logger.info({ reason: error.message, remoteAddress: this.remoteAddress }, 'closing connection');
    } else {
      this.#logger.error({ err: error, remoteAddress: this.remoteAddress }, 'request handler failed, closing connection');
    }
    // Stop reading now; earlier requests still get their responses before the close.
    this.#closeRequested = true;
    slot.settled = true;
    slot.closeAfter = true;
    this.#scheduleFlush();
  }

  /**
   * Writes at the end of this turn rather than at once: responses that settle together (one
   * high watermark move completes many acks=all produces; pipelined requests answered from memory)
   * leave in one write, one system call here and one wake-up in the client.
   */
  #scheduleFlush(): void {
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    process.nextTick(() => {
      this.#flushScheduled = false;
      if (!this.#closed) this.#flush();
    });
  }

  /** Writes every response at the head of the queue that is ready, in one corked batch. */
  #flush(): void {
    const socket = this.#socket;
    const writes: Buffer[] = [];
    const timer = this.#options.requestTimer;
    let timed: RequestTimes[] | undefined;
    let close = false;
    while (this.#slots.length > 0 && this.#slots[0]!.settled) {
      const slot = this.#slots.shift()!;
      if (slot.closeAfter) {
        close = true;
        break;
      }
      if (slot.times !== undefined) {
        slot.times.sendStartMs = timed === undefined ? performance.now() : timed[0]!.sendStartMs;
        (timed ??= []).push(slot.times);
      }
      if (slot.response === null) continue;
      let size = 0;
      for (const chunk of slot.response) size += chunk.length;
      const prefix = Buffer.allocUnsafe(SIZE_PREFIX_BYTES);
      prefix.writeInt32BE(size, 0);
      writes.push(prefix);
      for (const chunk of slot.response) if (chunk.length > 0) writes.push(chunk);
    }
    if (writes.length > 0 && socket.writable) {
      socket.cork();
      const last = writes.length - 1;
      for (let i = 0; i < last; i++) socket.write(writes[i]!);
      // Resume once this batch reached the kernel: 'drain' alone does not fire when
      // maxWriteBufferBytes is below the socket's own high-water mark.
      const onWritten = this.#options.onResponseWritten;
      const written = timed;
      socket.write(writes[last]!, (error) => {
        onWritten?.(writes);
        if (written !== undefined && error == null) reportWritten(timer!, written, performance.now());
        this.#maybeResume();
      });
      socket.uncork();
    } else if (timed !== undefined) {
      // Nothing to write (acks=0 produce answers nothing): done once ready, as Kafka's no-op response.
      reportWritten(timer!, timed, timed[0]!.sendStartMs);
    }
    if (close || (this.#closeWhenAnswered && this.#slots.length === 0)) {
      this.#endAndClose();
      return;
    }
    if (this.#readPaused) this.#maybeResume();
  }

  /** Half-closes after the queued responses are written, then destroys the socket. */
  #endAndClose(): void {
    this.#slots.length = 0;
    const socket = this.#socket;
    // A client that is not reading would keep a half-closed socket (and its buffer) forever.
    if (!socket.writable || socket.writableLength > this.#options.maxWriteBufferBytes) {
      socket.destroy();
      return;
    }
    socket.end(() => socket.destroy());
  }
}

function reportWritten(timer: RequestTimer, written: readonly RequestTimes[], writtenMs: number): void {
  for (const times of written) timer.written(times, writtenMs);
}
