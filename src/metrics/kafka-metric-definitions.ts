import { describe, prometheusName, sampleLabels, type KafkaMBean } from './jmx-exporter-names.ts';

/**
 * Every Kafka metric a Samsa broker exports, defined by its Kafka MBean and named through
 * jmx-exporter-names.ts. A Yammer meter (`...PerSec`) is a Prometheus counter (its Count), a gauge
 * its Value, a Yammer histogram or timer (times in ms, sizes in bytes) a Prometheus histogram whose
 * `_count` is the exporter's `..._count` (the exporter's percentiles become buckets).
 */

export type MetricKind = 'counter' | 'gauge' | 'histogram';

export interface KafkaMetricDefinition {
  readonly mbean: KafkaMBean;
  readonly kind: MetricKind;
  /** What the exporter reads of the MBean: `Count`, `Value`, or a Kafka metric's attribute name. */
  readonly attribute: string;
  readonly help: string;
  /** The Prometheus name (a histogram's base name: the exporter's `..._count` without `_count`). */
  readonly name: string;
  /** The label names of its samples: each MBean key's, in key order, then any a rule builds (no repeats). */
  readonly labels: readonly string[];
  /** A sample's labels from the MBean's key values, in key order. */
  readonly labelsFor: (values: readonly (string | number)[]) => Readonly<Record<string, string | number>>;
}

function define(mbean: KafkaMBean, kind: MetricKind, attribute: string, help: string): KafkaMetricDefinition {
  const derived = prometheusName(mbean, attribute);
  let name = derived.name;
  if (kind === 'histogram') {
    if (!name.endsWith('_count')) throw new Error(`${describe(mbean)}: its Count is not named as a histogram's (${name})`);
    name = name.slice(0, -'_count'.length);
  }
  const labels = [...new Set([...derived.labels, ...derived.extraLabels.map(([label]) => label)])];
  const labelsFor = (values: readonly (string | number)[]) => sampleLabels(derived, values);
  return Object.freeze({ mbean, kind, attribute, help: `${help} (${describe(mbean)})`, name, labels, labelsFor });
}

const meter = (domain: string, type: string, name: string, keys: readonly string[], help: string) => define({ domain, type, name, keys }, 'counter', 'Count', help);
const gauge = (domain: string, type: string, name: string, keys: readonly string[], help: string) => define({ domain, type, name, keys }, 'gauge', 'Value', help);
const histogram = (domain: string, type: string, name: string, keys: readonly string[], help: string) => define({ domain, type, name, keys }, 'histogram', 'Count', help);
/** A Kafka (not Yammer) metric: an MBean without a name, the metric being its attribute. */
const kafkaMetric = (domain: string, type: string, attribute: string, keys: readonly string[], help: string) => define({ domain, type, keys }, 'gauge', attribute, help);

/** BrokerTopicMetrics: per topic (`topic` label) and for all topics (no topic label), as Kafka registers both. */
const brokerTopic = (name: string, help: string) => meter('kafka.server', 'BrokerTopicMetrics', name, ['topic'], help);
const REQUEST = ['request'];
const requestTime = (name: string, help: string) => histogram('kafka.network', 'RequestMetrics', name, REQUEST, help);
const replicaManager = (name: string, help: string) => gauge('kafka.server', 'ReplicaManager', name, [], help);
const TOPIC_PARTITION = ['topic', 'partition'];
const partition = (name: string, help: string) => gauge('kafka.cluster', 'Partition', name, TOPIC_PARTITION, help);
const log = (name: string, help: string) => gauge('kafka.log', 'Log', name, TOPIC_PARTITION, help);
const controller = (name: string, help: string) => gauge('kafka.controller', 'KafkaController', name, [], help);
const groups = (name: string, help: string) => gauge('kafka.coordinator.group', 'GroupMetadataManager', name, [], help);

