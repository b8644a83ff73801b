/**
 * grafana/samsa-dashboard.json is a dashboard Grafana imports, and every metric its panels and
 * variables read is one a real broker exposes after a workload (produce, a consumer group that
 * commits, lag), with the labels the queries match on, group by and print: the dashboard can never
 * silently point at a name that does not exist.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Admin, Consumer, Producer } from '../src/client/index.ts';
import { scrapeMetrics, type Scrape } from './helpers/prometheus-text.ts';
import { grafanaLabelValues, PROMQL_FUNCTIONS, promqlUses } from './helpers/promql-names.ts';
import { REPO_ROOT, startTestBroker, type TestBroker } from './helpers/test-broker.ts';
import { waitFor } from './helpers/wait-for.ts';

interface Target { refId: string; expr: string; legendFormat?: string; datasource?: { type: string; uid: string } }
interface Panel {
  id: number; type: string; title: string; gridPos: { x: number; y: number; w: number; h: number };
  datasource?: { type: string; uid: string }; targets?: Target[]; panels?: Panel[];
}
interface Variable { name: string; type: string; query: string | { query: string }; allValue?: string; includeAll?: boolean; datasource?: { uid: string } }
interface Dashboard { uid: string; title: string; schemaVersion: number; panels: Panel[]; templating: { list: Variable[] } }

const dashboard = JSON.parse(readFileSync(join(REPO_ROOT, 'grafana', 'samsa-dashboard.json'), 'utf8')) as Dashboard;
const DATASOURCE = '${DS_PROMETHEUS}';
/** Labels Prometheus adds to every series at scrape time: no broker exposes them. */
const TARGET_LABELS = new Set(['instance', 'job']);
const GRAFANA_GLOBALS = new Set(['__rate_interval', '__interval', '__interval_ms', '__range', '__range_s', '__range_ms', '__all']);

/** Every panel, those inside collapsed rows too. */
function panels(): Panel[] {
  return dashboard.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
}

const queryOf = (variable: Variable): string => (typeof variable.query === 'string' ? variable.query : variable.query.query);

/** Every PromQL expression with where it is: each panel's targets and each query variable's selector. */
function expressions(): Array<{ where: string; expr: string; legend: string | null }> {
  const all: Array<{ where: string; expr: string; legend: string | null }> = [];
  for (const panel of panels()) {
    for (const target of panel.targets ?? []) all.push({ where: `panel '${panel.title}' ${target.refId}`, expr: target.expr, legend: target.legendFormat ?? null });
  }
  for (const variable of dashboard.templating.list.filter((v) => v.type === 'query')) {
    const labelValues = grafanaLabelValues(queryOf(variable));
    if (labelValues?.selector != null) all.push({ where: `variable $${variable.name}`, expr: labelValues.selector, legend: null });
  }
  return all;
}

test('the extractor finds metric names wherever PromQL puts them, and nothing else', () => {
  const quantile = promqlUses('histogram_quantile(0.99, sum by (le, request) (rate(kafka_network_requestmetrics_totaltimems_bucket{instance=~"$instance",request!="Fetch"}[$__rate_interval])))');
  assert.deepEqual(quantile.metrics, ['kafka_network_requestmetrics_totaltimems_bucket']);
  assert.deepEqual(quantile.selectors, [{ metric: 'kafka_network_requestmetrics_totaltimems_bucket', labels: ['instance', 'request'] }]);
  assert.deepEqual(quantile.groupingLabels, ['le', 'request']);
  assert.deepEqual(quantile.functions, ['histogram_quantile', 'sum', 'rate']);
  // Followed by an operator, a space, ')' or nothing; keywords, durations, numbers and strings are not names.
  assert.deepEqual(promqlUses('sum(a_total{topic=""})/sum(b_sum)*100').metrics, ['a_total', 'b_sum']);
  assert.deepEqual(promqlUses('count(up == 3)').metrics, ['up']);
  assert.deepEqual(promqlUses('max by (instance) (x) == 1 and on (instance, job) y offset 5m > bool 1e3').metrics, ['x', 'y']);
  assert.deepEqual(promqlUses('x unless ignoring (kind) group_left (space) z[1h:5m]').metrics, ['x', 'z']);
  assert.deepEqual(promqlUses('sum(x) and on (topic) (y > 0) or (w)'), { metrics: ['x', 'y', 'w'], selectors: [], groupingLabels: ['topic'], functions: ['sum'] });
  assert.deepEqual(promqlUses('label_replace(m, "dst", "$1", "src", "(by|on) (.*)")').metrics, ['m']);
  assert.deepEqual(promqlUses('sum(rate(x[5m])) by (topic)').groupingLabels, ['topic']);
  assert.deepEqual(grafanaLabelValues('label_values(kafka_log_log_size{instance=~"$instance"}, topic)'), { selector: 'kafka_log_log_size{instance=~"$instance"}', label: 'topic' });
  assert.deepEqual(grafanaLabelValues('label_values(instance)'), { selector: null, label: 'instance' });
});

