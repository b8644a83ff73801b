/**
 * Reusable memory for the broker's large reads: log reads for fetches, and Produce requests
 * assembled from socket reads. A client at full speed moves about a MiB per request; fresh buffers
 * for each are external memory to V8, whose growth forces full garbage collections (a third of the
 * broker's CPU in a 1 KiB-record consume bench). Reads take their buffer from here; whoever knows
 * the bytes are no longer needed (the connection once a response is written to the socket, the
 * broker once a Produce request is answered) gives it back. Buffers never given back are simply
 * garbage, so only a release of bytes still in use could do harm: release only what nothing else
 * can still read. The broker's composition root makes one and hands it to the LogManager (and so
 * to every segment) and to its listeners.
 */
const MIN_POOLED_BYTES = 64 * 1024;
const MAX_POOLED_BYTES = 16 * 1024 * 1024;
/** Free buffers kept per size class; more are left to the garbage collector. */
const FREE_PER_CLASS = 8;

export class ReadBufferPool {
  /** Free memory by capacity (a power of two). */
  readonly #free = new Map<number, ArrayBuffer[]>();
  /** Lent out and not yet given back: only these are taken back, and only once. */
  readonly #lent = new WeakSet<ArrayBuffer>();

  /** `size` bytes, uninitialised, from pooled memory when the size is worth pooling. */
  acquire(size: number): Buffer {
    if (size < MIN_POOLED_BYTES || size > MAX_POOLED_BYTES) return Buffer.allocUnsafe(size);
    const capacity = 2 ** Math.ceil(Math.log2(size));
    const memory = this.#free.get(capacity)?.pop() ?? Buffer.allocUnsafeSlow(capacity).buffer as ArrayBuffer;
    this.#lent.add(memory);
    return Buffer.from(memory, 0, size);
  }

  /** Takes back the memory under `view` (any view of an acquired buffer); anything else is ignored. */
  release(view: Uint8Array): void {
    const memory = view.buffer as ArrayBuffer;
    if (!this.#lent.delete(memory)) return;
    let list = this.#free.get(memory.byteLength);
    if (list === undefined) this.#free.set(memory.byteLength, list = []);
    if (list.length < FREE_PER_CLASS) list.push(memory);
  }
}
