/** A size prefix, and what most answers fit in whole (metadata, produce acks, heartbeats). */
const SCRATCH_BYTES = 64 * 1024;
const SIZE_PREFIX_BYTES = 4;

/**
 * Splits a socket's bytes into Kafka's size-prefixed frames, reading through Node's `onread`
 * (the kernel writes into buffers we hand it) instead of 'data' chunks. Small frames are read into
 * one reused scratch buffer and copied out whole; once a large frame's size is known, the rest of
 * it is read straight into a buffer of exactly its size. A 1 MiB Fetch answer is then never copied
 * in user space, where chunks and Buffer.concat would copy it twice and leave garbage behind.
 * Both ends of a connection frame this way: our client's answers and a broker's requests.
 */
export interface FrameReaderOptions {
  /** Largest size prefix taken; a larger one is reported to onBadSize. */
  readonly maxFrameBytes: number;
  /**
   * Smallest size prefix taken (default 0); a smaller one is reported to onBadSize. A client wants
   * at least the 4 bytes of a correlation id; a broker takes any frame and rejects a short header
   * itself, as Kafka does.
   */
  readonly minFrameBytes?: number;
  readonly onFrame: (frame: Buffer) => void;
  /** Called once for a bad size prefix; after it the stream means nothing and reads are dropped. */
  readonly onBadSize: (size: number) => void;
  /** Memory for each frame (default a fresh buffer), for owners that recycle it. */
  readonly allocateFrame?: (size: number) => Buffer;
}

export class FrameReader {
  readonly #scratch = Buffer.allocUnsafe(SCRATCH_BYTES);
  /** Unconsumed bytes in the scratch buffer: [#start, #end). */
  #start = 0;
  #end = 0;
  /** The large frame being filled (without its size prefix), and how much of it is there. */
  #frame: Buffer | null = null;
  #filled = 0;
  readonly #maxFrameBytes: number;
  readonly #minFrameBytes: number;
  readonly #onFrame: (frame: Buffer) => void;
  readonly #onBadSize: (size: number) => void;
  readonly #allocateFrame: (size: number) => Buffer;
  #failed = false;

  constructor(options: FrameReaderOptions) {
    this.#maxFrameBytes = options.maxFrameBytes;
    this.#minFrameBytes = options.minFrameBytes ?? 0;
    this.#onFrame = options.onFrame;
    this.#onBadSize = options.onBadSize;
    this.#allocateFrame = options.allocateFrame ?? Buffer.allocUnsafe;
  }

  /** The socket's `onread` option. */
  readonly onread = {
    buffer: (): Buffer => this.#frame !== null ? this.#frame.subarray(this.#filled) : this.#scratch.subarray(this.#end),
    callback: (bytesRead: number): boolean => {
      if (this.#frame !== null) this.#frameRead(bytesRead);
      else this.#scratchRead(bytesRead);
      return true;
    },
  };

  /**
   * Takes bytes a stream delivered as a chunk (what a TLS socket decrypted before it was switched
   * to `onread`, or any socket on a Node where that switch is not possible): copied into the frames
   * as `onread` would have read them.
   */
  push(chunk: Buffer): void {
    let offset = 0;
    while (offset < chunk.length && !this.#failed) {
      const target = this.onread.buffer();
      const copied = chunk.copy(target, 0, offset);
      offset += copied;
      this.onread.callback(copied);
    }
  }

  #frameRead(bytesRead: number): void {
    this.#filled += bytesRead;
    const frame = this.#frame!;
    if (this.#filled < frame.length) return;
    this.#frame = null;
    this.#filled = 0;
    this.#onFrame(frame);
  }

  #scratchRead(bytesRead: number): void {
    // After a bad size the stream means nothing: drop what comes until the socket is gone.
    if (this.#failed) return;
    this.#end += bytesRead;
    const scratch = this.#scratch;
    while (this.#end - this.#start >= SIZE_PREFIX_BYTES) {
      const size = scratch.readInt32BE(this.#start);
      if (size < this.#minFrameBytes || size > this.#maxFrameBytes) {
        this.#failed = true;
        this.#start = this.#end = 0;
        this.#onBadSize(size);
        return;
      }
      const bodyStart = this.#start + SIZE_PREFIX_BYTES;
      const available = this.#end - bodyStart;
      // Copied out of the scratch buffer: answers keep views of their frame (fetched records).
      const frame = this.#allocateFrame(size);
      scratch.copy(frame, 0, bodyStart, bodyStart + Math.min(available, size));
      if (available < size) {
        // The rest arrives straight into the frame.
        this.#frame = frame;
        this.#filled = available;
        this.#start = this.#end = 0;
        return;
      }
      this.#start = bodyStart + size;
      this.#onFrame(frame);
    }
    // Keep a partial size prefix at the front so the next read has room behind it.
    const left = this.#end - this.#start;
    if (left > 0 && this.#start > 0) scratch.copy(scratch, 0, this.#start, this.#end);
    this.#start = 0;
    this.#end = left;
  }
}