export const BROKER_TOPIC_METRICS = Object.freeze({
  messagesIn: brokerTopic('MessagesInPerSec', 'Records appended by this broker as leader'),
  bytesIn: brokerTopic('BytesInPerSec', 'Record batch bytes appended by this broker as leader'),
  bytesOut: brokerTopic('BytesOutPerSec', 'Record batch bytes sent to consumers'),
  bytesRejected: brokerTopic('BytesRejectedPerSec', 'Record batch bytes refused for their size'),
  totalProduceRequests: brokerTopic('TotalProduceRequestsPerSec', 'Partitions of Produce requests that reached the log'),
  failedProduceRequests: brokerTopic('FailedProduceRequestsPerSec', 'Partitions of Produce requests whose append failed (as Kafka counts: not for a moved leader, an unknown partition, a record too large or corrupt, a storage error)'),
  totalFetchRequests: brokerTopic('TotalFetchRequestsPerSec', 'Partitions read by Fetch requests (consumers and followers)'),
  failedFetchRequests: brokerTopic('FailedFetchRequestsPerSec', 'Partitions of Fetch requests whose read failed (as Kafka counts: not for a moved leader, an unknown partition or epoch, an offset out of range, a storage error)'),
  replicationBytesIn: meter('kafka.server', 'BrokerTopicMetrics', 'ReplicationBytesInPerSec', [], 'Record batch bytes appended by this broker as follower'),
  replicationBytesOut: meter('kafka.server', 'BrokerTopicMetrics', 'ReplicationBytesOutPerSec', [], 'Record batch bytes sent to followers'),
});

export const REQUEST_METRICS = Object.freeze({
  requests: meter('kafka.network', 'RequestMetrics', 'RequestsPerSec', ['request', 'version'], 'Requests answered, by API and version (Fetch also as FetchConsumer or FetchFollower)'),
  totalTime: requestTime('TotalTimeMs', 'Milliseconds from a request read to its response written'),
  requestQueueTime: requestTime('RequestQueueTimeMs', 'Milliseconds a request waited, read, before it was handled (its connection paused: in-flight limit, throttle, slow reader)'),
  localTime: requestTime('LocalTimeMs', 'Milliseconds the handler ran on the event loop'),
  remoteTime: requestTime('RemoteTimeMs', 'Milliseconds from the handler returning to the response being ready: purgatory waits (acks=all, Fetch minBytes), disk reads and fsyncs in the thread pool, other brokers'),
  throttleTime: requestTime('ThrottleTimeMs', 'Milliseconds a quota throttled the request'),
  responseQueueTime: requestTime('ResponseQueueTimeMs', 'Milliseconds a ready response waited behind earlier responses of its connection'),
  responseSendTime: requestTime('ResponseSendTimeMs', 'Milliseconds from a response handed to the socket to it being written'),
  requestBytes: requestTime('RequestBytes', 'Request sizes in bytes'),
});

/** Kafka's RequestChannel.updateErrorMetrics: every error code of every response (its errorCounts), per API. */
export const REQUEST_ERROR_METRICS = Object.freeze({
  errors: meter('kafka.network', 'RequestMetrics', 'ErrorsPerSec', ['request', 'error'], 'Error codes in responses, by API: each response counts each code as often as it carries it (NONE included), as Kafka\'s errorCounts'),
});

export const REPLICA_MANAGER_METRICS = Object.freeze({
  partitionCount: replicaManager('PartitionCount', 'Partitions this broker hosts'),
  leaderCount: replicaManager('LeaderCount', 'Partitions this broker leads'),
  underReplicatedPartitions: replicaManager('UnderReplicatedPartitions', 'Partitions led here with fewer in-sync replicas than replicas'),
  underMinIsrPartitionCount: replicaManager('UnderMinIsrPartitionCount', 'Partitions led here with fewer in-sync replicas than min.insync.replicas'),
  atMinIsrPartitionCount: replicaManager('AtMinIsrPartitionCount', 'Partitions led here with exactly min.insync.replicas in-sync replicas'),
  offlineReplicaCount: replicaManager('OfflineReplicaCount', 'Partitions hosted here whose log dir is offline'),
  isrShrinks: meter('kafka.server', 'ReplicaManager', 'IsrShrinksPerSec', [], 'ISR shrinks of partitions led here, committed by the controller'),
  isrExpands: meter('kafka.server', 'ReplicaManager', 'IsrExpandsPerSec', [], 'ISR expansions of partitions led here, committed by the controller'),
  failedIsrUpdates: meter('kafka.server', 'ReplicaManager', 'FailedIsrUpdatesPerSec', [], 'ISR changes the controller refused or that could not be sent'),
});

