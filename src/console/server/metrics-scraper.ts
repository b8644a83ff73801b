import type { RateHistory, RateSample } from '../api-types.ts';

/**
 * Kafka's BrokerTopicMetrics counters as the Prometheus JMX exporter names them (and Samsa's
 * /metrics does): the aggregate series has no `topic` label, the per-topic ones have.
 */
const COUNTERS = {
  bytesIn: 'kafka_server_brokertopicmetrics_bytesin_total',
  bytesOut: 'kafka_server_brokertopicmetrics_bytesout_total',
  messagesIn: 'kafka_server_brokertopicmetrics_messagesin_total',
} as const;
type CounterName = keyof typeof COUNTERS;
type Totals = Record<CounterName, number>;

const SERIES = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)/;

/**
 * The counters' totals in one Prometheus text exposition: the aggregate series when the target
 * exports one, else the sum of its per-topic series. Other lines are ignored.
 */
export function parseBrokerTopicTotals(text: string): Totals {
  const aggregate: Partial<Totals> = {};
  const perTopic: Totals = { bytesIn: 0, bytesOut: 0, messagesIn: 0 };
  const names = Object.entries(COUNTERS) as Array<[CounterName, string]>;
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || !line.startsWith('kafka_server_brokertopicmetrics_')) continue;
    const match = SERIES.exec(line);
    if (match === null) continue;
    const counter = names.find(([, name]) => name === match[1])?.[0];
    const value = Number(match[3]);
    if (counter === undefined || !Number.isFinite(value)) continue;
    if (/\btopic="/.test(match[2] ?? '')) perTopic[counter] += value;
    else aggregate[counter] = (aggregate[counter] ?? 0) + value;
  }
  return { bytesIn: aggregate.bytesIn ?? perTopic.bytesIn, bytesOut: aggregate.bytesOut ?? perTopic.bytesOut, messagesIn: aggregate.messagesIn ?? perTopic.messagesIn };
}

/** One hour of samples at the default interval. */
const MAX_SAMPLES = 720;

/**
 * Scrapes each broker's /metrics every `intervalMs` and keeps the cluster's in and out rates: each
 * URL's counter increase over the time between its last two scrapes, summed over the URLs. A URL
 * that fails (or whose counters went back: a restarted broker) adds nothing to that sample.
 */
export class MetricsScraper {
  readonly urls: readonly string[];
  readonly intervalMs: number;
  readonly #last = new Map<string, { atMs: number; totals: Totals }>();
  readonly #samples: RateSample[] = [];
  #errors: Array<{ url: string; message: string }> = [];
  #timer: NodeJS.Timeout | null = null;
  #scraping: Promise<void> | null = null;

  constructor(urls: readonly string[], { intervalMs = 5_000 } = {}) {
    this.urls = urls;
    this.intervalMs = intervalMs;
  }

  start(): void {
    if (this.#timer !== null) return;
    void this.scrape();
    this.#timer = setInterval(() => void this.scrape(), this.intervalMs);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
  }

  /** One scrape of every URL (overlapping calls share the one in progress). */
  scrape(): Promise<void> {
    this.#scraping ??= this.#scrapeAll().finally(() => { this.#scraping = null; });
    return this.#scraping;
  }

  async #scrapeAll(): Promise<void> {
    const errors: Array<{ url: string; message: string }> = [];
    const sum: Totals = { bytesIn: 0, bytesOut: 0, messagesIn: 0 };
    let rated = 0;
    await Promise.all(this.urls.map(async (url) => {
      try {
        const response = await fetch(url, { signal: AbortSignal.timeout(Math.max(1_000, this.intervalMs)) });
        if (!response.ok) throw new Error(`HTTP ${response.status}`);
        const totals = parseBrokerTopicTotals(await response.text());
        const atMs = Date.now();
        const last = this.#last.get(url);
        this.#last.set(url, { atMs, totals });
        if (last === undefined || atMs <= last.atMs) return;
        const seconds = (atMs - last.atMs) / 1000;
        const deltas = (Object.keys(sum) as CounterName[]).map((name) => [name, totals[name] - last.totals[name]] as const);
        if (deltas.some(([, delta]) => delta < 0)) return;
        for (const [name, delta] of deltas) sum[name] += delta / seconds;
        rated++;
      } catch (error) {
        errors.push({ url, message: (error as Error).message });
      }
    }));
    this.#errors = errors;
    if (rated === 0) return;
    this.#samples.push({ timestampMs: Date.now(), bytesInPerSec: sum.bytesIn, bytesOutPerSec: sum.bytesOut, messagesInPerSec: sum.messagesIn });
    if (this.#samples.length > MAX_SAMPLES) this.#samples.splice(0, this.#samples.length - MAX_SAMPLES);
  }

  latest(): RateSample | null {
    return this.#samples.at(-1) ?? null;
  }

  history(): RateHistory {
    return { metrics: true, intervalMs: this.intervalMs, samples: [...this.#samples], errors: [...this.#errors] };
  }
}
