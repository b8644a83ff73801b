/**
 * Reusable memory for the broker's large reads: log reads for fetches, and Produce requests
 * assembled from socket reads. A client at full speed moves about a MiB per request; fresh buffers
 * for each are external memory to V8, whose growth forces full garbage collections (a third of the
 * broker's CPU in a 1 KiB-record consume bench). Reads take their buffer from here; whoever knows
 * the bytes are no longer needed (the connection once a response is written to the socket, the
 * broker once a Produce request is answered) gives it back. Memory with more than one holder (an
 * appended request that the log's tail cache also keeps, see log-tail.ts) is counted: each holder
 * takes it with acquire or retain and gives it back with one release, and it is reused once the
 * last one did. Buffers never given back are simply garbage, so only a release of bytes still in
 * use could do harm: release only what you acquired or retained. A response gives back only what
 * was handed to it (handToResponse, releaseWritten): other pooled bytes it carries are views that
 * someone keeps (a group's stored assignment, a view of the request frame) and are not its to give.
 * The broker's composition root makes one and hands it to the LogManager (and so to every segment),
 * to its listeners and to the Fetch handler.
 */
const MIN_POOLED_BYTES = 64 * 1024;
const MAX_POOLED_BYTES = 16 * 1024 * 1024;
/**
 * Free memory kept, over all size classes; more is left to the garbage collector. Buffers come back
 * in bursts: one high watermark move answers every acks=all Produce it covers, 30 or more MiB-sized
 * requests at once under load. Kept for the next requests, they cost nothing; dropped, each came
 * back as a fresh allocation and more external memory to collect (a budget of 8 buffers per class
 * cost the leader of a replicated partition a full collection every few dozen MB). A 32nd of the
 * machine's memory on a smaller one (freeBytesKeptFor).
 */
export const FREE_BYTES_KEPT = 128 * 1024 * 1024;

/** FREE_BYTES_KEPT on a machine with `totalMemoryBytes` (os.totalmem()). */
export function freeBytesKeptFor(totalMemoryBytes: number): number {
  return Math.min(FREE_BYTES_KEPT, Math.floor(totalMemoryBytes / 32));
}

export class ReadBufferPool {
  /** Free memory by capacity (a power of two). */
  readonly #free = new Map<number, ArrayBuffer[]>();
  /** Lent out and not yet given back, with how many holders it has: only these are taken back. */
  readonly #lent = new WeakMap<ArrayBuffer, number>();
  /** Lent memory handed to responses, with how many of its holds they carry (each given back once written). */
  readonly #inResponses = new WeakMap<ArrayBuffer, number>();
  readonly #freeBytesKept: number;
  #freeBytes = 0;

  constructor(freeBytesKept = FREE_BYTES_KEPT) {
    this.#freeBytesKept = freeBytesKept;
  }

  /** `size` bytes, uninitialised, from pooled memory when the size is worth pooling. */
  acquire(size: number): Buffer {
    if (size < MIN_POOLED_BYTES || size > MAX_POOLED_BYTES) return Buffer.allocUnsafe(size);
    const capacity = 2 ** Math.ceil(Math.log2(size));
    let memory = this.#free.get(capacity)?.pop();
    if (memory === undefined) memory = Buffer.allocUnsafeSlow(capacity).buffer as ArrayBuffer;
    else this.#freeBytes -= capacity;
    this.#lent.set(memory, 1);
    return Buffer.from(memory, 0, size);
  }

  /** One more holder of the memory under `view`, which must still be lent out; anything else is ignored. */
  retain(view: Uint8Array): void {
    const memory = view.buffer as ArrayBuffer;
    const holders = this.#lent.get(memory);
    if (holders !== undefined) this.#lent.set(memory, holders + 1);
  }

  /**
   * `view` goes out in a response, with one hold on its memory that the caller took (acquire or
   * retain) and leaves to the response: releaseWritten gives it back once the response is written.
   */
  handToResponse(view: Uint8Array): void {
    const memory = view.buffer as ArrayBuffer;
    if (!this.#lent.has(memory)) return;
    this.#inResponses.set(memory, (this.#inResponses.get(memory) ?? 0) + 1);
  }

  /** A written response's chunk: gives back one hold handed to responses on its memory, if any. */
  releaseWritten(chunk: Uint8Array): void {
    const memory = chunk.buffer as ArrayBuffer;
    const handed = this.#inResponses.get(memory);
    if (handed === undefined) return;
    if (handed > 1) this.#inResponses.set(memory, handed - 1);
    else this.#inResponses.delete(memory);
    this.release(chunk);
  }

  /**
   * One holder gives back the memory under `view` (any view of an acquired buffer); it is reused
   * once the last holder did. Anything the pool did not lend is ignored.
   */
  release(view: Uint8Array): void {
    const memory = view.buffer as ArrayBuffer;
    const holders = this.#lent.get(memory);
    if (holders === undefined) return;
    if (holders > 1) {
      this.#lent.set(memory, holders - 1);
      return;
    }
    this.#lent.delete(memory);
    if (this.#freeBytes + memory.byteLength > this.#freeBytesKept) return;
    let list = this.#free.get(memory.byteLength);
    if (list === undefined) this.#free.set(memory.byteLength, list = []);
    list.push(memory);
    this.#freeBytes += memory.byteLength;
  }
}
