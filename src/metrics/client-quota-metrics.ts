import type { Registry } from 'prom-client';
import type { BrokerContext } from '../broker/broker-context.ts';
import { sanitizeEntityName } from '../broker/cluster/entity-path.ts';
import type { ClientQuotaManager, QuotaSensorReading } from '../broker/security/quotas/client-quota-manager.ts';
import type { QuotaManagers } from '../broker/security/quotas/quota-managers.ts';
import { CLIENT_QUOTA_METRICS, type KafkaMetricDefinition } from './kafka-metric-definitions.ts';
import { gaugeFamily, type Sample } from './metric-families.ts';

/** One quota sensor metric: its definitions (by MBean shape), the manager it reads, what of a sensor it shows. */
interface QuotaMetric {
  readonly definitions: readonly KafkaMetricDefinition[];
  readonly manager: (quotas: QuotaManagers) => ClientQuotaManager;
  readonly read: (reading: QuotaSensorReading) => number;
}

const rate = (reading: QuotaSensorReading): number => reading.rate;
const throttleTime = (reading: QuotaSensorReading): number => reading.throttleTimeMs;

const QUOTA_METRICS: readonly QuotaMetric[] = [
  { definitions: CLIENT_QUOTA_METRICS.produceByteRate, manager: (q) => q.produce, read: rate },
  { definitions: CLIENT_QUOTA_METRICS.produceThrottleTime, manager: (q) => q.produce, read: throttleTime },
  { definitions: CLIENT_QUOTA_METRICS.fetchByteRate, manager: (q) => q.fetch, read: rate },
  { definitions: CLIENT_QUOTA_METRICS.fetchThrottleTime, manager: (q) => q.fetch, read: throttleTime },
  { definitions: CLIENT_QUOTA_METRICS.requestTime, manager: (q) => q.request, read: rate },
  { definitions: CLIENT_QUOTA_METRICS.requestThrottleTime, manager: (q) => q.request, read: throttleTime },
];

/** What a family that several quota types share shows, by attribute. */
const SHARED_HELP: Readonly<Record<string, string>> = {
  'byte-rate': 'Bytes per second of a client\'s Produce requests or Fetch answers (resource), over quota.window.num windows',
  'throttle-time': 'Mean ms a client was throttled for the quota in resource (Produce, Fetch, Request), over the last 60 s (NaN: none)',
};

/** Kafka's Sanitizer.jmxSanitize: an MBean key value with characters JMX reserves is quoted (ObjectName.quote). */
function jmxSanitize(value: string): string {
  if (/^[\w\-%. \t]*$/.test(value)) return value;
  return `"${value.replace(/[\\"*?]/g, (c) => `\\${c}`).replace(/\n/g, '\\n')}"`;
}

/** The MBean key values of a sensor: the user as Kafka's quota tags sanitize it, then the client id; empty ones left out. */
function keyValues(reading: QuotaSensorReading): { shape: number; values: string[] } {
  const values: string[] = [];
  if (reading.user !== '') values.push(jmxSanitize(sanitizeEntityName(reading.user)));
  if (reading.clientId !== '') values.push(jmxSanitize(reading.clientId));
  return { shape: (reading.user !== '' ? 2 : 0) + (reading.clientId !== '' ? 1 : 0), values };
}

/**
 * Kafka's per-client quota metrics (ClientQuotaManager's sensors for Produce, Fetch and Request):
 * each sensor's rate over the quota windows and its mean throttle time, read when Prometheus
 * scrapes. As in Kafka, a sensor exists once a quota of its type is set and a client of it sent a
 * request, and goes after an hour without one. A sensor's MBean names only the user and client id
 * it is shared by, so the exporter's rules name it as one of several families (a user alone has
 * none of the quota rules: the default export's `kafka_server_produce_byte_rate{user}`).
 */
export function registerClientQuotaMetrics(registry: Registry, context: () => BrokerContext | undefined): void {
  // One Prometheus family per name the MBean shapes get, fed by every (metric, shape) named so.
  const families = new Map<string, { definition: KafkaMetricDefinition; labels: Set<string>; parts: Array<{ metric: QuotaMetric; shape: number }> }>();
  for (const metric of QUOTA_METRICS) {
    metric.definitions.forEach((definition, shape) => {
      let family = families.get(definition.name);
      if (family === undefined) families.set(definition.name, (family = { definition, labels: new Set(), parts: [] }));
      for (const label of definition.labels) family.labels.add(label);
      family.parts.push({ metric, shape });
    });
  }
  for (const [name, family] of families) {
    const shared = new Set(family.parts.map(({ metric }) => metric)).size > 1;
    const help = shared ? `${SHARED_HELP[family.definition.attribute]} (kafka.server:type=<resource>,[user=..,]client-id=..)` : family.definition.help;
    gaugeFamily(registry, { name, help, labels: [...family.labels] }, () => {
      const broker = context();
      const quotas = broker?.quotas;
      if (broker === undefined || quotas === undefined) return [];
      const nowMs = broker.time.now();
      const samples: Sample[] = [];
      for (const { metric, shape } of family.parts) {
        for (const reading of metric.manager(quotas).sensorReadings(nowMs)) {
          const key = keyValues(reading);
          if (key.shape === shape) samples.push({ labels: metric.definitions[shape]!.labelsFor(key.values), value: metric.read(reading) });
        }
      }
      return samples;
    });
  }
}
