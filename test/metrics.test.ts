import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Kafka, logLevel, type Producer as KafkaJsProducer } from 'kafkajs';
import { Admin, Consumer, Producer, type ConsumerRecord } from '../src/client/index.ts';
import { ALL_KAFKA_METRICS, CONSUMER_LAG_METRICS } from '../src/metrics/kafka-metric-definitions.ts';
import { KafkaApiClient } from './helpers/kafka-api-client.ts';
import { Api, batchOf, metadata } from './helpers/kafka-apis.ts';
import { scrapeMetrics, type Scrape } from './helpers/prometheus-text.ts';
import { startTestBroker, type TestBroker } from './helpers/test-broker.ts';
import { waitFor } from './helpers/wait-for.ts';

/**
 * GET /metrics of a broker after a known workload: KafkaJS produces, our consumers read in classic
 * and consumer-protocol groups, and the scrape shows what that workload made, under the names the
 * JMX exporter gives Kafka's metrics.
 */

const OFFSETS_PARTITIONS = 4;
let broker: TestBroker;
let admin: Admin;
let kafka: Kafka;
let producer: KafkaJsProducer;
const consumers: Consumer[] = [];

before(async () => {
  broker = await startTestBroker({
    'metrics.listener': 'http://127.0.0.1:0',
    'offsets.topic.num.partitions': String(OFFSETS_PARTITIONS),
    'group.initial.rebalance.delay.ms': '0',
    'transaction.state.log.num.partitions': '2',
  }, undefined, { silent: true });
  admin = new Admin({ bootstrapServers: [broker.bootstrap] });
  kafka = new Kafka({ clientId: 'metrics-test', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
  producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
});

after(async () => {
  for (const consumer of consumers) await consumer.close();
  await producer.disconnect();
  await admin.close();
  await broker.close();
});

const value = (i: number) => `record-${i}-${'x'.repeat(90)}`;

/** The bytes of a partition's log files, as `ls -l` shows them. */
async function logFileBytes(topic: string, partition: number): Promise<{ bytes: number; segments: number }> {
  const dir = join(broker.dataDir, `${topic}-${partition}`);
  const logs = (await readdir(dir)).filter((name) => name.endsWith('.log'));
  let bytes = 0;
  for (const name of logs) bytes += (await stat(join(dir, name))).size;
  return { bytes, segments: logs.length };
}

async function readAll(consumer: Consumer, count: number): Promise<ConsumerRecord[]> {
  const records: ConsumerRecord[] = [];
  const deadline = Date.now() + 20_000;
  while (records.length < count && Date.now() < deadline) records.push(...await consumer.poll(100));
  return records;
}

const scrape = () => scrapeMetrics(broker.metricsListener!);

test('the metrics listener serves the Prometheus text format at /metrics only', async () => {
  const { host, port } = broker.metricsListener!;
  assert.equal(host, '127.0.0.1');
  const page = await scrape();
  assert.equal(page.status, 200);
  assert.equal(page.contentType, 'text/plain; version=0.0.4; charset=utf-8');
  assert.equal((await fetch(`http://${host}:${port}/`)).status, 404);
  assert.equal((await fetch(`http://${host}:${port}/metrics`, { method: 'POST' })).status, 405);
  // Node's own process metrics.
  assert.ok(page.value('nodejs_heap_size_used_bytes') > 0);
  assert.equal(page.types.get('nodejs_eventloop_lag_p99_seconds'), 'gauge');
  assert.equal(page.types.get('nodejs_gc_duration_seconds'), 'histogram');
  assert.ok(page.value('process_cpu_seconds_total') > 0);
});

test('a known workload shows in the counts, gauges and lag', async () => {
  await admin.createTopics([
    { topic: 'metrics-a', numPartitions: 2 },
    // Every append fsynced: the log flush timer counts them.
    { topic: 'metrics-b', numPartitions: 1, configs: { 'flush.messages': '1' } },
    // acks=all needs 2 in-sync replicas, which one broker never has: every produce fails.
    { topic: 'metrics-c', numPartitions: 1, configs: { 'min.insync.replicas': '2' } },
    { topic: 'metrics-big', numPartitions: 1, configs: { 'max.message.bytes': '200' } },
  ]);
  // 5 Produce requests to metrics-a (3 records to each partition), 4 to metrics-b (5 records).
  for (let send = 0; send < 5; send++) {
    await producer.send({ topic: 'metrics-a', acks: -1, messages: Array.from({ length: 6 }, (_, i) => ({ partition: i % 2, value: value(send * 6 + i) })) });
  }
  for (let send = 0; send < 4; send++) {
    await producer.send({ topic: 'metrics-b', acks: -1, messages: Array.from({ length: 5 }, (_, i) => ({ partition: 0, value: value(send * 5 + i) })) });
  }
  const once = kafka.producer({ allowAutoTopicCreation: false, retry: { retries: 0 } });
  await once.connect();
  await assert.rejects(once.send({ topic: 'metrics-c', acks: -1, messages: [{ partition: 0, value: 'refused' }] }), /fewer in-sync replicas/);
  await assert.rejects(once.send({ topic: 'metrics-big', acks: -1, messages: [{ partition: 0, value: 'y'.repeat(1024) }] }), /larger than the max message size/);
  await once.disconnect();

  // A classic group reads metrics-a once, commits and leaves (Empty); two groups stay on metrics-b (Stable).
  const readers = new Consumer({ bootstrapServers: [broker.bootstrap], groupId: 'metrics-readers', autoOffsetReset: 'earliest', enableAutoCommit: false, fetchMaxWaitMs: 100 });
  readers.subscribe(['metrics-a']);
  assert.equal((await readAll(readers, 30)).length, 30);
  await readers.commit();
  await readers.close();
  const live = new Consumer({ bootstrapServers: [broker.bootstrap], groupId: 'metrics-live', autoOffsetReset: 'earliest', enableAutoCommit: false, fetchMaxWaitMs: 100 });
  const modern = new Consumer({ bootstrapServers: [broker.bootstrap], groupId: 'metrics-848', groupProtocol: 'consumer', autoOffsetReset: 'earliest', enableAutoCommit: false, fetchMaxWaitMs: 100 });
  consumers.push(live, modern);
  live.subscribe(['metrics-b']);
  modern.subscribe(['metrics-b']);
  assert.equal((await readAll(live, 20)).length, 20);
  assert.equal((await readAll(modern, 20)).length, 20);

  const read = await scrape();
  const logBytes = async (topic: string, partitions: number) => {
    let bytes = 0;
    for (let partition = 0; partition < partitions; partition++) bytes += (await logFileBytes(topic, partition)).bytes;
    return bytes;
  };
  // Each record batch went out once per reader: metrics-a to one group, metrics-b to two.
  const aBytes = await logBytes('metrics-a', 2);
  const bBytes = await logBytes('metrics-b', 1);
  assert.equal(read.value('kafka_server_brokertopicmetrics_bytesout_total', { topic: 'metrics-a' }), aBytes);
  assert.equal(read.value('kafka_server_brokertopicmetrics_bytesout_total', { topic: 'metrics-b' }), 2 * bBytes);
  assert.equal(read.value('kafka_server_brokertopicmetrics_bytesout_total'), aBytes + 2 * bBytes);

  // Seven more records on metrics-a partition 0: metrics-readers' lag there.
  await producer.send({ topic: 'metrics-a', acks: -1, messages: Array.from({ length: 7 }, (_, i) => ({ partition: 0, value: value(100 + i) })) });

  const page = await waitFor(async () => {
    // The live groups' members keep heartbeating while they poll.
    await Promise.all([live.poll(50), modern.poll(50)]);
    const current = await scrape();
    const settled = current.value('kafka_coordinator_group_groupmetadatamanager_numgroupsstable') === 1
      && current.value('kafka_server_group_coordinator_metrics_consumer_group_count', { state: 'Stable' }) === 1;
    return settled ? current : undefined;
  }, 20_000, { what: 'the live groups to be stable' });

  // BrokerTopicMetrics: records and batch bytes in per topic, and for all topics without a topic label.
  const messagesIn = (topic?: string) => page.value('kafka_server_brokertopicmetrics_messagesin_total', topic === undefined ? {} : { topic });
  assert.equal(messagesIn('metrics-a'), 37);
  assert.equal(messagesIn('metrics-b'), 20);
  assert.equal(messagesIn('metrics-c'), 0);
  // The group coordinator's appends (groups, committed offsets) count too, as Kafka's ReplicaManager counts them.
  const offsetsRecords = page.sum('kafka_log_log_logendoffset', { topic: '__consumer_offsets' });
  assert.ok(offsetsRecords >= 2, `${offsetsRecords} records in __consumer_offsets`);
  assert.equal(messagesIn('__consumer_offsets'), offsetsRecords);
  assert.equal(messagesIn(), 57 + offsetsRecords);
  const bytesIn = (topic?: string) => page.value('kafka_server_brokertopicmetrics_bytesin_total', topic === undefined ? {} : { topic });
  assert.equal(bytesIn('metrics-a'), await logBytes('metrics-a', 2));
  assert.equal(bytesIn('metrics-b'), bBytes);
  assert.equal(bytesIn('__consumer_offsets'), await logBytes('__consumer_offsets', OFFSETS_PARTITIONS));
  assert.equal(bytesIn(), bytesIn('metrics-a') + bytesIn('metrics-b') + bytesIn('__consumer_offsets'));
  const produces = (topic: string) => page.value('kafka_server_brokertopicmetrics_totalproducerequests_total', { topic });
  const failedProduces = (topic: string) => page.value('kafka_server_brokertopicmetrics_failedproducerequests_total', { topic });
  assert.deepEqual([produces('metrics-a'), produces('metrics-b'), produces('metrics-c'), produces('metrics-big')], [11, 4, 1, 1]);
  // Too few in-sync replicas is a failed produce; a batch too large is rejected bytes, not a failure (Kafka's rules).
  assert.deepEqual([failedProduces('metrics-a'), failedProduces('metrics-c'), failedProduces('metrics-big')], [0, 1, 0]);
  assert.ok(page.value('kafka_server_brokertopicmetrics_bytesrejected_total', { topic: 'metrics-big' }) > 1024);
  assert.ok(page.value('kafka_server_brokertopicmetrics_totalfetchrequests_total', { topic: 'metrics-a' }) >= 2);
  assert.equal(page.value('kafka_server_brokertopicmetrics_failedfetchrequests_total'), 0);

  // RequestMetrics: one Produce per KafkaJS send, every Fetch a consumer's; each histogram counts every request.
  assert.equal(page.sum('kafka_network_requestmetrics_requests_total', { request: 'Produce' }), 5 + 4 + 2 + 1);
  const fetches = page.sum('kafka_network_requestmetrics_requests_total', { request: 'Fetch' });
  assert.ok(fetches > 0);
  assert.equal(page.sum('kafka_network_requestmetrics_requests_total', { request: 'FetchConsumer' }), fetches);
  assert.equal(page.find('kafka_network_requestmetrics_requests_total', { request: 'FetchFollower' }).length, 0);
  for (const histogram of ['totaltimems', 'requestqueuetimems', 'localtimems', 'remotetimems', 'responsequeuetimems', 'responsesendtimems', 'requestbytes']) {
    const name = `kafka_network_requestmetrics_${histogram}`;
    assert.equal(page.types.get(name), 'histogram');
    assert.equal(page.value(`${name}_count`, { request: 'Produce' }), 12, name);
    assert.equal(page.value(`${name}_bucket`, { request: 'Produce', le: '+Inf' }), 12, name);
    const buckets = page.find(`${name}_bucket`, { request: 'Produce' }).map((s) => s.value);
    assert.deepEqual(buckets, [...buckets].sort((x, y) => x - y), `${name}'s buckets are cumulative`);
  }
  assert.ok(page.value('kafka_network_requestmetrics_requestbytes_sum', { request: 'Produce' }) > bytesIn() - bytesIn('__consumer_offsets'));
  // ErrorsPerSec: each partition's code of each Produce answer (metrics-a's sends name both partitions).
  const produceErrors = (error: string) => page.value('kafka_network_requestmetrics_errors_total', { request: 'Produce', error });
  assert.deepEqual([produceErrors('NONE'), produceErrors('NOT_ENOUGH_REPLICAS'), produceErrors('MESSAGE_TOO_LARGE')], [5 * 2 + 4 + 1, 1, 1]);
  assert.ok(page.value('kafka_network_requestmetrics_errors_total', { request: 'ApiVersions', error: 'NONE' }) > 0);
  assert.equal(page.find('kafka_network_requestmetrics_errors_total', { request: 'FetchConsumer' }).length, 0);

  // ReplicaManager, Partition and KafkaController: 4 topics and __consumer_offsets, all led here.
  const partitions = 2 + 1 + 1 + 1 + OFFSETS_PARTITIONS;
  assert.equal(page.value('kafka_server_replicamanager_partitioncount'), partitions);
  assert.equal(page.value('kafka_server_replicamanager_leadercount'), partitions);
  assert.equal(page.value('kafka_server_replicamanager_underreplicatedpartitions'), 0);
  assert.equal(page.value('kafka_server_replicamanager_underminisrpartitioncount'), 1);
  assert.equal(page.value('kafka_cluster_partition_underminisr', { topic: 'metrics-c', partition: '0' }), 1);
  assert.equal(page.value('kafka_server_replicamanager_atminisrpartitioncount'), partitions - 1);
  assert.equal(page.value('kafka_controller_kafkacontroller_activecontrollercount'), 1);
  assert.equal(page.value('kafka_controller_kafkacontroller_offlinepartitionscount'), 0);
  assert.equal(page.value('kafka_controller_kafkacontroller_globaltopiccount'), 5);
  assert.equal(page.value('kafka_controller_kafkacontroller_globalpartitioncount'), partitions);
  assert.equal(page.value('kafka_server_kafkaserver_brokerstate'), 3);
  assert.ok(page.value('kafka_server_socket_server_metrics_connection_count', { listener: 'PLAINTEXT', networkProcessor: '0' }) >= 3);

  // Log: sizes and segments as on disk, end offsets as produced; metrics-b's four appends were each flushed.
  for (const [topic, partition, end] of [['metrics-a', 0, 22], ['metrics-a', 1, 15], ['metrics-b', 0, 20]] as const) {
    const labels = { topic, partition: String(partition) };
    const onDisk = await logFileBytes(topic, partition);
    assert.ok(onDisk.bytes > 0);
    assert.equal(page.value('kafka_log_log_size', labels), onDisk.bytes);
    assert.equal(page.value('kafka_log_log_numlogsegments', labels), onDisk.segments);
    assert.equal(page.value('kafka_log_log_logendoffset', labels), end);
    assert.equal(page.value('kafka_log_log_logstartoffset', labels), 0);
  }
  assert.ok(page.value('kafka_log_logflushstats_logflushrateandtimems_count') >= 4);

  // Groups by state: classic metrics-readers Empty and metrics-live Stable; metrics-848 on the consumer protocol.
  assert.equal(page.value('kafka_coordinator_group_groupmetadatamanager_numgroups'), 2);
  assert.equal(page.value('kafka_coordinator_group_groupmetadatamanager_numgroupsempty'), 1);
  assert.equal(page.value('kafka_coordinator_group_groupmetadatamanager_numgroupsstable'), 1);
  assert.equal(page.value('kafka_server_group_coordinator_metrics_group_count', { protocol: 'consumer' }), 1);
  assert.equal(page.value('kafka_coordinator_group_groupmetadatamanager_numoffsets'), 2);

  // Lag: records produced minus committed, per partition and summed; only groups with commits have any.
  const group = { consumergroup: 'metrics-readers', topic: 'metrics-a' };
  assert.equal(page.value('kafka_consumergroup_lag', { ...group, partition: '0' }), 7);
  assert.equal(page.value('kafka_consumergroup_lag', { ...group, partition: '1' }), 0);
  assert.equal(page.value('kafka_consumergroup_lag_sum', group), 7);
  assert.equal(page.value('kafka_consumergroup_current_offset_sum', group), 30);
  assert.deepEqual(new Set(page.find('kafka_consumergroup_lag').map((s) => s.labels['consumergroup'])), new Set(['metrics-readers']));

  checkNames(page);
});

test('ErrorsPerSec counts the codes of every answer, and of an acks=0 produce that fails and closes its connection', async () => {
  const errors = (page: Scrape, request: string, error: string) => page.sum('kafka_network_requestmetrics_errors_total', { request, error });
  const before = await scrape();
  const client = await KafkaApiClient.open(broker.host, broker.port);
  try {
    // One Produce for an unknown topic's partition and a known one's; Metadata for both topics (metrics-a has 2 partitions).
    const produced = await client.call(Api.produce, 9, {
      transactionalId: null, acks: 1, timeoutMs: 10_000, topicData: [
        { name: 'metrics-nowhere', partitionData: [{ index: 0, records: batchOf(['lost']) }] },
        { name: 'metrics-a', partitionData: [{ index: 1, records: batchOf(['kept']) }] },
      ],
    });
    assert.deepEqual(produced.responses.map((topic) => topic.partitionResponses[0]!.errorCode), [3, 0]);
    const described = await metadata(client, ['metrics-nowhere', 'metrics-a'], { allowAutoTopicCreation: false });
    assert.deepEqual(described.topics.map((topic) => topic.errorCode), [3, 0]);
  } finally {
    client.close();
  }
  const unanswered = await KafkaApiClient.open(broker.host, broker.port);
  unanswered.send(Api.produce, 9, {
    transactionalId: null, acks: 0, timeoutMs: 10_000, topicData: [{ name: 'metrics-nowhere', partitionData: [{ index: 0, records: batchOf(['lost']) }] }],
  });
  assert.equal(await unanswered.connection.waitClosed(10_000), true);

  const after = await scrape();
  const delta = (request: string, error: string) => errors(after, request, error) - errors(before, request, error);
  assert.deepEqual([delta('Produce', 'UNKNOWN_TOPIC_OR_PARTITION'), delta('Produce', 'NONE')], [2, 1]);
  // Kafka's Metadata counts each topic's code and each partition's.
  assert.deepEqual([delta('Metadata', 'UNKNOWN_TOPIC_OR_PARTITION'), delta('Metadata', 'NONE')], [1, 1 + 2]);
});

test('the transaction coordinator\'s appends to __transaction_state and its markers count as messages and bytes in', async () => {
  await admin.createTopics([{ topic: 'metrics-txn', numPartitions: 1 }]);
  const transactional = new Producer({ bootstrapServers: [broker.bootstrap], transactionalId: 'metrics-txn', lingerMs: 0 });
  try {
    await transactional.initTransactions();
    transactional.beginTransaction();
    await Promise.all(['t0', 't1', 't2'].map((value) => transactional.send({ topic: 'metrics-txn', partition: 0, value })));
    await transactional.commitTransaction();
  } finally {
    await transactional.close();
  }
  // The commit marker and the transaction's last state are written after EndTxn is answered.
  const page = await waitFor(async () => {
    const current = await scrape();
    const stateRecords = current.sum('kafka_log_log_logendoffset', { topic: '__transaction_state' });
    const settled = current.value('kafka_log_log_logendoffset', { topic: 'metrics-txn', partition: '0' }) === 4
      && current.value('kafka_server_brokertopicmetrics_messagesin_total', { topic: '__transaction_state' }) === stateRecords;
    return settled ? current : undefined;
  }, 20_000, { what: 'the commit marker and the transaction\'s states to be written' });
  // Three records from the producer and the coordinator's commit marker.
  assert.equal(page.value('kafka_server_brokertopicmetrics_messagesin_total', { topic: 'metrics-txn' }), 4);
  // Empty (InitProducerId), Ongoing, PrepareCommit, CompleteCommit: each a record the coordinator appended alone.
  const stateRecords = page.sum('kafka_log_log_logendoffset', { topic: '__transaction_state' });
  assert.ok(stateRecords >= 4, `${stateRecords} transaction states`);
  assert.equal(page.value('kafka_server_brokertopicmetrics_totalproducerequests_total', { topic: '__transaction_state' }), stateRecords);
  let stateBytes = 0;
  for (let partition = 0; partition < 2; partition++) stateBytes += (await logFileBytes('__transaction_state', partition)).bytes;
  assert.equal(page.value('kafka_server_brokertopicmetrics_bytesin_total', { topic: '__transaction_state' }), stateBytes);
  assert.equal(page.value('kafka_server_brokertopicmetrics_failedproducerequests_total', { topic: '__transaction_state' }), 0);
});

/** Every family the broker exposes is one of Kafka's named as the JMX exporter names its MBean, kafka_exporter's lag, or Node's. */
function checkNames(page: Scrape): void {
  const families = new Map<string, { type: string; labels: readonly string[] }>();
  for (const definition of ALL_KAFKA_METRICS) families.set(definition.name, { type: definition.kind, labels: definition.labels });
  for (const lag of Object.values(CONSUMER_LAG_METRICS)) families.set(lag.name, { type: 'gauge', labels: lag.labels });
  for (const [name, type] of page.types) {
    if (/^(nodejs|process)_/.test(name)) continue;
    const family = families.get(name);
    assert.ok(family !== undefined, `${name} is not one of Kafka's metrics`);
    assert.equal(type, family.type, name);
  }
  for (const name of families.keys()) assert.ok(page.types.has(name), `${name} is exposed`);
  for (const sample of page.samples) {
    if (/^(nodejs|process)_/.test(sample.name)) continue;
    const family = families.get(sample.name) ?? families.get(sample.name.replace(/_(bucket|sum|count)$/, ''))!;
    const allowed = new Set([...family.labels, ...(sample.name.endsWith('_bucket') ? ['le'] : [])]);
    for (const label of Object.keys(sample.labels)) assert.ok(allowed.has(label), `${sample.name} has no label ${label}`);
    // Only BrokerTopicMetrics' all-topics series leave their label out, as Kafka's all-topics MBeans have no topic key.
    const missing = family.labels.filter((label) => !(label in sample.labels));
    assert.ok(missing.length === 0 || (sample.name.startsWith('kafka_server_brokertopicmetrics_') && missing.join() === 'topic'), `${sample.name} lacks ${missing.join()}`);
  }
}

test('each broker keeps its own metrics: a second broker in this process counts nothing of the first', async () => {
  const other = await startTestBroker({ 'metrics.listener': 'http://127.0.0.1:0' }, undefined, { silent: true });
  try {
    assert.notEqual(other.metricsListener!.port, broker.metricsListener!.port);
    const page = await scrapeMetrics(other.metricsListener!);
    assert.equal(page.value('kafka_server_brokertopicmetrics_messagesin_total'), 0);
    assert.equal(page.find('kafka_server_brokertopicmetrics_messagesin_total', { topic: 'metrics-a' }).length, 0);
  } finally {
    await other.close();
  }
  // Closed with its broker: nothing listens there any more.
  await assert.rejects(scrapeMetrics(other.metricsListener!));
});

test('without metrics.listener the broker serves no metrics', async () => {
  const plain = await startTestBroker({}, undefined, { silent: true });
  try {
    assert.equal(plain.metricsListener, undefined);
  } finally {
    await plain.close();
  }
});