test('the dashboard is one Grafana imports: a Prometheus data source variable, the broker, topic and group variables, panels on the grid', () => {
  assert.equal(dashboard.uid, 'samsa-brokers');
  assert.ok(Number.isInteger(dashboard.schemaVersion) && dashboard.schemaVersion >= 39, `schemaVersion ${dashboard.schemaVersion} (Grafana 11 writes 39 and up)`);
  const variables = new Map(dashboard.templating.list.map((v) => [v.name, v]));
  assert.deepEqual({ type: variables.get('DS_PROMETHEUS')?.type, query: variables.get('DS_PROMETHEUS')?.query }, { type: 'datasource', query: 'prometheus' });
  for (const [name, label] of [['instance', 'instance'], ['topic', 'topic'], ['consumergroup', 'consumergroup']] as const) {
    const variable = variables.get(name);
    assert.ok(variable !== undefined, `$${name}`);
    assert.equal(grafanaLabelValues(queryOf(variable))?.label, label, `$${name} lists ${label} values`);
    assert.equal(variable.datasource?.uid, DATASOURCE);
    // "All" as a regex that needs the label, so per-topic panels leave out the all-topics series.
    assert.equal(variable.allValue, '.+');
  }
  const ids = new Set<number>();
  for (const panel of panels()) {
    assert.ok(!ids.has(panel.id), `panel id ${panel.id} is used once`);
    ids.add(panel.id);
    assert.ok(panel.gridPos.x >= 0 && panel.gridPos.w > 0 && panel.gridPos.x + panel.gridPos.w <= 24, `'${panel.title}' fits the 24 columns`);
    if (panel.type === 'row') continue;
    assert.equal(panel.datasource?.uid, DATASOURCE, `'${panel.title}' reads the chosen data source`);
    assert.ok((panel.targets ?? []).length > 0, `'${panel.title}' has queries`);
    for (const target of panel.targets!) assert.equal(target.datasource?.uid, DATASOURCE, `'${panel.title}' ${target.refId}`);
    assert.equal(new Set(panel.targets!.map((t) => t.refId)).size, panel.targets!.length, `'${panel.title}' refIds are unique`);
  }
  // Every $variable a query or title uses is defined (or one of Grafana's own).
  const texts = [...expressions().map((e) => e.expr), ...panels().map((p) => p.title)];
  for (const text of texts) {
    for (const [, braced, bare] of text.matchAll(/\$(?:\{(\w+)(?::\w+)?\}|(\w+))/g)) {
      const name = braced ?? bare!;
      assert.ok(variables.has(name) || GRAFANA_GLOBALS.has(name), `$${name} in ${text}`);
    }
  }
  // What a Kafka operator looks for, each read by some panel.
  const read = new Set(expressions().flatMap((e) => promqlUses(e.expr).metrics));
  for (const name of [
    'kafka_server_brokertopicmetrics_messagesin_total', 'kafka_server_brokertopicmetrics_bytesin_total', 'kafka_server_brokertopicmetrics_bytesout_total',
    'kafka_network_requestmetrics_requests_total', 'kafka_network_requestmetrics_totaltimems_bucket',
    'kafka_server_brokertopicmetrics_failedproducerequests_total', 'kafka_server_brokertopicmetrics_failedfetchrequests_total',
    'kafka_server_replicamanager_underreplicatedpartitions', 'kafka_controller_kafkacontroller_offlinepartitionscount',
    'kafka_server_replicamanager_underminisrpartitioncount', 'kafka_controller_kafkacontroller_activecontrollercount',
    'kafka_server_replicamanager_isrshrinks_total', 'kafka_server_replicamanager_isrexpands_total',
    'kafka_server_replicamanager_partitioncount', 'kafka_server_replicamanager_leadercount', 'kafka_log_log_size',
    'kafka_log_logflushstats_logflushrateandtimems_count', 'kafka_log_logflushstats_logflushrateandtimems_bucket',
    'kafka_coordinator_group_groupmetadatamanager_numgroupsstable', 'kafka_server_group_coordinator_metrics_consumer_group_count',
    'kafka_consumergroup_lag', 'kafka_consumergroup_lag_sum', 'kafka_server_socket_server_metrics_connection_count',
    'kafka_network_requestmetrics_errors_total', 'kafka_controller_controllerstats_leaderelectionrateandtimems_count',
    'kafka_controller_controllerstats_uncleanleaderelections_total', 'kafka_server_quota_byte_rate', 'kafka_server_quota_throttle_time',
    'nodejs_eventloop_lag_p99_seconds', 'nodejs_heap_size_used_bytes', 'nodejs_gc_duration_seconds_sum', 'process_cpu_seconds_total',
  ]) assert.ok(read.has(name), `a panel reads ${name}`);
});

