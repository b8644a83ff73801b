/**
 * Kafka's default partitioner, bit for bit: murmur2 of the serialized key with Java's seed and
 * 32-bit overflow (Math.imul plays Java's int multiply), made positive with & 0x7fffffff (not abs,
 * as Utils.toPositive), modulo the partition count. Null keys are sticky (KIP-480).
 */
const SEED = 0x9747b28c;
const M = 0x5bd1e995;

export function murmur2(data: Uint8Array): number {
  const length = data.length;
  let h = (SEED ^ length) | 0;
  const whole = length & ~3;
  for (let i = 0; i < whole; i += 4) {
    let k = data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24);
    k = Math.imul(k, M);
    k ^= k >>> 24;
    k = Math.imul(k, M);
    h = Math.imul(h, M) ^ k;
  }
  // Java's switch falls through from 3 to 1: the tail bytes are mixed in together.
  const tail = length & 3;
  if (tail === 3) h ^= data[whole + 2]! << 16;
  if (tail >= 2) h ^= data[whole + 1]! << 8;
  if (tail >= 1) {
    h ^= data[whole]!;
    h = Math.imul(h, M);
  }
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}

export function toPositive(value: number): number {
  return value & 0x7fffffff;
}

/** The partition Java's producer picks for a non-null key. */
export function partitionForKey(key: Uint8Array, numPartitions: number): number {
  return toPositive(murmur2(key)) % numPartitions;
}

/**
 * KIP-480's sticky choice for keyless records: one partition per topic until a batch for it is
 * sent (onNewBatch), then another, so keyless traffic fills batches instead of spraying tiny ones.
 */
export class StickyPartitionCache {
  readonly #current = new Map<string, number>();
  readonly #random: () => number;

  constructor(random: () => number = Math.random) {
    this.#random = random;
  }

  partition(topic: string, available: readonly number[], numPartitions: number): number {
    const current = this.#current.get(topic);
    if (current !== undefined && current < numPartitions) return current;
    return this.#choose(topic, available, numPartitions, -1);
  }

  /** A batch of `previous` was closed: move on to a different partition when there is one. */
  onNewBatch(topic: string, available: readonly number[], numPartitions: number, previous: number): void {
    if (this.#current.get(topic) === previous) this.#choose(topic, available, numPartitions, previous);
  }

  #choose(topic: string, available: readonly number[], numPartitions: number, previous: number): number {
    const pool = available.length > 0 ? available : Array.from({ length: numPartitions }, (_, i) => i);
    let next = pool[Math.floor(this.#random() * pool.length)]!;
    if (pool.length > 1) while (next === previous) next = pool[Math.floor(this.#random() * pool.length)]!;
    this.#current.set(topic, next);
    return next;
  }
}
