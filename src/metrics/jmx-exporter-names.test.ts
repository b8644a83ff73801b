import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describe, prometheusName, sampleLabels, type KafkaMBean } from './jmx-exporter-names.ts';
import { ALL_KAFKA_METRICS } from './kafka-metric-definitions.ts';

const mbean = (domain: string, type: string, name: string | undefined, keys: string[] = []): KafkaMBean =>
  name === undefined ? { domain, type, keys } : { domain, type, name, keys };

/**
 * What the JMX exporter with kafka-2_0_0.yml exports for these MBeans of a Kafka broker, as
 * Kafka dashboards and alerts query them.
 */
const EXPORTER_OUTPUT: ReadonlyArray<[KafkaMBean, string, string, string[]]> = [
  [mbean('kafka.server', 'BrokerTopicMetrics', 'MessagesInPerSec', ['topic']), 'Count', 'kafka_server_brokertopicmetrics_messagesin_total', ['topic']],
  [mbean('kafka.server', 'BrokerTopicMetrics', 'BytesInPerSec'), 'Count', 'kafka_server_brokertopicmetrics_bytesin_total', []],
  [mbean('kafka.server', 'BrokerTopicMetrics', 'TotalProduceRequestsPerSec', ['topic']), 'Count', 'kafka_server_brokertopicmetrics_totalproducerequests_total', ['topic']],
  [mbean('kafka.server', 'ReplicaManager', 'UnderReplicatedPartitions'), 'Value', 'kafka_server_replicamanager_underreplicatedpartitions', []],
  [mbean('kafka.server', 'ReplicaManager', 'IsrShrinksPerSec'), 'Count', 'kafka_server_replicamanager_isrshrinks_total', []],
  [mbean('kafka.controller', 'KafkaController', 'ActiveControllerCount'), 'Value', 'kafka_controller_kafkacontroller_activecontrollercount', []],
  [mbean('kafka.controller', 'KafkaController', 'OfflinePartitionsCount'), 'Value', 'kafka_controller_kafkacontroller_offlinepartitionscount', []],
  [mbean('kafka.controller', 'ControllerStats', 'LeaderElectionRateAndTimeMs'), 'Count', 'kafka_controller_controllerstats_leaderelectionrateandtimems_count', []],
  [mbean('kafka.controller', 'ControllerStats', 'UncleanLeaderElectionsPerSec'), 'Count', 'kafka_controller_controllerstats_uncleanleaderelections_total', []],
  [mbean('kafka.network', 'RequestMetrics', 'ErrorsPerSec', ['request', 'error']), 'Count', 'kafka_network_requestmetrics_errors_total', ['request', 'error']],
  [mbean('kafka.network', 'RequestMetrics', 'RequestsPerSec', ['request', 'version']), 'Count', 'kafka_network_requestmetrics_requests_total', ['request', 'version']],
  [mbean('kafka.network', 'RequestMetrics', 'TotalTimeMs', ['request']), 'Count', 'kafka_network_requestmetrics_totaltimems_count', ['request']],
  [mbean('kafka.network', 'RequestMetrics', 'LocalTimeMs', ['request']), 'Count', 'kafka_network_requestmetrics_localtimems_count', ['request']],
  [mbean('kafka.log', 'Log', 'Size', ['topic', 'partition']), 'Value', 'kafka_log_log_size', ['topic', 'partition']],
  [mbean('kafka.log', 'Log', 'LogEndOffset', ['topic', 'partition']), 'Value', 'kafka_log_log_logendoffset', ['topic', 'partition']],
  [mbean('kafka.log', 'LogFlushStats', 'LogFlushRateAndTimeMs'), 'Count', 'kafka_log_logflushstats_logflushrateandtimems_count', []],
  [mbean('kafka.cluster', 'Partition', 'UnderReplicated', ['topic', 'partition']), 'Value', 'kafka_cluster_partition_underreplicated', ['topic', 'partition']],
  [mbean('kafka.coordinator.group', 'GroupMetadataManager', 'NumGroupsStable'), 'Value', 'kafka_coordinator_group_groupmetadatamanager_numgroupsstable', []],
  [mbean('kafka.server', 'FetcherLagMetrics', 'ConsumerLag', ['clientId', 'topic', 'partition']), 'Value', 'kafka_server_fetcherlagmetrics_consumerlag', ['clientId', 'topic', 'partition']],
  // Kafka's own metrics, which no rule of the file names: the exporter's default export.
  [mbean('kafka.server', 'socket-server-metrics', undefined, ['listener', 'networkProcessor']), 'connection-count', 'kafka_server_socket_server_metrics_connection_count', ['listener', 'networkProcessor']],
];