let broker: TestBroker;
before(async () => {
  broker = await startTestBroker({
    'metrics.listener': 'http://127.0.0.1:0', 'offsets.topic.num.partitions': '2', 'group.initial.rebalance.delay.ms': '0',
  }, undefined, { silent: true });
});
after(async () => {
  await broker.close();
});

/**
 * Produces, reads and commits in a group, then produces more, under generous default client quotas
 * (the quota sensors exist once a quota is set): every family the dashboard reads has series.
 */
async function runWorkload(): Promise<void> {
  const admin = new Admin({ bootstrapServers: [broker.bootstrap] });
  const quotas = [['producer_byte_rate', 1e9], ['consumer_byte_rate', 1e9], ['request_percentage', 1e6]] as const;
  const set = await admin.alterClientQuotas([{ entity: { 'client-id': null }, ops: quotas.map(([key, value]) => ({ key, value })) }]);
  assert.deepEqual(set.map((result) => result.error), [null]);
  const producer = new Producer({ bootstrapServers: [broker.bootstrap], lingerMs: 0, acks: -1 });
  const consumer = new Consumer({ bootstrapServers: [broker.bootstrap], groupId: 'dashboard-readers', autoOffsetReset: 'earliest', enableAutoCommit: false, fetchMaxWaitMs: 100 });
  try {
    await admin.createTopics([{ topic: 'dashboard-orders', numPartitions: 2 }]);
    for (let i = 0; i < 10; i++) await producer.send({ topic: 'dashboard-orders', partition: i % 2, value: `order-${i}` });
    consumer.subscribe(['dashboard-orders']);
    let read = 0;
    await waitFor(async () => (read += (await consumer.poll(100)).length) >= 10, 20_000, { what: 'the group to read 10 records' });
    await consumer.commit();
    for (let i = 10; i < 14; i++) await producer.send({ topic: 'dashboard-orders', partition: 0, value: `order-${i}` });
  } finally {
    await consumer.close();
    await producer.close();
    await admin.close();
  }
}

/** The names a sample of `name` carries (le on buckets). */
function labelsOf(page: Scrape, name: string): Set<string> {
  return new Set(page.find(name).flatMap((s) => Object.keys(s.labels)));
}

