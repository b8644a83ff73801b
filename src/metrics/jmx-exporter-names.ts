/**
 * The Prometheus names Kafka's JMX metrics get from the Prometheus JMX exporter with its example
 * configuration for Kafka (prometheus/jmx_exporter, example_configs/kafka-2_0_0.yml), so that the
 * dashboards and alerts written against a Kafka broker read a Samsa broker unchanged.
 *
 * Every metric is defined by its Kafka MBean; `prometheusName` is the one place its Prometheus name
 * and label names come from. It does what the exporter does: writes the MBean as the exporter
 * matches it (`domain<key=value, ...><>Attribute: value`, keys in Kafka's registration order), runs
 * the configuration's rules in order, the first match giving the name (with unsafe characters made
 * `_` and the name lowercased: lowercaseOutputName) and the labels (names not lowercased).
 *
 * The configuration's rules cover Yammer metrics (the `Value` of gauges; the `Count` of meters,
 * histograms and timers; percentiles). Kafka's own metrics (SocketServer's `connection-count`, the
 * group coordinator's `group-count`) are MBean attributes no rule matches, which that file drops;
 * here they are named as the exporter's default export names an MBean no named rule matches (the
 * catch-all rule most Kafka deployments add): domain, the first key's value, the attribute, and the
 * other keys as labels.
 */

/** A Kafka MBean: `domain:type=<type>[,name=<name>][,<key>=<value>...]`, keys in Kafka's order. */
export interface KafkaMBean {
  /** `kafka.server`, `kafka.network`, `kafka.log`, `kafka.controller`, `kafka.coordinator.group`... */
  readonly domain: string;
  readonly type: string;
  /** Yammer metrics have a name; Kafka's own metrics do not (their name is the attribute). */
  readonly name?: string;
  /** The MBean's other keys (`topic`, `partition`, `request`...), in the order Kafka registers them. */
  readonly keys: readonly string[];
}

export interface PrometheusName {
  readonly name: string;
  /**
   * The label name of each MBean key, by position in `keys`: the key's own label, or the label a
   * rule writes its value into along with other text (see `sampleLabels`).
   */
  readonly labels: readonly string[];
}

interface Rule {
  readonly pattern: RegExp;
  /** Prometheus name template ($1... are the pattern's groups). */
  readonly name: string;
  /** [label name template, label value template] pairs. */
  readonly labels?: ReadonlyArray<readonly [string, string]>;
}

/** The exporter wraps each rule's pattern in `^.*` and `.*$`, and matches the whole bean string. */
function rule(pattern: string, name: string, labels?: ReadonlyArray<readonly [string, string]>): Rule {
  return { pattern: new RegExp(`^.*${pattern}.*$`), name, ...(labels === undefined ? {} : { labels }) };
}

const TWO_KEYS = [['$4', '$5'], ['$6', '$7']] as const;
const ONE_KEY = [['$4', '$5']] as const;

/** kafka-2_0_0.yml's rules, in its order (the first match wins). */
const KAFKA_RULES: readonly Rule[] = [
  // Replica fetcher lag and the like, per client id, topic and partition; then per broker.
  rule('kafka.server<type=(.+), name=(.+), clientId=(.+), topic=(.+), partition=(.*)><>Value', 'kafka_server_$1_$2', [['clientId', '$3'], ['topic', '$4'], ['partition', '$5']]),
  rule('kafka.server<type=(.+), name=(.+), clientId=(.+), brokerHost=(.+), brokerPort=(.+)><>Value', 'kafka_server_$1_$2', [['clientId', '$3'], ['broker', '$4:$5']]),
  // The group and transaction coordinators' gauges (a dotted domain the generic rules do not match).
  rule('kafka.coordinator.(\\w+)<type=(.+), name=(.+)><>Value', 'kafka_coordinator_$1_$2_$3'),
  // Meters (`...PerSec`): their Count as a counter, 0-2 keys as labels.
  rule('kafka.(\\w+)<type=(.+), name=(.+)PerSec\\w*, (.+)=(.+), (.+)=(.+)><>Count', 'kafka_$1_$2_$3_total', TWO_KEYS),
  rule('kafka.(\\w+)<type=(.+), name=(.+)PerSec\\w*, (.+)=(.+)><>Count', 'kafka_$1_$2_$3_total', ONE_KEY),
  rule('kafka.(\\w+)<type=(.+), name=(.+)PerSec\\w*><>Count', 'kafka_$1_$2_$3_total'),
  // Client quotas.
  rule('kafka.server<type=(.+), client-id=(.+)><>([a-z-]+)', 'kafka_server_quota_$3', [['resource', '$1'], ['clientId', '$2']]),
  rule('kafka.server<type=(.+), user=(.+), client-id=(.+)><>([a-z-]+)', 'kafka_server_quota_$4', [['resource', '$1'], ['user', '$2'], ['clientId', '$3']]),
  // Gauges: their Value, 0-2 keys as labels.
  rule('kafka.(\\w+)<type=(.+), name=(.+), (.+)=(.+), (.+)=(.+)><>Value', 'kafka_$1_$2_$3', TWO_KEYS),
  rule('kafka.(\\w+)<type=(.+), name=(.+), (.+)=(.+)><>Value', 'kafka_$1_$2_$3', ONE_KEY),
  rule('kafka.(\\w+)<type=(.+), name=(.+)><>Value', 'kafka_$1_$2_$3'),
  // Histograms and timers: their Count as `_count`, their percentiles as gauges with a quantile label.
  rule('kafka.(\\w+)<type=(.+), name=(.+), (.+)=(.+), (.+)=(.+)><>Count', 'kafka_$1_$2_$3_count', TWO_KEYS),
  rule('kafka.(\\w+)<type=(.+), name=(.+), (.+)=(.*), (.+)=(.+)><>(\\d+)thPercentile', 'kafka_$1_$2_$3', [...TWO_KEYS, ['quantile', '0.$8']]),
  rule('kafka.(\\w+)<type=(.+), name=(.+), (.+)=(.+)><>Count', 'kafka_$1_$2_$3_count', ONE_KEY),
  rule('kafka.(\\w+)<type=(.+), name=(.+), (.+)=(.*)><>(\\d+)thPercentile', 'kafka_$1_$2_$3', [...ONE_KEY, ['quantile', '0.$6']]),
  rule('kafka.(\\w+)<type=(.+), name=(.+)><>Count', 'kafka_$1_$2_$3_count'),
  rule('kafka.(\\w+)<type=(.+), name=(.+)><>(\\d+)thPercentile', 'kafka_$1_$2_$3', [['quantile', '0.$4']]),
];

