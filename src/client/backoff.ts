export interface ExponentialBackoffOptions {
  /** The wait after the first failure (retry.backoff.ms, reconnect.backoff.ms). */
  readonly initialMs: number;
  /**
   * The most any wait grows to (retry.backoff.max.ms, reconnect.backoff.max.ms). Below initialMs
   * it wins: every wait is maxMs, as Kafka documents for retry.backoff.max.ms < retry.backoff.ms.
   */
  readonly maxMs: number;
  readonly multiplier?: number;
  /** Each wait is spread over ±jitter of its value, so clients that failed together do not retry together. */
  readonly jitter?: number;
  /** In [0, 1), as Math.random (the default); tests pass their own. */
  readonly random?: () => number;
}

/**
 * Kafka's exponential backoff (KIP-580, KIP-144): initialMs · multiplier^attempts with ±20% jitter,
 * never above maxMs. One instance serves many callers: each keeps its own count of failures.
 */
export class ExponentialBackoff {
  readonly #initialMs: number;
  readonly #maxMs: number;
  readonly #multiplier: number;
  readonly #jitter: number;
  readonly #random: () => number;
  /**
   * The exponent at which initialMs · multiplier^exponent reaches maxMs. Attempts are capped there,
   * not the wait alone, so waits at the cap still spread (±jitter around maxMs, then clipped) and a
   * large count never overflows to Infinity.
   */
  readonly #maxExponent: number;

  constructor(options: ExponentialBackoffOptions) {
    this.#initialMs = Math.max(0, options.initialMs);
    this.#maxMs = Math.max(0, options.maxMs);
    this.#multiplier = options.multiplier ?? 2;
    this.#jitter = options.jitter ?? 0.2;
    this.#random = options.random ?? Math.random;
    this.#maxExponent = this.#maxMs > this.#initialMs && this.#multiplier > 1
      ? Math.log(this.#maxMs / Math.max(1, this.#initialMs)) / Math.log(this.#multiplier)
      : 0;
  }

  /** How long to wait after `attempts` + 1 consecutive failures: backoff(0) is about initialMs. */
  backoff(attempts: number): number {
    const exponent = Math.min(Math.max(0, attempts), this.#maxExponent);
    const term = this.#initialMs * this.#multiplier ** exponent;
    const factor = this.#jitter > 0 ? 1 - this.#jitter + this.#random() * 2 * this.#jitter : 1;
    return Math.min(this.#maxMs, Math.floor(term * factor));
  }
}
