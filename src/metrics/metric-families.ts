import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/*
 * prom-client metrics whose values are read when Prometheus scrapes (their `collect`), from counts
 * the broker keeps in plain numbers. A prom-client child costs a label hash per increment (about
 * 150 ns for a counter, 600 ns for a histogram observation, measured on Node 24); the broker's hot
 * paths add to fields of objects they hold instead, and nothing happens between scrapes.
 */

export type Labels = Readonly<Record<string, string | number>>;

export interface Sample {
  readonly labels: Labels;
  readonly value: number;
}

/** A family as prom-client registers it: name, help, label names. */
export interface FamilyShape {
  readonly name: string;
  readonly help: string;
  readonly labels: readonly string[];
}

/** A counter whose samples `read` gives at each scrape (Kafka's meters: their running Count). */
export function counterFamily(registry: Registry, family: FamilyShape, read: () => Iterable<Sample>): Counter<string> {
  return new Counter({
    name: family.name, help: family.help, labelNames: family.labels, registers: [registry],
    collect() {
      this.reset();
      for (const { labels, value } of read()) this.inc(labels, value);
    },
  });
}

/** A gauge whose samples `read` gives at each scrape (state: counts, sizes, offsets). */
export function gaugeFamily(registry: Registry, family: FamilyShape, read: () => Iterable<Sample>): Gauge<string> {
  return new Gauge({
    name: family.name, help: family.help, labelNames: family.labels, registers: [registry],
    collect() {
      this.reset();
      for (const { labels, value } of read()) this.set(labels, value);
    },
  });
}

/** Upper bounds for times in ms: from a tenth of a millisecond (a produce answered from memory) to 30 s. */
export const TIME_MS_BUCKETS: readonly number[] = Object.freeze([0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000]);
/** Upper bounds for sizes in bytes: powers of 4 from 64 B to 64 MiB. */
export const BYTES_BUCKETS: readonly number[] = Object.freeze(Array.from({ length: 11 }, (_, i) => 64 * 4 ** i));

/**
 * One histogram's observations, kept as a Prometheus histogram is (a count per bucket, their sum)
 * at the cost of a short scan of the bounds; the bucket of value v is the first bound >= v.
 */
export class HistogramData {
  readonly bounds: readonly number[];
  /** Per bucket (not cumulative); the last one is +Inf. */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(bounds: readonly number[]) {
    this.bounds = bounds;
    this.counts = new Float64Array(bounds.length + 1);
  }

  observe(value: number): void {
    const bounds = this.bounds;
    let bucket = 0;
    while (bucket < bounds.length && value > bounds[bucket]!) bucket++;
    this.counts[bucket]! += 1;
    this.sum += value;
    this.count += 1;
  }
}

export interface HistogramSample {
  readonly labels: Labels;
  readonly data: HistogramData;
}

/**
 * A histogram family read from HistogramData at each scrape: prom-client's Histogram (type,
 * registration, text format) with its values taken from `read` rather than from observe().
 */
class CollectedHistogram extends Histogram<string> {
  readonly #family: FamilyShape;
  readonly #read: () => Iterable<HistogramSample>;

  constructor(registry: Registry, family: FamilyShape, buckets: readonly number[], read: () => Iterable<HistogramSample>) {
    super({ name: family.name, help: family.help, labelNames: [...family.labels], buckets: [...buckets], registers: [registry] });
    this.#family = family;
    this.#read = read;
  }

  /** What prom-client's registry formats: cumulative buckets with `le`, then `_sum` and `_count`, per label set. */
  override async get(): Promise<Awaited<ReturnType<Histogram<string>['get']>>> {
    const values: Array<{ labels: Labels; value: number; metricName: string }> = [];
    const name = this.#family.name;
    for (const { labels, data } of this.#read()) {
      let cumulative = 0;
      data.bounds.forEach((bound, index) => {
        cumulative += data.counts[index]!;
        values.push({ labels: { ...labels, le: bound }, value: cumulative, metricName: `${name}_bucket` });
      });
      values.push({ labels: { ...labels, le: '+Inf' }, value: data.count, metricName: `${name}_bucket` });
      values.push({ labels, value: data.sum, metricName: `${name}_sum` });
      values.push({ labels, value: data.count, metricName: `${name}_count` });
    }
    return { name, help: this.#family.help, type: 'histogram', values, aggregator: 'sum' } as unknown as Awaited<ReturnType<Histogram<string>['get']>>;
  }

  /** The registry's text format asks this, when a metric has it, before get(). */
  getForPromString(): ReturnType<Histogram<string>['get']> {
    return this.get();
  }
}

export function histogramFamily(registry: Registry, family: FamilyShape, buckets: readonly number[], read: () => Iterable<HistogramSample>): Histogram<string> {
  return new CollectedHistogram(registry, family, buckets, read);
}

