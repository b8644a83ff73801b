/**
 * A replication throttle (Kafka's ReplicationQuotaManager): one per broker for the data it serves
 * as leader (leader.replication.throttled.rate) and one for the data it fetches as follower
 * (follower.replication.throttled.rate). Which partitions count is the topic's
 * leader.replication.throttled.replicas / follower.replication.throttled.replicas: "*" for all, or
 * "partition:broker" pairs, of which this broker takes those naming itself. The throttle applies
 * only to replicas out of sync, the ones a reassignment is adding or that fell behind, so that
 * moving data never starves the replication that acks=all waits for.
 *
 * The rate is measured over `windowCount` windows of `windowMs` (replication.quota.window.num and
 * .size.seconds). Unlike Kafka's sampled rate, which at first divides by the whole window span and
 * so lets a burst of up to windowCount × rate through, the measured span starts when recording
 * starts: from the first second on, a move runs at its rate.
 */
export class ReplicationQuota {
  readonly #localBrokerId: number;
  readonly #windowMs: number;
  readonly #windowCount: number;
  readonly #throttledReplicasOf: (topic: string) => readonly string[];
  /** Topic -> its throttled partitions on this broker, parsed once per config change. */
  readonly #throttled = new Map<string, ReadonlySet<number> | 'all'>();
  /** Bytes per window, oldest first, with the window each starts at. */
  readonly #windows: Array<{ startMs: number; bytes: number }> = [];
  #firstRecordMs: number | undefined;
  /** Bytes per second; Infinity when unset (Kafka's Long.MaxValue default). */
  #rateLimit = Infinity;

  constructor(options: { localBrokerId: number; throttledReplicasOf: (topic: string) => readonly string[]; windowCount?: number; windowMs?: number }) {
    this.#localBrokerId = options.localBrokerId;
    this.#throttledReplicasOf = options.throttledReplicasOf;
    this.#windowCount = options.windowCount ?? 11;
    this.#windowMs = options.windowMs ?? 1000;
  }

  get rateLimit(): number {
    return this.#rateLimit;
  }

  /** A new limit in bytes per second (undefined: none). Measuring starts over. */
  setRateLimit(bytesPerSecond: number | undefined): void {
    this.#rateLimit = bytesPerSecond === undefined ? Infinity : Math.max(0, bytesPerSecond);
    this.#windows.length = 0;
    this.#firstRecordMs = undefined;
  }

  /** The topic's throttled replicas config changed (or the topic went): parsed again when next asked. */
  invalidate(topic: string): void {
    this.#throttled.delete(topic);
  }

  isThrottled(topic: string, partition: number): boolean {
    if (this.#rateLimit === Infinity) return false;
    let throttled = this.#throttled.get(topic);
    if (throttled === undefined) this.#throttled.set(topic, throttled = parseThrottledReplicas(this.#throttledReplicasOf(topic), this.#localBrokerId));
    return throttled === 'all' || throttled.has(partition);
  }

  isQuotaExceeded(nowMs: number): boolean {
    return this.#rateLimit !== Infinity && this.rate(nowMs) > this.#rateLimit;
  }

  /** How long until the measured rate is back within the limit, were nothing more recorded. */
  throttleTimeMs(nowMs: number): number {
    if (!this.isQuotaExceeded(nowMs)) return 0;
    const bytes = this.#bytesIn(nowMs);
    return Math.max(1, Math.ceil((bytes / this.#rateLimit) * 1000 - this.#spanMs(nowMs)));
  }

  record(bytes: number, nowMs: number): void {
    if (bytes <= 0 || this.#rateLimit === Infinity) return;
    this.#firstRecordMs ??= nowMs;
    const start = nowMs - (nowMs % this.#windowMs);
    const last = this.#windows.at(-1);
    if (last !== undefined && last.startMs === start) last.bytes += bytes;
    else this.#windows.push({ startMs: start, bytes });
    this.#expire(nowMs);
  }

  /** Bytes per second over the kept windows. */
  rate(nowMs: number): number {
    const bytes = this.#bytesIn(nowMs);
    return bytes === 0 ? 0 : bytes / (this.#spanMs(nowMs) / 1000);
  }

  #bytesIn(nowMs: number): number {
    this.#expire(nowMs);
    return this.#windows.reduce((sum, w) => sum + w.bytes, 0);
  }

  /** From the oldest kept window (or the first record, if later) to now; at least one window. */
  #spanMs(nowMs: number): number {
    const oldest = this.#windows[0];
    if (oldest === undefined) return this.#windowMs;
    return Math.max(this.#windowMs, nowMs - Math.max(oldest.startMs, this.#firstRecordMs ?? oldest.startMs));
  }

  #expire(nowMs: number): void {
    const horizon = nowMs - this.#windowCount * this.#windowMs;
    while (this.#windows.length > 0 && this.#windows[0]!.startMs + this.#windowMs <= horizon) this.#windows.shift();
  }
}

/** "*" is every partition; otherwise the partitions of the "partition:broker" pairs naming `brokerId`. Bad entries are ignored. */
export function parseThrottledReplicas(entries: readonly string[], brokerId: number): ReadonlySet<number> | 'all' {
  const trimmed = entries.map((e) => e.trim()).filter((e) => e !== '');
  if (trimmed.includes('*')) return 'all';
  const partitions = new Set<number>();
  for (const entry of trimmed) {
    const match = /^(\d+):(\d+)$/.exec(entry);
    if (match !== null && Number(match[2]) === brokerId) partitions.add(Number(match[1]));
  }
  return partitions;
}