export const PARTITION_METRICS = Object.freeze({
  underReplicated: partition('UnderReplicated', '1 when this broker leads the partition and it is under-replicated'),
  inSyncReplicasCount: partition('InSyncReplicasCount', 'In-sync replicas of a partition led here (0 on followers)'),
  replicasCount: partition('ReplicasCount', 'Replicas of a partition led here (0 on followers)'),
  underMinIsr: partition('UnderMinIsr', '1 when a partition led here has fewer in-sync replicas than min.insync.replicas'),
  atMinIsr: partition('AtMinIsr', '1 when a partition led here has exactly min.insync.replicas in-sync replicas'),
  lastStableOffsetLag: partition('LastStableOffsetLag', 'High watermark minus last stable offset of a partition led here (open transactions)'),
});

export const LOG_METRICS = Object.freeze({
  size: log('Size', 'Bytes of the partition\'s log on disk'),
  numLogSegments: log('NumLogSegments', 'Segments of the partition\'s log'),
  logStartOffset: log('LogStartOffset', 'The partition\'s log start offset'),
  logEndOffset: log('LogEndOffset', 'The partition\'s log end offset'),
  logFlush: histogram('kafka.log', 'LogFlushStats', 'LogFlushRateAndTimeMs', [], 'Milliseconds each log flush (fsync of segments and directory) took'),
  offlineLogDirectoryCount: gauge('kafka.log', 'LogManager', 'OfflineLogDirectoryCount', [], 'Log dirs taken offline by an I/O error'),
});

export const CONTROLLER_METRICS = Object.freeze({
  activeControllerCount: controller('ActiveControllerCount', '1 on the active controller, 0 elsewhere'),
  offlinePartitionsCount: controller('OfflinePartitionsCount', 'Partitions without a live leader (active controller only)'),
  preferredReplicaImbalanceCount: controller('PreferredReplicaImbalanceCount', 'Partitions not led by their preferred replica (active controller only)'),
  globalTopicCount: controller('GlobalTopicCount', 'Topics in the cluster (active controller only)'),
  globalPartitionCount: controller('GlobalPartitionCount', 'Partitions in the cluster (active controller only)'),
});

/** Kafka's ControllerStats in ZooKeeper mode: on every broker, counted while it is the active controller. */
export const CONTROLLER_STATS_METRICS = Object.freeze({
  leaderElection: histogram('kafka.controller', 'ControllerStats', 'LeaderElectionRateAndTimeMs', [], 'Milliseconds the active controller took over each change of the live brokers (Kafka\'s BrokerChange event: leader elections for the partitions whose leader died or came back)'),
  uncleanLeaderElections: meter('kafka.controller', 'ControllerStats', 'UncleanLeaderElectionsPerSec', [], 'Leaders the active controller elected from outside the ISR'),
});

/**
 * The MBean keys of a client quota sensor (kafka.server:type=Produce|Fetch|Request,user=..,client-id=..):
 * Kafka's JmxReporter leaves out a tag whose value is empty, and the quotas set decide which of user
 * and client id a sensor is shared by. Indexed by (user set ? 2 : 0) + (client id set ? 1 : 0).
 */
const QUOTA_MBEAN_KEYS: ReadonlyArray<readonly string[]> = [[], ['client-id'], ['user'], ['user', 'client-id']];
/** A quota sensor's metric in each of the MBean's shapes, named as the exporter names each. */
const quota = (type: string, attribute: string, help: string): readonly KafkaMetricDefinition[] =>
  Object.freeze(QUOTA_MBEAN_KEYS.map((keys) => kafkaMetric('kafka.server', type, attribute, keys, help)));

