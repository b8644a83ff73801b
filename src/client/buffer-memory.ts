import { ErrorCode } from '../protocol/errors.ts';
import { KafkaClientError } from './errors.ts';

interface Waiter {
  readonly size: number;
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
  timer: NodeJS.Timeout | null;
  /** Served or timed out: the queue drops it when it reaches the head. */
  done: boolean;
}

/**
 * buffer.memory: the bytes of records a producer holds until the broker has them (queued in the
 * accumulator or in flight). A record takes its bytes when it is appended and its batch gives them
 * back when delivered or failed. Who cannot have bytes now waits, first come first served, so a
 * later send never overtakes an earlier one of the same partition; a wait ends after max.block.ms.
 * Java's BufferPool also pools ByteBuffers; here only the count matters, Node allocates the buffers.
 */
export class BufferMemory {
  readonly totalBytes: number;
  #usedBytes = 0;
  /** FIFO; served waiters are passed over by moving #head, so neither serving nor timing out scans. */
  #queue: Waiter[] = [];
  #head = 0;
  #waiting = 0;

  constructor(totalBytes: number) {
    this.totalBytes = totalBytes;
  }

  get availableBytes(): number { return this.totalBytes - this.#usedBytes; }

  /** Sends waiting for bytes (Java's "exhausted": the accumulator then sends batches without lingering). */
  get waiting(): number { return this.#waiting; }

  /** Takes `size` bytes if they are free and nobody waits ahead; the hot path, O(1). */
  tryAllocate(size: number): boolean {
    if (this.#waiting > 0 || this.#usedBytes + size > this.totalBytes) return false;
    this.#usedBytes += size;
    return true;
  }

  /**
   * Takes `size` bytes, waiting behind earlier callers for up to `maxWaitMs`; rejects with a
   * non-retriable REQUEST_TIMED_OUT (Java's BufferExhaustedException) when the time runs out.
   */
  allocate(size: number, maxWaitMs: number, operation: string): Promise<void> {
    if (this.tryAllocate(size)) return Promise.resolve();
    if (size > this.totalBytes) {
      return Promise.reject(new KafkaClientError(ErrorCode.MESSAGE_TOO_LARGE, operation,
        `${size} bytes is more than buffer.memory (${this.totalBytes} bytes)`, { retriable: false }));
    }
    if (maxWaitMs <= 0) return Promise.reject(this.#exhausted(size, maxWaitMs, operation));
    const { promise, resolve, reject } = Promise.withResolvers<void>();
    const waiter: Waiter = { size, resolve, reject, timer: null, done: false };
    waiter.timer = setTimeout(() => {
      waiter.done = true;
      this.#waiting--;
      reject(this.#exhausted(size, maxWaitMs, operation));
      // The head may have been the one too big to fit; those behind it may fit now.
      this.#serve();
    }, maxWaitMs);
    this.#queue.push(waiter);
    this.#waiting++;
    return promise;
  }

  /** Gives bytes back (a batch was delivered or failed) and serves waiters, in order, while they fit. */
  deallocate(size: number): void {
    this.#usedBytes -= size;
    if (this.#waiting > 0) this.#serve();
  }

  #serve(): void {
    const queue = this.#queue;
    while (this.#head < queue.length) {
      const waiter = queue[this.#head]!;
      if (!waiter.done) {
        if (this.#usedBytes + waiter.size > this.totalBytes) break;
        this.#usedBytes += waiter.size;
        waiter.done = true;
        this.#waiting--;
        clearTimeout(waiter.timer!);
        waiter.resolve();
      }
      this.#head++;
    }
    if (this.#head === queue.length) {
      this.#queue = [];
      this.#head = 0;
    } else if (this.#head > 1024 && this.#head * 2 > queue.length) {
      this.#queue = queue.slice(this.#head);
      this.#head = 0;
    }
  }

  #exhausted(size: number, maxWaitMs: number, operation: string): KafkaClientError {
    return new KafkaClientError(ErrorCode.REQUEST_TIMED_OUT, operation,
      `Failed to allocate ${size} bytes within the configured max blocking time ${Math.max(0, maxWaitMs)} ms ` +
      `(buffer.memory ${this.totalBytes} bytes, ${this.availableBytes} available)`, { retriable: false });
  }
}