test('MBeans are named as the JMX exporter with kafka-2_0_0.yml names them', () => {
  for (const [bean, attribute, name, labels] of EXPORTER_OUTPUT) {
    const derived = prometheusName(bean, attribute);
    assert.equal(derived.name, name, `${bean.type} ${bean.name}`);
    assert.deepEqual(derived.labels, labels, `${bean.type} ${bean.name}`);
  }
});

test('a histogram\'s percentile attribute is the exporter\'s gauge with a quantile label', () => {
  const p99 = prometheusName(mbean('kafka.network', 'RequestMetrics', 'TotalTimeMs', ['request']), '99thPercentile');
  assert.equal(p99.name, 'kafka_network_requestmetrics_totaltimems');
  assert.deepEqual(p99.labels, ['request']);
  assert.deepEqual(p99.extraLabels, [['quantile', '0.99']]);
  const p999 = prometheusName(mbean('kafka.log', 'LogFlushStats', 'LogFlushRateAndTimeMs'), '999thPercentile');
  assert.equal(p999.name, 'kafka_log_logflushstats_logflushrateandtimems');
  assert.deepEqual(p999.extraLabels, [['quantile', '0.999']]);
});

test('client quota sensors: the type is the resource label, and a user before the client id lands in it too (the client-id rule matches first)', () => {
  const byClient = prometheusName(mbean('kafka.server', 'Produce', undefined, ['client-id']), 'byte-rate');
  assert.equal(byClient.name, 'kafka_server_quota_byte_rate');
  assert.deepEqual(sampleLabels(byClient, ['producer-1']), { clientId: 'producer-1', resource: 'Produce' });
  const byUserAndClient = prometheusName(mbean('kafka.server', 'Request', undefined, ['user', 'client-id']), 'throttle-time');
  assert.equal(byUserAndClient.name, 'kafka_server_quota_throttle_time');
  assert.deepEqual(byUserAndClient.labels, ['resource', 'clientId']);
  assert.deepEqual(sampleLabels(byUserAndClient, ['alice', 'producer-1']), { clientId: 'producer-1', resource: 'Request, user=alice' });
  // A user alone matches none of the file's rules: the default export.
  const byUser = prometheusName(mbean('kafka.server', 'Fetch', undefined, ['user']), 'byte-rate');
  assert.equal(byUser.name, 'kafka_server_fetch_byte_rate');
  assert.deepEqual(sampleLabels(byUser, ['alice']), { user: 'alice' });
});

test('a Yammer MBean no rule matches is an error, not a made-up name', () => {
  assert.throws(() => prometheusName(mbean('kafka.server', 'ReplicaManager', 'UnderReplicatedPartitions'), 'MeanRate'), /no rule names its MeanRate/);
});

test('every metric Samsa defines gets the name and labels its MBean gets from the exporter', () => {
  const names = new Map<string, string>();
  const attributes = new Set<string>();
  for (const definition of ALL_KAFKA_METRICS) {
    const exported = prometheusName(definition.mbean, definition.attribute);
    // A histogram's _count is the exporter's Count; counters end in _total, gauges are the Value.
    const expected = definition.kind === 'histogram' ? `${definition.name}_count` : definition.name;
    assert.equal(exported.name, expected);
    assert.deepEqual(definition.labels, [...new Set([...exported.labels, ...exported.extraLabels.map(([label]) => label)])]);
    if (definition.kind === 'counter') assert.match(definition.name, /_total$/);
    // Each MBean attribute once; a name twice only where the rules give several MBeans one family (the quota sensors').
    const attribute = `${describe(definition.mbean)} ${definition.attribute}`;
    assert.ok(!attributes.has(attribute), `${attribute} is defined once`);
    attributes.add(attribute);
    const earlier = names.get(definition.name);
    assert.ok(earlier === undefined || earlier === definition.kind, `${definition.name} is one kind of metric`);
    names.set(definition.name, definition.kind);
  }
});