/** Kafka's client quota sensors (ClientQuotaManager): a rate over the quota's windows, and the mean throttle. */
export const CLIENT_QUOTA_METRICS = Object.freeze({
  produceByteRate: quota('Produce', 'byte-rate', 'Bytes per second of a client\'s Produce requests, over quota.window.num windows'),
  produceThrottleTime: quota('Produce', 'throttle-time', 'Mean ms a client was throttled for its produce byte rate, over the last 60 s (NaN: none)'),
  fetchByteRate: quota('Fetch', 'byte-rate', 'Bytes per second of a client\'s Fetch answers, over quota.window.num windows'),
  fetchThrottleTime: quota('Fetch', 'throttle-time', 'Mean ms a client was throttled for its fetch byte rate, over the last 60 s (NaN: none)'),
  requestTime: quota('Request', 'request-time', 'Percentage of the broker\'s time spent on a client\'s requests, over quota.window.num windows'),
  requestThrottleTime: quota('Request', 'throttle-time', 'Mean ms a client was throttled for its request time, over the last 60 s (NaN: none)'),
});

export const SERVER_METRICS = Object.freeze({
  brokerState: gauge('kafka.server', 'KafkaServer', 'BrokerState', [], 'Kafka\'s broker state: 3 (RUNNING) while the broker serves'),
  purgatorySize: gauge('kafka.server', 'DelayedOperationPurgatory', 'PurgatorySize', ['delayedOperation'], 'Requests waiting in the Produce (acks=all) and Fetch (minBytes) purgatories'),
  connectionCount: kafkaMetric('kafka.server', 'socket-server-metrics', 'connection-count', ['listener', 'networkProcessor'], 'Open client connections per listener (one event loop: networkProcessor 0)'),
});

export const GROUP_METRICS = Object.freeze({
  numGroups: groups('NumGroups', 'Classic groups this broker coordinates'),
  numGroupsPreparingRebalance: groups('NumGroupsPreparingRebalance', 'Classic groups preparing a rebalance'),
  numGroupsCompletingRebalance: groups('NumGroupsCompletingRebalance', 'Classic groups completing a rebalance'),
  numGroupsStable: groups('NumGroupsStable', 'Classic groups that are stable'),
  numGroupsDead: groups('NumGroupsDead', 'Classic groups that are dead'),
  numGroupsEmpty: groups('NumGroupsEmpty', 'Classic groups that are empty'),
  numOffsets: groups('NumOffsets', 'Committed offsets this broker keeps'),
  groupCount: kafkaMetric('kafka.server', 'group-coordinator-metrics', 'group-count', ['protocol'], 'Groups this broker coordinates, by protocol (classic, consumer)'),
  consumerGroupCount: kafkaMetric('kafka.server', 'group-coordinator-metrics', 'consumer-group-count', ['state'], 'Consumer-protocol (KIP-848) groups by state'),
});

/** Every definition above: what the naming test checks a scrape against. */
export const ALL_KAFKA_METRICS: readonly KafkaMetricDefinition[] = Object.freeze([
  BROKER_TOPIC_METRICS, REQUEST_METRICS, REQUEST_ERROR_METRICS, REPLICA_MANAGER_METRICS, PARTITION_METRICS, LOG_METRICS, CONTROLLER_METRICS,
  CONTROLLER_STATS_METRICS, CLIENT_QUOTA_METRICS, SERVER_METRICS, GROUP_METRICS,
].flatMap((group): KafkaMetricDefinition[] => Object.values(group).flat()));

/**
 * Consumer lag: Kafka brokers do not export it; these are kafka_exporter's names and labels
 * (danielqsj/kafka_exporter), which lag dashboards and autoscalers read.
 */
export const CONSUMER_LAG_METRICS = Object.freeze({
  lag: { name: 'kafka_consumergroup_lag', labels: ['consumergroup', 'topic', 'partition'], help: 'High watermark minus the group\'s committed offset, per partition' },
  lagSum: { name: 'kafka_consumergroup_lag_sum', labels: ['consumergroup', 'topic'], help: 'The group\'s lag summed over a topic\'s partitions' },
  currentOffset: { name: 'kafka_consumergroup_current_offset', labels: ['consumergroup', 'topic', 'partition'], help: 'The group\'s committed offset, per partition' },
  currentOffsetSum: { name: 'kafka_consumergroup_current_offset_sum', labels: ['consumergroup', 'topic'], help: 'The group\'s committed offsets summed over a topic\'s partitions' },
});
