import { ErrorCode, KafkaError } from '../../../protocol/errors.ts';
import type { Logger } from '../../logger.ts';
import { systemTime, type Time, type Timer } from '../../time.ts';

/** The ids one block holds (Kafka's ProducerIdsBlock.PRODUCER_ID_BLOCK_SIZE). */
export const PRODUCER_ID_BLOCK_SIZE = 1000;

/** Once this share of a block is handed out, the next block is fetched (Kafka's PidPrefetchThreshold). */
const PREFETCH_THRESHOLD = 0.9;

/**
 * How long an InitProducerId waits for a block being fetched before it is answered
 * COORDINATOR_LOAD_IN_PROGRESS (the fetch goes on for the next caller): well under a client's
 * request timeout (30 s in the Java client and KafkaJS), so a client sees an error it retries
 * rather than a request that timed out. Kafka answers at once; waiting a little spares the client
 * a round trip in the usual case, where the controller answers within milliseconds.
 */
export const PRODUCER_ID_BLOCK_WAIT_MS = 5_000;

/**
 * A range of producer ids that one broker alone hands out: `firstProducerId` up to
 * `firstProducerId + size - 1`, both inclusive (Kafka's ProducerIdsBlock).
 */
export interface ProducerIdsBlock {
  readonly assignedBrokerId: number;
  readonly firstProducerId: bigint;
  readonly size: number;
}

export function lastProducerIdOf(block: ProducerIdsBlock): bigint {
  return block.firstProducerId + BigInt(block.size) - 1n;
}

/** The next block after `latestEnd` (the last id of the latest block handed out; -1 when none was). */
export function blockAfter(latestEnd: bigint, assignedBrokerId: number): ProducerIdsBlock {
  return { assignedBrokerId, firstProducerId: latestEnd + 1n, size: PRODUCER_ID_BLOCK_SIZE };
}

/** Hands out producer ids that no broker of the cluster ever handed out before, nor will again. */
export interface ProducerIdManager {
  /** A fresh producer id; rejects with a retriable KafkaError (COORDINATOR_LOAD_IN_PROGRESS) while none is available. */
  generateProducerId(): Promise<bigint>;
}

/**
 * Where blocks come from: the controller (AllocateProducerIds) in a cluster, the local metadata on
 * a single node. Each call allocates a new block, never one handed out before.
 */
export type ProducerIdBlockSource = () => Promise<ProducerIdsBlock>;

export interface BlockProducerIdManagerOptions {
  readonly nextBlock: ProducerIdBlockSource;
  readonly logger: Logger;
  /** How long a caller waits for a block being fetched (PRODUCER_ID_BLOCK_WAIT_MS in the broker); unbounded when absent. */
  readonly maxWaitMs?: number;
  readonly time?: Time;
}

interface Cursor {
  readonly last: bigint;
  /** Handing out this id or a later one fetches the next block (while none is fetched or fetching). */
  readonly prefetchFrom: bigint;
  next: bigint;
}

/**
 * Kafka's RPCProducerIdManager: ids from the current block, one after another; the next block is
 * fetched in the background once 90% of the current one is used, so callers rarely wait. Callers
 * that find no id left wait for the one fetch in flight (and all claim distinct ids from its
 * block: claiming is synchronous, and JavaScript runs one caller at a time); when it fails they are
 * answered COORDINATOR_LOAD_IN_PROGRESS, which clients retry, and the next call fetches again.
 * A block that does not lie wholly above every block seen before is refused, so ids never repeat
 * even if a source misbehaves.
 */
export class BlockProducerIdManager implements ProducerIdManager {
  readonly #options: BlockProducerIdManagerOptions;
  readonly #logger: Logger;
  readonly #time: Time;
  #current: Cursor | undefined;
  #next: ProducerIdsBlock | undefined;
  #fetching: Promise<void> | undefined;
  /** The last id of the highest block accepted. */
  #highestEnd = -1n;

  constructor(options: BlockProducerIdManagerOptions) {
    this.#options = options;
    this.#logger = options.logger.child({ component: 'producer-id-manager' });
    this.#time = options.time ?? systemTime;
  }

  async generateProducerId(): Promise<bigint> {
    for (;;) {
      const id = this.#claim();
      if (id !== undefined) return id;
      await this.#wait(this.#fetch());
    }
  }

  /** The next id of the current block (moving on to the fetched block when it is used up), or undefined when there is none. */
  #claim(): bigint | undefined {
    let current = this.#current;
    if (current === undefined || current.next > current.last) {
      if (this.#next === undefined) return undefined;
      current = this.#current = cursorOf(this.#next);
      this.#next = undefined;
    }
    const id = current.next++;
    // From the threshold on, not just at it: a prefetch that failed is tried again by the next caller.
    if (id >= current.prefetchFrom && this.#next === undefined) this.#fetch().catch(() => {});
    return id;
  }

  /** The fetch in flight, or a new one; it rejects with COORDINATOR_LOAD_IN_PROGRESS when the block cannot be had. */
  #fetch(): Promise<void> {
    this.#fetching ??= Promise.resolve()
      .then(() => this.#options.nextBlock())
      .then((block) => this.#accept(block))
      .then(
        () => { this.#fetching = undefined; },
        (error: unknown) => {
          this.#fetching = undefined;
          this.#logger.warn({ err: error }, 'could not get a producer id block; InitProducerId is answered COORDINATOR_LOAD_IN_PROGRESS until one comes');
          throw new KafkaError(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS, 'Producer ID block is not available yet; try again', { cause: error });
        },
      );
    return this.#fetching;
  }

  #accept(block: ProducerIdsBlock): void {
    const last = lastProducerIdOf(block);
    if (!Number.isInteger(block.size) || block.size <= 0 || block.firstProducerId < 0n || last > 0x7fff_ffff_ffff_ffffn) {
      throw new Error(`producer id block ${describe(block)} is not a valid range`);
    }
    if (block.firstProducerId <= this.#highestEnd) {
      throw new Error(`producer id block ${describe(block)} is not above the blocks before it (up to ${this.#highestEnd})`);
    }
    this.#highestEnd = last;
    this.#next = block;
    this.#logger.debug({ block: describe(block) }, 'got a producer id block');
  }

  async #wait(fetch: Promise<void>): Promise<void> {
    const maxWaitMs = this.#options.maxWaitMs;
    if (maxWaitMs === undefined) return fetch;
    let timer: Timer | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = this.#time.setTimeout(() => reject(new KafkaError(
        ErrorCode.COORDINATOR_LOAD_IN_PROGRESS, `No producer id block within ${maxWaitMs} ms; try again`,
      )), maxWaitMs);
    });
    try {
      await Promise.race([fetch, timeout]);
    } finally {
      this.#time.clearTimeout(timer!);
    }
  }
}

function cursorOf(block: ProducerIdsBlock): Cursor {
  return {
    last: lastProducerIdOf(block),
    prefetchFrom: block.firstProducerId + BigInt(Math.floor(block.size * PREFETCH_THRESHOLD)),
    next: block.firstProducerId,
  };
}

function describe(block: ProducerIdsBlock): string {
  return `${block.firstProducerId}-${lastProducerIdOf(block)} (broker ${block.assignedBrokerId})`;
}