/**
 * Why `name`, as a query writes it, reads nothing from the page (null: it reads series). A name
 * that is a family of its own is that family, so a gauge named `..._sum` (kafka_consumergroup_lag_sum)
 * stays a gauge; otherwise `_bucket` reads a histogram's buckets, `_sum` and `_count` a
 * histogram's or a summary's.
 */
function unexposed(page: Scrape, name: string): string | null {
  const type = page.types.get(name);
  if (type === 'histogram' || type === 'summary') return `${name} is a ${type}: PromQL reads its _bucket, _sum or _count series`;
  if (type === undefined) {
    const suffix = /^(.+)_(bucket|sum|count)$/.exec(name);
    const baseType = suffix === null ? undefined : page.types.get(suffix[1]!);
    const fits = baseType === 'histogram' || (baseType === 'summary' && suffix![2] !== 'bucket');
    if (!fits) return `${name} is not exposed`;
  }
  return page.find(name).length > 0 ? null : `${name} has no series after the workload`;
}

test('every metric the dashboard reads is exposed by a broker after a workload, with the labels its queries use', async () => {
  await runWorkload();
  const page = await waitFor(async () => {
    // GC samples appear with the first collection: make garbage until one happened.
    Array.from({ length: 100_000 }, (_, i) => ({ i }));
    const scraped = await scrapeMetrics(broker.metricsListener!);
    return scraped.find('nodejs_gc_duration_seconds_sum').length > 0 && scraped.find('kafka_consumergroup_lag').length > 0 ? scraped : undefined;
  }, 20_000, { what: 'GC and lag series on /metrics' });
  assert.equal(page.value('kafka_consumergroup_lag', { consumergroup: 'dashboard-readers', topic: 'dashboard-orders', partition: '0' }), 4);

  const problems: string[] = [];
  let checked = 0;
  for (const { where, expr, legend } of expressions()) {
    const uses = promqlUses(expr);
    if (uses.metrics.length === 0) problems.push(`${where} reads no metric: ${expr}`);
    for (const fn of uses.functions) if (!PROMQL_FUNCTIONS.has(fn)) problems.push(`${where}: ${fn} is not a PromQL function`);
    for (const name of uses.metrics) {
      checked += 1;
      const problem = unexposed(page, name);
      if (problem !== null) problems.push(`${where}: ${problem}`);
    }
    for (const selector of uses.selectors) {
      if (selector.metric === '') problems.push(`${where}: a selector without a metric name`);
      const labels = labelsOf(page, selector.metric);
      for (const label of selector.labels) {
        if (!TARGET_LABELS.has(label) && !labels.has(label)) problems.push(`${where}: ${selector.metric} has no label ${label}`);
      }
    }
    // Labels grouped by or printed must come from one of the metrics read.
    const available = new Set([...TARGET_LABELS, ...uses.metrics.flatMap((name) => [...labelsOf(page, name)])]);
    for (const label of uses.groupingLabels) if (!available.has(label)) problems.push(`${where}: groups by ${label}, which none of ${uses.metrics.join(', ')} has`);
    for (const [, label] of (legend ?? '').matchAll(/\{\{\s*(\w+)\s*\}\}/g)) {
      if (!available.has(label!)) problems.push(`${where}: its legend prints ${label}, which none of ${uses.metrics.join(', ')} has`);
    }
  }
  for (const variable of dashboard.templating.list.filter((v) => v.type === 'query')) {
    const labelValues = grafanaLabelValues(queryOf(variable));
    if (labelValues === null) {
      problems.push(`variable $${variable.name}: not a label_values query`);
      continue;
    }
    const metric = labelValues.selector === null ? null : promqlUses(labelValues.selector).metrics[0]!;
    if (metric !== null && !TARGET_LABELS.has(labelValues.label) && !labelsOf(page, metric).has(labelValues.label)) {
      problems.push(`variable $${variable.name}: ${metric} has no label ${labelValues.label}`);
    }
  }
  assert.deepEqual(problems, []);
  assert.ok(checked >= 80, `${checked} metric reads checked`);
});