/** The exporter's safeName: characters outside [a-zA-Z0-9:_] become `_`, runs of `_` one. */
function safeName(text: string): string {
  return text.replace(/[^a-zA-Z0-9:_]/g, '_').replace(/__+/g, '_');
}

/** Stands for the value of the MBean's key `index` while the rules run: no rule looks inside values. */
const placeholder = (index: number): string => `\u0000${index}\u0000`;

/**
 * The Prometheus name and label names the JMX exporter (kafka-2_0_0.yml, then its default export)
 * gives `attribute` of `mbean`. A label name is given for every key, in key order; extra labels a
 * rule adds (a percentile's quantile) come after. Throws if a key would not become a label.
 */
export function prometheusName(mbean: KafkaMBean, attribute: string): PrometheusName & { readonly extraLabels: ReadonlyArray<readonly [string, string]> } {
  const properties = [`type=${mbean.type}`, ...(mbean.name === undefined ? [] : [`name=${mbean.name}`]), ...mbean.keys.map((key, index) => `${key}=${placeholder(index)}`)];
  const bean = `${mbean.domain}<${properties.join(', ')}><>${attribute}: 0`;
  for (const { pattern, name, labels } of KAFKA_RULES) {
    if (!pattern.test(bean)) continue;
    const labelNames = new Array<string>(mbean.keys.length);
    const extraLabels: Array<readonly [string, string]> = [];
    for (const [labelTemplate, valueTemplate] of labels ?? []) {
      const label = safeName(bean.replace(pattern, labelTemplate));
      const value = bean.replace(pattern, valueTemplate);
      const key = mbean.keys.findIndex((_, index) => value === placeholder(index));
      if (key >= 0) {
        labelNames[key] = label;
        continue;
      }
      // A value with more than one key's value in it: a greedy group took the type and the keys after
      // it (the quota rule for client-id matches a user and client-id MBean, resource="Produce, user=u").
      extraLabels.push([label, value]);
      mbean.keys.forEach((_, index) => {
        if (value.includes(placeholder(index))) labelNames[index] = label;
      });
    }
    return { name: safeName(bean.replace(pattern, name)).toLowerCase(), labels: checkedLabels(mbean, labelNames), extraLabels };
  }
  // The default export: domain, the first key's value (the type), the attribute; the other keys as labels.
  if (mbean.name !== undefined) throw new Error(`${describe(mbean)}: no rule names its ${attribute}`);
  const name = safeName(`${mbean.domain}_${mbean.type}_${attribute}`).toLowerCase();
  return { name, labels: checkedLabels(mbean, mbean.keys.map(safeName)), extraLabels: [] };
}

/**
 * The labels of one sample of `mbean`'s attribute named `derived`, given the MBean's key values in
 * key order: each key's own label, and the labels a rule builds from the MBean's text.
 */
export function sampleLabels(derived: PrometheusName & { readonly extraLabels: ReadonlyArray<readonly [string, string]> }, values: readonly (string | number)[]): Record<string, string | number> {
  const labels: Record<string, string | number> = {};
  const built = new Set(derived.extraLabels.map(([label]) => label));
  derived.labels.forEach((label, index) => {
    if (!built.has(label)) labels[label] = values[index]!;
  });
  for (const [label, template] of derived.extraLabels) {
    labels[label] = template.replace(/\u0000(\d+)\u0000/g, (_, index: string) => String(values[Number(index)]));
  }
  return labels;
}

function checkedLabels(mbean: KafkaMBean, labels: readonly (string | undefined)[]): readonly string[] {
  const missing = mbean.keys.filter((_, index) => labels[index] === undefined);
  if (missing.length > 0) throw new Error(`${describe(mbean)}: keys ${missing.join(', ')} would not be labels`);
  return labels as readonly string[];
}

/** The MBean's object name as JMX writes it, e.g. `kafka.log:type=Log,name=Size,topic,partition` (keys without values). */
export function describe(mbean: KafkaMBean): string {
  return `${mbean.domain}:type=${mbean.type}${mbean.name === undefined ? '' : `,name=${mbean.name}`}${mbean.keys.map((key) => `,${key}`).join('')}`;
}
