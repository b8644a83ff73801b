import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { CLUSTER_WAIT_MS, startCluster, type TestCluster } from './helpers/cluster.ts';
import { scrapeMetrics, type Scrape } from './helpers/prometheus-text.ts';
import { waitFor } from './helpers/wait-for.ts';
import { Producer } from '../src/client/index.ts';

/**
 * Three broker processes, each serving /metrics: what a dashboard of the cluster adds up (one
 * active controller, every partition led once) and what it sees when a broker dies (every
 * partition that had a replica there under-replicated on its new leader, none offline, the
 * controller's leader elections timed), and an unclean election counted on the controller.
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

const LEADER_ELECTIONS = 'kafka_controller_controllerstats_leaderelectionrateandtimems_count';
const UNCLEAN_ELECTIONS = 'kafka_controller_controllerstats_uncleanleaderelections_total';

async function controllerId(): Promise<number> {
  const pages = await Promise.all(cluster.ids.filter((id) => cluster.broker(id).running).map(async (id) => ({ id, page: await scrapeBroker(id) })));
  const active = pages.filter(({ page }) => page.value('kafka_controller_kafkacontroller_activecontrollercount') === 1);
  assert.equal(active.length, 1, 'one active controller');
  return active[0]!.id;
}

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

  // A broker that leads a partition dies; the controller (another broker) elects new leaders.
  const controller = await controllerId();
  const victim = cluster.ids.find((id) => id !== controller && healthy[cluster.ids.indexOf(id)]!.value('kafka_server_replicamanager_leadercount') > 0)!;
  assert.ok(victim !== undefined, 'a broker other than the controller leads a partition');
  const electionsBefore = (await scrapeBroker(controller)).value(LEADER_ELECTIONS);
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
  // ControllerStats: the controller timed the broker change that moved the leaderships; nothing was unclean.
  const controllerAfter = after[survivors.indexOf(controller)]!;
  assert.ok(controllerAfter.value(LEADER_ELECTIONS) > electionsBefore, `${controllerAfter.value(LEADER_ELECTIONS)} broker changes timed, ${electionsBefore} before`);
  assert.equal(controllerAfter.types.get('kafka_controller_controllerstats_leaderelectionrateandtimems'), 'histogram');
  assert.equal(controllerAfter.value(UNCLEAN_ELECTIONS), 0);
  for (const page of after) if (page !== controllerAfter) assert.equal(page.value(UNCLEAN_ELECTIONS), 0);
});

test('a leader elected from outside the ISR counts as an unclean election on the controller', async () => {
  const stopped = cluster.ids.filter((id) => !cluster.broker(id).running);
  for (const id of stopped) await cluster.start(id);
  await cluster.waitForBrokers(cluster.ids);
  const controller = await controllerId();
  const [first, second] = cluster.ids.filter((id) => id !== controller) as [number, number];
  await cluster.createTopic({
    topic: 'unclean', replicaAssignment: [{ partition: 0, replicas: [first, second] }], configs: { 'unclean.leader.election.enable': 'true' },
  });
  // The follower dies and leaves the ISR; then the leader, the ISR's last member: the partition is offline.
  await cluster.kill(second);
  await cluster.waitForIsr('unclean', 0, [first]);
  await cluster.kill(first);
  await cluster.waitForPartition('unclean', 0, (p) => p.leaderId < 0, 'no leader');
  assert.equal((await scrapeBroker(controller)).value(UNCLEAN_ELECTIONS), 0);
  // The follower comes back: not in the ISR, but the topic allows it to lead.
  await cluster.start(second);
  await cluster.waitForLeader('unclean', 0);
  assert.equal((await cluster.partition('unclean', 0, second)).leaderId, second);
  const page = await waitFor(async () => {
    const scraped = await scrapeBroker(controller);
    return scraped.value(UNCLEAN_ELECTIONS) > 0 ? scraped : undefined;
  }, CLUSTER_WAIT_MS, { intervalMs: 200, what: 'the controller to count the unclean election' });
  assert.equal(page.value(UNCLEAN_ELECTIONS), 1);
});

test('consumer lag covers every committed partition, those led by other brokers too (the coordinator asks their leaders)', async () => {
  for (const id of cluster.ids.filter((id) => !cluster.broker(id).running)) await cluster.start(id);
  await cluster.waitForBrokers(cluster.ids);
  // One replica per partition, each on another broker: the group's coordinator hosts at most one.
  await cluster.createTopic({ topic: 'spread', replicaAssignment: cluster.ids.map((id, partition) => ({ partition, replicas: [id] })) });
  for (let partition = 0; partition < cluster.ids.length; partition++) await cluster.waitForLeader('spread', partition);
  const producer = new Producer({ bootstrapServers: cluster.runningBootstrapServers, acks: 'all', lingerMs: 1 });
  try {
    for (let partition = 0; partition < cluster.ids.length; partition++) {
      for (let i = 0; i < 5; i++) await producer.send({ topic: 'spread', partition, key: null, value: Buffer.from(`record ${i}`) });
    }
  } finally {
    await producer.close();
  }
  const admin = cluster.admin('lag-test');
  try {
    await admin.alterConsumerGroupOffsets('spread-readers', cluster.ids.map((_, partition) => ({ topic: 'spread', partition, offset: 2 })));
  } finally {
    await admin.close();
  }
  // Every partition's lag (5 written, 2 committed), reported once across the cluster: by the coordinator.
  const lags = await waitFor(async () => {
    const pages = await Promise.all(cluster.ids.map(scrapeBroker));
    const found = cluster.ids.map((_, partition) => {
      const labels = { consumergroup: 'spread-readers', topic: 'spread', partition: String(partition) };
      const samples = pages.flatMap((page) => page.find('kafka_consumergroup_lag', labels));
      return samples.length === 1 ? samples[0]!.value : NaN;
    });
    return found.every((lag) => lag === 3) ? found : undefined;
  }, CLUSTER_WAIT_MS, { intervalMs: 200, what: 'the lag of every partition of spread' });
  assert.deepEqual(lags, [3, 3, 3]);
});
