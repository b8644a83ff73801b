/**
 * Reads a /metrics page as Prometheus does: the text exposition format's families (# TYPE lines)
 * and samples (`name{label="value",...} value`), so tests check what a scraper would see.
 */

export interface PrometheusSample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface Scrape {
  readonly status: number;
  readonly contentType: string | null;
  /** Family name -> its # TYPE. */
  readonly types: ReadonlyMap<string, string>;
  readonly samples: readonly PrometheusSample[];
  /** Samples of `name` whose labels include `labels`. */
  find(name: string, labels?: Readonly<Record<string, string>>): PrometheusSample[];
  /** The one sample of `name` with exactly `labels` (none: absent); throws when absent. */
  value(name: string, labels?: Readonly<Record<string, string>>): number;
  /** The sum over the samples of `name` whose labels include `labels`. */
  sum(name: string, labels?: Readonly<Record<string, string>>): number;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

export function parsePrometheusText(text: string, status = 200, contentType: string | null = null): Scrape {
  const types = new Map<string, string>();
  const samples: PrometheusSample[] = [];
  for (const line of text.split('\n')) {
    if (line.startsWith('# TYPE ')) {
      const [name, type] = line.slice('# TYPE '.length).split(' ');
      types.set(name!, type!);
      continue;
    }
    if (line === '' || line.startsWith('#')) continue;
    const match = SAMPLE.exec(line);
    if (match === null) throw new Error(`not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? '').matchAll(LABEL)) labels[key!] = value!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    samples.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  const matches = (sample: PrometheusSample, labels: Readonly<Record<string, string>>) => Object.entries(labels).every(([key, value]) => sample.labels[key] === value);
  const find = (name: string, labels: Readonly<Record<string, string>> = {}) => samples.filter((s) => s.name === name && matches(s, labels));
  return {
    status, contentType, types, samples, find,
    value(name, labels = {}) {
      const exact = samples.filter((s) => s.name === name && matches(s, labels) && Object.keys(s.labels).length === Object.keys(labels).length);
      if (exact.length !== 1) throw new Error(`${exact.length} samples of ${name}${JSON.stringify(labels)}`);
      return exact[0]!.value;
    },
    sum: (name, labels = {}) => find(name, labels).reduce((total, s) => total + s.value, 0),
  };
}

/** GETs http://host:port/metrics and parses it. */
export async function scrapeMetrics(listener: { readonly host: string; readonly port: number }): Promise<Scrape> {
  const response = await fetch(`http://${listener.host}:${listener.port}/metrics`);
  const text = await response.text();
  return parsePrometheusText(text, response.status, response.headers.get('content-type'));
}
