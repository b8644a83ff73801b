/** Percentiles of latency samples (milliseconds), nearest-rank. */
export interface LatencySummary {
  readonly samples: number;
  readonly avg: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

export function summarize(samples: readonly number[]): LatencySummary | null {
  if (samples.length === 0) return null;
  const sorted = Float64Array.from(samples).sort();
  const rank = (p: number): number => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
  let total = 0;
  for (const sample of sorted) total += sample;
  return { samples: sorted.length, avg: total / sorted.length, p50: rank(0.5), p99: rank(0.99), max: sorted[sorted.length - 1]! };
}
