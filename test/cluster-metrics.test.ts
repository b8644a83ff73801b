import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { CLUSTER_WAIT_MS, startCluster, type TestCluster } from './helpers/cluster.ts';
import { scrapeMetrics, type Scrape } from './helpers/prometheus-text.ts';
import { waitFor } from './helpers/wait-for.ts';

/**
 * Three broker processes, each serving /metrics: what a dashboard of the cluster adds up (one
 * active controller, every partition led once) and what it sees when a broker dies (every
 * partition that had a replica there under-replicated on its new leader, none offline).
 */

let cluster: TestCluster;
/** Each broker's metrics port, by its client port. */
const metricsPorts = new Map<number, number>();

before(async () => {
  cluster = await startCluster({
    brokers: 3,
    // The second free port the helper gives each broker serves its metrics.
    listeners: ({ client, internal }) => {
      metricsPorts.set(client, internal);
      return { listeners: `PLAINTEXT://127.0.0.1:${client}`, 'metrics.listener': `http://127.0.0.1:${internal}` };
    },
  });
});

after(async () => {
  await cluster?.close();
});

const scrapeBroker = (id: number): Promise<Scrape> => scrapeMetrics({ host: '127.0.0.1', port: metricsPorts.get(cluster.broker(id).port)! });
const total = (pages: readonly Scrape[], name: string): number => pages.reduce((sum, page) => sum + page.value(name), 0);

test('the cluster as its brokers\' metrics add it up, before and after a broker dies', async () => {
  await cluster.createTopic({ topic: 'watched', numPartitions: 3, replicationFactor: 3 });
  for (let partition = 0; partition < 3; partition++) await cluster.waitForIsr('watched', partition, [1, 2, 3]);

  const healthy = await Promise.all(cluster.ids.map(scrapeBroker));
  assert.equal(total(healthy, 'kafka_controller_kafkacontroller_activecontrollercount'), 1);
  assert.equal(total(healthy, 'kafka_server_replicamanager_leadercount'), 3);
  assert.equal(total(healthy, 'kafka_server_replicamanager_underreplicatedpartitions'), 0);
  for (const page of healthy) assert.equal(page.value('kafka_server_replicamanager_partitioncount'), 3);
  const controllerPage = healthy.find((page) => page.value('kafka_controller_kafkacontroller_activecontrollercount') === 1)!;
  assert.equal(controllerPage.value('kafka_controller_kafkacontroller_globalpartitioncount'), 3);
  // Followers fetch from their leaders (long polls, answered within replica.fetch.wait.max.ms): FetchFollower requests.
  await waitFor(async () => {
    const pages = await Promise.all(cluster.ids.map(scrapeBroker));
    return pages.every((page) => page.sum('kafka_network_requestmetrics_requests_total', { request: 'FetchFollower' }) > 0);
  }, CLUSTER_WAIT_MS, { intervalMs: 200, what: 'every leader to answer its followers\' fetches' });

  const victim = 3;
  await cluster.kill(victim);
  const survivors = cluster.ids.filter((id) => id !== victim);
  const after = await waitFor(async () => {
    const pages = await Promise.all(survivors.map(scrapeBroker));
    const settled = total(pages, 'kafka_server_replicamanager_underreplicatedpartitions') === 3
      && total(pages, 'kafka_server_replicamanager_leadercount') === 3
      && total(pages, 'kafka_controller_kafkacontroller_activecontrollercount') === 1;
    return settled ? pages : undefined;
  }, CLUSTER_WAIT_MS, { intervalMs: 200, what: 'the survivors to lead every partition, each under-replicated' });
  assert.equal(total(after, 'kafka_controller_kafkacontroller_offlinepartitionscount'), 0);
  for (const page of after) {
    for (const sample of page.find('kafka_cluster_partition_underreplicated', { topic: 'watched' })) {
      // Led here: under-replicated; followed here: 0, as Kafka's per-partition gauge.
      assert.equal(sample.value, page.value('kafka_cluster_partition_replicascount', sample.labels) > 0 ? 1 : 0);
    }
  }
});
