/**
 * Cluster-mode brokers in this process, for tests of one part of the cluster (metadata, topic
 * admin) against a real ZooKeeper; test/helpers/cluster.ts runs whole clusters as processes.
 */
import { startBroker, type Broker } from '../../src/broker/broker.ts';
import { createSilentLogger } from '../../src/broker/logger.ts';
import { updateMetadataRequest, updateMetadataResponse, type UpdateMetadataRequest } from '../../src/protocol/generated/update-metadata.ts';
import { api, KafkaApiClient, type ApiCodecs } from './kafka-api-client.ts';
import { makeTempDir, removeTempDir } from './temp-dir.ts';
import type { TestZooKeeper } from './zookeeper-server.ts';

export const updateMetadataApi = api(updateMetadataRequest, updateMetadataResponse);

/** Things to undo in the test's after(), last first. */
export type Closers = Array<() => Promise<unknown>>;

/**
 * Starts broker `nodeId` in `chroot` of the test's ZooKeeper, on a free port; its temp data dir
 * (unless `dataDir` is given) and the broker itself are closed through `closers`.
 */
export async function startClusterBroker(
  zk: TestZooKeeper,
  closers: Closers,
  { chroot, nodeId, overrides = {}, dataDir }: { chroot: string; nodeId: number; overrides?: Record<string, string>; dataDir?: string },
): Promise<Broker> {
  const dir = dataDir ?? await makeTempDir('samsa-cluster-');
  if (dataDir === undefined) closers.push(() => removeTempDir(dir));
  const broker = await startBroker(
    { port: 0, dataDir: dir, 'node.id': String(nodeId), 'zookeeper.connect': `${zk.connectString}${chroot}`, 'zookeeper.session.timeout.ms': '2000', ...overrides },
    { logger: createSilentLogger() },
  );
  closers.push(() => broker.close());
  return broker;
}

/** Starts ZooKeeper-mode brokers `nodeIds` (1, 2, 3 by default) one after another, as startClusterBroker. */
export async function startClusterBrokers(
  zk: TestZooKeeper,
  closers: Closers,
  { chroot, nodeIds = [1, 2, 3], overrides = {} }: { chroot: string; nodeIds?: readonly number[]; overrides?: Record<string, string> },
): Promise<Broker[]> {
  const brokers: Broker[] = [];
  for (const nodeId of nodeIds) brokers.push(await startClusterBroker(zk, closers, { chroot, nodeId, overrides }));
  return brokers;
}

/** One request on a connection of its own. */
export async function callBroker<Req, Res>(broker: Broker, codecs: ApiCodecs<Req, Res>, version: number, body: Req): Promise<Res> {
  const client = await KafkaApiClient.open(broker.host, broker.port);
  try {
    return await client.call(codecs, version, body, 30_000);
  } finally {
    client.close();
  }
}

export interface PartitionStateSpec {
  readonly topic: string;
  readonly topicId: string;
  readonly partition: number;
  readonly leader: number;
  readonly leaderEpoch?: number;
  readonly isr: readonly number[];
  readonly replicas: readonly number[];
}

/** What a controller of `controllerEpoch` on `controllerId` sends (v7): `alive` as the live brokers (racks `rack-<id>`). */
export function updateMetadataFor(
  alive: readonly Broker[],
  target: Broker,
  { controllerId = alive[0]!.nodeId, controllerEpoch = 1, partitions = [] }: { controllerId?: number; controllerEpoch?: number; partitions?: readonly PartitionStateSpec[] } = {},
): UpdateMetadataRequest {
  const topics = [...new Set(partitions.map((p) => p.topic))];
  return {
    controllerId,
    controllerEpoch,
    brokerEpoch: target.brokerEpoch,
    topicStates: topics.map((topic) => ({
      topicName: topic,
      topicId: partitions.find((p) => p.topic === topic)!.topicId,
      partitionStates: partitions.filter((p) => p.topic === topic).map((p) => ({
        partitionIndex: p.partition, controllerEpoch, leader: p.leader, leaderEpoch: p.leaderEpoch ?? 0,
        isr: [...p.isr], zkVersion: 0, replicas: [...p.replicas], offlineReplicas: [],
      })),
    })),
    liveBrokers: alive.map((b) => ({
      id: b.nodeId,
      endpoints: [{ port: b.port, host: b.host, listener: 'PLAINTEXT', securityProtocol: 0 }],
      rack: `rack-${b.nodeId}`,
    })),
  };
}

/** Sends `request(target)` to each broker as the controller would; throws on an error code. */
export async function sendUpdateMetadata(brokers: readonly Broker[], request: (target: Broker) => UpdateMetadataRequest): Promise<void> {
  for (const broker of brokers) {
    const { errorCode } = await callBroker(broker, updateMetadataApi, 7, request(broker));
    if (errorCode !== 0) throw new Error(`UpdateMetadata to broker ${broker.nodeId} answered error ${errorCode}`);
  }
}
