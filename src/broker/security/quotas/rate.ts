/**
 * Kafka's quota measurements (org.apache.kafka.common.metrics.stats): a Rate over a windowed sum of
 * samples, and the TokenBucket the controller mutation quota uses. Time is always passed in, so a
 * manual clock drives them in tests.
 */

/** How a quota measures: `samples` windows of `windowMs` each (quota.window.num, quota.window.size.seconds). */
export interface QuotaWindow {
  readonly samples: number;
  readonly windowMs: number;
}

interface Sample {
  value: number;
  eventCount: number;
  startTimeMs: number;
  lastEventMs: number;
}

/**
 * Kafka's Rate over a WindowedSum (SampledStat): values land in the current sample; a sample older
 * than its window starts the next one, reusing the oldest slot. One slot more than `samples` is kept,
 * for the sample that started before the monitored span but overlaps it. A sample with no event in
 * the last samples x windowMs is reset when measured.
 */
export class SampledRate {
  readonly #window: QuotaWindow;
  readonly #samples: Sample[] = [];
  #current = 0;

  constructor(window: QuotaWindow) {
    this.#window = window;
  }

  record(value: number, timeMs: number): void {
    let sample = this.#currentSample(timeMs);
    if (timeMs - sample.startTimeMs >= this.#window.windowMs) sample = this.#advance(timeMs);
    sample.value += value;
    sample.eventCount += 1;
    sample.lastEventMs = timeMs;
  }

  /** Units per second over the retained samples. */
  measure(nowMs: number): number {
    this.#purgeObsolete(nowMs);
    let total = 0;
    for (const sample of this.#samples) total += sample.value;
    return total / (this.windowSizeMs(nowMs) / 1000);
  }

  /** The mean of the values recorded over the retained samples (Kafka's Avg over the same samples); NaN when none. */
  mean(nowMs: number): number {
    this.#purgeObsolete(nowMs);
    let total = 0;
    let count = 0;
    for (const sample of this.#samples) {
      total += sample.value;
      count += sample.eventCount;
    }
    return count === 0 ? Number.NaN : total / count;
  }

  /**
   * The span the rate divides by (Rate.windowSize): from the oldest retained sample's start, but never
   * less than samples - 1 whole windows plus the current part, so a young sensor does not read as a
   * burst; at least 1 ms.
   */
  windowSizeMs(nowMs: number): number {
    this.#purgeObsolete(nowMs);
    const { samples, windowMs } = this.#window;
    let elapsed = nowMs - this.#oldest(nowMs).startTimeMs;
    const fullWindows = Math.floor(elapsed / windowMs);
    if (fullWindows < samples - 1) elapsed += (samples - 1 - fullWindows) * windowMs;
    return Math.max(elapsed, 1);
  }

  #currentSample(timeMs: number): Sample {
    if (this.#samples.length === 0) this.#samples.push(newSample(timeMs));
    return this.#samples[this.#current]!;
  }

  #advance(timeMs: number): Sample {
    this.#current = (this.#current + 1) % (this.#window.samples + 1);
    if (this.#current >= this.#samples.length) {
      const sample = newSample(timeMs);
      this.#samples.push(sample);
      return sample;
    }
    const sample = this.#samples[this.#current]!;
    resetSample(sample, timeMs);
    return sample;
  }

  #oldest(nowMs: number): Sample {
    if (this.#samples.length === 0) this.#samples.push(newSample(nowMs));
    let oldest = this.#samples[0]!;
    for (const sample of this.#samples) if (sample.startTimeMs < oldest.startTimeMs) oldest = sample;
    return oldest;
  }

  #purgeObsolete(nowMs: number): void {
    const expireAgeMs = this.#window.samples * this.#window.windowMs;
    for (const sample of this.#samples) if (nowMs - sample.lastEventMs >= expireAgeMs) resetSample(sample, nowMs);
  }
}

function newSample(timeMs: number): Sample {
  return { value: 0, eventCount: 0, startTimeMs: timeMs, lastEventMs: timeMs };
}

function resetSample(sample: Sample, timeMs: number): void {
  sample.value = 0;
  sample.eventCount = 0;
  sample.startTimeMs = timeMs;
  sample.lastEventMs = timeMs;
}

/**
 * QuotaUtils.throttleTime: the delay X that brings an observed rate O back to the bound T over the
 * window W it was measured on, O * W / (W + X) = T, so X = (O - T) / T * W; rounded to a millisecond.
 */
export function throttleTimeMs(observed: number, bound: number, windowSizeMs: number): number {
  return Math.round(((observed - bound) / bound) * windowSizeMs);
}

/**
 * Kafka's TokenBucket (KIP-599): credits refill at `bound` per second up to a burst of
 * samples x window x bound; a record takes its value out, and the quota is exceeded while the
 * credits are below zero. The throttle is the time to refill to zero: -credits / bound.
 */
export class TokenBucket {
  readonly #window: QuotaWindow;
  #tokens = 0;
  #lastUpdateMs = 0;

  constructor(window: QuotaWindow) {
    this.#window = window;
  }

  /** The credits left at `nowMs` for a quota of `bound` per second. */
  measure(bound: number, nowMs: number): number {
    this.#refill(bound, nowMs);
    return this.#tokens;
  }

  record(value: number, bound: number, nowMs: number): void {
    this.#refill(bound, nowMs);
    this.#tokens = Math.min(this.#burst(bound), this.#tokens - value);
  }

  #refill(bound: number, nowMs: number): void {
    this.#tokens = Math.min(this.#burst(bound), this.#tokens + (bound * (nowMs - this.#lastUpdateMs)) / 1000);
    this.#lastUpdateMs = nowMs;
  }

  #burst(bound: number): number {
    return (this.#window.samples * this.#window.windowMs * bound) / 1000;
  }
}
