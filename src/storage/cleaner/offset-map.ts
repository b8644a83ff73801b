import { hash } from 'node:crypto';

/** Bytes of one slot: a 16-byte key hash, then the offset + 1 as a float64 (0 marks an empty slot). */
const HASH_SIZE = 16;
const SLOT_SIZE = HASH_SIZE + 8;

/**
 * The cleaner's map from a record key to the latest offset holding that key, in a fixed block of
 * memory allocated once (log.cleaner.dedupe.buffer.size): it never grows, which is what bounds the
 * cleaner's memory however many keys a log has. It holds at most slots times
 * log.cleaner.io.buffer.load.factor keys; when `put` refuses a new key the cleaner cleans only the
 * part of the dirty range that fit.
 *
 * Keys are stored as their MD5 hash, as Kafka's SkimpyOffsetMap does. A collision would make the
 * cleaner drop the live record of another key, i.e. lose data, so the hash must be wide and well
 * mixed: at 128 bits a collision among even billions of keys is out of reach, whereas a 64-bit
 * non-cryptographic hash gives a small but real chance per pass at millions of keys. MD5's speed
 * (one native call per key through crypto.hash) is far below the cost of decoding the record.
 *
 * Open addressing with linear probing from the hash's first 32 bits. Probe runs at a 0.9 load
 * stay short because MD5 spreads keys uniformly.
 */
export class OffsetMap {
  readonly slots: number;
  /** How many distinct keys it takes before `isFull`. */
  readonly maxEntries: number;
  private readonly memory: Buffer;
  private entries = 0;
  private lookups = 0;
  private probes = 0;
  /** Largest offset put since the last clear; -1 when none. */
  private latest = -1;

  constructor(memoryBytes: number, loadFactor = 0.9) {
    if (!(loadFactor > 0 && loadFactor <= 1)) throw new RangeError(`load factor ${loadFactor} is not in (0, 1]`);
    this.slots = Math.floor(memoryBytes / SLOT_SIZE);
    if (this.slots < 2) throw new RangeError(`dedupe buffer of ${memoryBytes} bytes holds fewer than 2 entries`);
    // At least one slot stays empty, so every probe run ends.
    this.maxEntries = Math.max(1, Math.min(this.slots - 1, Math.floor(this.slots * loadFactor)));
    this.memory = Buffer.alloc(this.slots * SLOT_SIZE);
  }

  get size(): number { return this.entries; }
  get isFull(): boolean { return this.entries >= this.maxEntries; }
  get latestOffset(): number { return this.latest; }
  /** Bytes this map holds: fixed at construction. */
  get memoryBytes(): number { return this.memory.length; }
  /** Mean slots visited per put/get; a check that probing stays cheap. */
  get meanProbes(): number { return this.lookups === 0 ? 0 : this.probes / this.lookups; }

  /** The 16-byte hash under which `key` is stored. */
  static hashKey(key: Uint8Array): Buffer {
    return hash('md5', key, 'buffer');
  }

  /**
   * Records `offset` as the latest for `key`. Returns false, changing nothing, for a key the map
   * does not hold yet once it is full: that is where the pass's dirty range has to end. A key
   * already held is always updated (Kafka stops at the first record once full; this lets a
   * pass cover a little more).
   */
  put(key: Uint8Array, offset: number): boolean {
    const digest = OffsetMap.hashKey(key);
    const at = this.find(digest) * SLOT_SIZE;
    if (this.memory.readDoubleBE(at + HASH_SIZE) === 0) {
      if (this.isFull) return false;
      digest.copy(this.memory, at);
      this.entries += 1;
    }
    this.memory.writeDoubleBE(offset + 1, at + HASH_SIZE);
    if (offset > this.latest) this.latest = offset;
    return true;
  }

  /** The latest offset put for `key`, or -1. */
  get(key: Uint8Array): number {
    const at = this.find(OffsetMap.hashKey(key)) * SLOT_SIZE;
    return this.memory.readDoubleBE(at + HASH_SIZE) - 1;
  }

  /** Raises latestOffset past offsets that held no key (Kafka's updateLatestOffset). */
  updateLatestOffset(offset: number): void {
    if (offset > this.latest) this.latest = offset;
  }

  clear(): void {
    this.memory.fill(0);
    this.entries = 0;
    this.latest = -1;
    this.lookups = 0;
    this.probes = 0;
  }

  /** The slot holding `digest`, or the empty slot where it would go. */
  private find(digest: Buffer): number {
    const memory = this.memory;
    let slot = digest.readUInt32BE(0) % this.slots;
    this.lookups += 1;
    for (;;) {
      this.probes += 1;
      const at = slot * SLOT_SIZE;
      if (memory.readDoubleBE(at + HASH_SIZE) === 0) return slot;
      if (memory.compare(digest, 0, HASH_SIZE, at, at + HASH_SIZE) === 0) return slot;
      slot = slot + 1 === this.slots ? 0 : slot + 1;
    }
  }
}
