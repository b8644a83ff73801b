import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorCode, KafkaError } from '../../../protocol/errors.ts';
import type { OffsetCommitRequest } from '../../../protocol/generated/offset-commit.ts';
import { LogManager } from '../../../storage/log-manager.ts';
import type { AliveBroker, ClusterView } from '../../cluster/cluster-view.ts';
import { LocalMetadataStore } from '../../cluster/local-metadata-store.ts';
import { partitionSettings } from '../../cluster/topic-settings.ts';
import { TopicAdmin } from '../../cluster/topic-admin.ts';
import { parseBrokerConfig, type BrokerConfigInput } from '../../config.ts';
import { createSilentLogger } from '../../logger.ts';
import { ReplicaManager } from '../../replica/replica-manager.ts';
import { systemTime } from '../../time.ts';
import { coordinatorErrorCode } from '../runtime/operation-error.ts';
import { createTestRuntime } from '../runtime/test-runtime.ts';
import { GROUP_METADATA_TOPIC_NAME, GroupCoordinator } from './group-coordinator.ts';

const PARTITIONS = 3;
const logger = createSilentLogger();

/** Live brokers as a cluster's metadata would show them; no partition leadership (FindCoordinator's business). */
function brokersAlive(count: number): ClusterView {
  const brokers: AliveBroker[] = Array.from({ length: count }, (_, id) => ({ id, host: '127.0.0.1', port: 9092 + id, rack: null }));
  return {
    controllerId: 0, aliveBrokers: () => brokers, aliveBroker: (id) => brokers[id], aliveBrokerIds: () => brokers.map((b) => b.id),
    isAlive: (id) => brokers[id] !== undefined, partitionLeadership: () => undefined,
  };
}

interface Node {
  readonly coordinator: GroupCoordinator;
  readonly replicaManager: ReplicaManager;
  readonly metadata: LocalMetadataStore;
  /** LeaderAndIsr from the controller: this broker (0) leads the partitions, with this ISR. */
  lead(partitions: readonly number[], isr?: readonly number[]): void;
  /** LeaderAndIsr: broker 1 leads them, this broker follows. */
  follow(partitions: readonly number[]): void;
  /** StopReplica (the partitions stay on disk). */
  stop(partitions: readonly number[]): Promise<void>;
  close(): Promise<void>;
}

/**
 * A group coordinator over real logs in `dir`, wired to the replica manager as broker.ts wires it,
 * in cluster mode unless zookeeper.connect is null. Leadership comes from LeaderAndIsr and
 * StopReplica, played here as the controller would send them.
 */
async function openNode(dir: string, input: BrokerConfigInput = {}, cluster = brokersAlive(1)): Promise<Node> {
  const config = parseBrokerConfig({
    'node.id': 0, 'log.dirs': dir, 'zookeeper.connect': '127.0.0.1:2181', 'offsets.topic.num.partitions': PARTITIONS,
    'offsets.topic.replication.factor': 1, 'offsets.commit.timeout.ms': 60_000, ...input,
  });
  const metadata = await LocalMetadataStore.open(dir, 'MkU3OEVBNTcwNTJENDM2Qg');
  const logManager = await LogManager.open({ logDirs: config.logDirs, nodeId: 0, clusterId: metadata.clusterId });
  const replicaManager = new ReplicaManager(logManager, systemTime, {
    brokerId: 0,
    settingsFor: (topic) => partitionSettings(config, metadata.topic(topic)?.configs ?? {}),
    // No follower fetches anything here: the test plays the followers' fetches itself.
    fetchers: { addFetcherForPartitions: () => undefined, removeFetcherForPartitions: () => undefined },
  });
  let ids = 0;
  const topicAdmin = new TopicAdmin({ metadata, replicaManager, config, logger, newTopicId: () => Buffer.alloc(16, ++ids).toString('base64url') });
  await topicAdmin.loadTopics();
  const coordinator = new GroupCoordinator({ config, metadata, cluster, topicAdmin, replicaManager, time: systemTime, logger });
  replicaManager.onLeadershipChange((change) => coordinator.onLeadershipChange(change));
  coordinator.startup();
  const leaderEpochs = new Map<number, number>();
  const leaderAndIsr = (partitions: readonly number[], leader: number, isr: readonly number[]) => {
    const errors = replicaManager.becomeLeaderOrFollower({
      controllerId: 0, controllerEpoch: 1, liveLeaders: [{ brokerId: 1, host: '127.0.0.1', port: 9093 }],
      partitionStates: partitions.map((partition) => {
        const leaderEpoch = (leaderEpochs.get(partition) ?? 0) + 1;
        leaderEpochs.set(partition, leaderEpoch);
        return { topic: GROUP_METADATA_TOPIC_NAME, partition, leader, leaderEpoch, isr, partitionEpoch: leaderEpoch, replicas: [0, 1, 2], isNew: false };
      }),
    });
    assert.ok([...errors.values()].every((code) => code === ErrorCode.NONE), `LeaderAndIsr answered ${JSON.stringify([...errors])}`);
  };
  return {
    coordinator, replicaManager, metadata,
    lead: (partitions, isr = [0]) => leaderAndIsr(partitions, 0, isr),
    follow: (partitions) => leaderAndIsr(partitions, 1, [0, 1]),
    async stop(partitions) {
      await replicaManager.stopReplicas(1, partitions.map((partition) => ({ topic: GROUP_METADATA_TOPIC_NAME, partition, leaderEpoch: -1, deletePartition: false })));
    },
    async close() {
      coordinator.shutdown();
      await replicaManager.close();
      await metadata.close();
    },
  };
}

async function withDir(run: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'samsa-group-coordinator-'));
  try {
    await run(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function commit(groupId: string, topic: string, offset: number): OffsetCommitRequest {
  return {
    groupId, generationIdOrMemberEpoch: -1, memberId: '', groupInstanceId: null,
    topics: [{ name: topic, partitions: [{ partitionIndex: 0, committedOffset: BigInt(offset), committedLeaderEpoch: -1, committedMetadata: '' }] }],
  };
}

/** What a client would be answered for an OffsetCommit of `groupId` now. */
async function commitErrorCode(coordinator: GroupCoordinator, groupId: string, offset: number): Promise<number> {
  try {
    await coordinator.runtime.scheduleWriteOperation('commit', coordinator.partitionFor(groupId), (shard) => shard.offsets.commitOffset(commit(groupId, 'orders', offset), 8));
    return ErrorCode.NONE;
  } catch (error) {
    return coordinatorErrorCode(error, logger, 'commit');
  }
}

function committed(coordinator: GroupCoordinator, groupId: string): number | undefined {
  return coordinator.runtime.shard(coordinator.partitionFor(groupId))?.offsets.offset(groupId, 'orders', 0)?.committedOffset;
}

/** A group id on each __consumer_offsets partition, by brute force over a few names. */
function groupOn(coordinator: GroupCoordinator, partition: number): string {
  for (let i = 0; ; i++) if (coordinator.partitionFor(`group-${i}`) === partition) return `group-${i}`;
}

test('in a cluster a partition is coordinated only while this broker leads it: loaded from its log on election, NOT_COORDINATOR after resignation', async () => {
  await withDir(async (dir) => {
    const node = await openNode(dir);
    const { coordinator } = node;
    await coordinator.ensureOffsetsTopic();
    // Created, but nothing is coordinated before the controller makes this broker a leader.
    assert.deepEqual(coordinator.runtime.activePartitions(), []);
    const [g0, g1] = [groupOn(coordinator, 0), groupOn(coordinator, 1)];
    assert.equal(await commitErrorCode(coordinator, g0, 5), ErrorCode.NOT_COORDINATOR);

    node.lead([0, 1]);
    assert.equal(await commitErrorCode(coordinator, g0, 5), ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
    await coordinator.runtime.loadPartition(0);
    await coordinator.runtime.loadPartition(1);
    assert.deepEqual(coordinator.runtime.activePartitions(), [0, 1]);
    assert.equal(await commitErrorCode(coordinator, g0, 5), ErrorCode.NONE);
    assert.equal(await commitErrorCode(coordinator, g1, 7), ErrorCode.NONE);

    // Leadership of partition 0 moves to another broker; partition 1 stays here.
    node.follow([0]);
    assert.deepEqual(coordinator.runtime.activePartitions(), [1]);
    assert.equal(await commitErrorCode(coordinator, g0, 6), ErrorCode.NOT_COORDINATOR);
    assert.equal(committed(coordinator, g1), 7);

    // It comes back: the groups are what the log holds, the commit made before included.
    node.lead([0]);
    await coordinator.runtime.loadPartition(0);
    assert.equal(committed(coordinator, g0), 5);

    await node.stop([0, 1]);
    assert.deepEqual(coordinator.runtime.activePartitions(), []);
    await node.close();
  });
});

test('a leader epoch bump for a partition already led keeps its state; leadership of other topics is ignored', async () => {
  await withDir(async (dir) => {
    const node = await openNode(dir);
    const { coordinator } = node;
    await coordinator.ensureOffsetsTopic();
    node.lead([2]);
    await coordinator.runtime.loadPartition(2);
    const group = groupOn(coordinator, 2);
    assert.equal(await commitErrorCode(coordinator, group, 3), ErrorCode.NONE);
    const shard = coordinator.runtime.shard(2);
    node.lead([2]);
    assert.equal(coordinator.runtime.shard(2), shard);
    coordinator.onLeadershipChange({ becameLeader: [], becameFollower: [{ topic: 'orders', partition: 2 }], stopped: [{ topic: 'orders', partition: 2 }] });
    assert.equal(committed(coordinator, group), 3);
    await node.close();
  });
});

test('a leadership lost while the load runs leaves the partition unloaded', async () => {
  await withDir(async (dir) => {
    const node = await openNode(dir);
    const { coordinator } = node;
    await coordinator.ensureOffsetsTopic();
    node.lead([0]);
    const loading = coordinator.runtime.loadPartition(0);
    node.follow([0]);
    await loading;
    assert.equal(coordinator.hostsPartition(0), false);
    assert.equal(await commitErrorCode(coordinator, groupOn(coordinator, 0), 1), ErrorCode.NOT_COORDINATOR);
    await node.close();
  });
});

test('a broker restarted in a cluster loads none of the __consumer_offsets partitions it holds until it leads them', async () => {
  await withDir(async (dir) => {
    const first = await openNode(dir);
    await first.coordinator.ensureOffsetsTopic();
    first.lead([0, 1, 2]);
    await Promise.all([0, 1, 2].map((p) => first.coordinator.runtime.loadPartition(p)));
    const group = groupOn(first.coordinator, 1);
    assert.equal(await commitErrorCode(first.coordinator, group, 9), ErrorCode.NONE);
    await first.close();

    const restarted = await openNode(dir);
    assert.ok(restarted.metadata.topic(GROUP_METADATA_TOPIC_NAME) !== undefined);
    await restarted.coordinator.ensureOffsetsTopic();
    assert.deepEqual(restarted.coordinator.runtime.activePartitions(), []);
    restarted.lead([1]);
    await restarted.coordinator.runtime.loadPartition(1);
    assert.deepEqual(restarted.coordinator.runtime.activePartitions(), [1]);
    assert.equal(committed(restarted.coordinator, group), 9);
    await restarted.close();
  });
});

test('in a cluster __consumer_offsets is refused with COORDINATOR_NOT_AVAILABLE while fewer brokers are alive than offsets.topic.replication.factor, and nothing is created', async () => {
  await withDir(async (dir) => {
    const node = await openNode(dir, { 'offsets.topic.replication.factor': 3 }, brokersAlive(2));
    await assert.rejects(node.coordinator.ensureOffsetsTopic(), (error: KafkaError) => error.code === ErrorCode.COORDINATOR_NOT_AVAILABLE && /replication factor '3'/.test(error.message));
    assert.equal(node.metadata.topic(GROUP_METADATA_TOPIC_NAME), undefined);
    await node.close();
  });
});

test('a single node caps offsets.topic.replication.factor to its one broker and coordinates every partition, loaded at creation and at restart', async () => {
  await withDir(async (dir) => {
    const single = { 'zookeeper.connect': null, 'offsets.topic.replication.factor': 3 };
    const node = await openNode(dir, single);
    await node.coordinator.ensureOffsetsTopic();
    assert.equal(node.metadata.topic(GROUP_METADATA_TOPIC_NAME)!.replicationFactor, 1);
    assert.deepEqual(node.coordinator.runtime.activePartitions(), [0, 1, 2]);
    await node.close();
    const restarted = await openNode(dir, single);
    await Promise.all([0, 1, 2].map((p) => restarted.coordinator.runtime.loadPartition(p)));
    assert.deepEqual(restarted.coordinator.runtime.activePartitions(), [0, 1, 2]);
    await restarted.close();
  });
});

test('an OffsetCommit is answered only once its records are replicated; one whose replication fails as leadership moves is answered NOT_COORDINATOR', async () => {
  const t = await createTestRuntime();
  const answer = (offset: number) => t.runtime.scheduleWriteOperation('commit', 0, (shard) => shard.offsets.commitOffset(commit('g', 'orders', offset), 8))
    .then(() => ErrorCode.NONE, (error: unknown) => coordinatorErrorCode(error, logger, 'commit'));
  // The log's `durable` is what appendRecords(..., -1).completion gives: the high watermark passing the batch.
  let replicated!: () => void;
  t.log.durableWhen(new Promise<void>((resolve) => { replicated = resolve; }));
  let answered: number | undefined;
  const first = answer(1).then((code) => (answered = code));
  await t.runtime.idle(0);
  assert.equal(answered, undefined, 'not answered while the followers lack it');
  replicated();
  assert.equal(await first, ErrorCode.NONE);

  const lost = Promise.reject(new KafkaError(ErrorCode.NOT_LEADER_OR_FOLLOWER, 'leadership moved'));
  lost.catch(() => undefined);
  t.log.durableWhen(lost);
  assert.equal(await answer(2), ErrorCode.NOT_COORDINATOR);
  const timedOut = Promise.reject(new KafkaError(ErrorCode.REQUEST_TIMED_OUT, 'followers too slow'));
  timedOut.catch(() => undefined);
  t.log.durableWhen(timedOut);
  assert.equal(await answer(3), ErrorCode.COORDINATOR_NOT_AVAILABLE);
  const shrunk = Promise.reject(new KafkaError(ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND, 'the ISR shrank'));
  shrunk.catch(() => undefined);
  t.log.durableWhen(shrunk);
  assert.equal(await answer(4), ErrorCode.COORDINATOR_NOT_AVAILABLE);
});

test('with a follower in the ISR, an OffsetCommit is answered once the follower has fetched it; one pending when leadership moves is answered NOT_COORDINATOR', async () => {
  await withDir(async (dir) => {
    const node = await openNode(dir);
    const { coordinator, replicaManager } = node;
    await coordinator.ensureOffsetsTopic();
    node.lead([0], [0, 1]);
    await coordinator.runtime.loadPartition(0);
    const group = groupOn(coordinator, 0);
    const offsetsPartition = replicaManager.partition(GROUP_METADATA_TOPIC_NAME, 0)!;
    let answered: number | undefined;
    const first = commitErrorCode(coordinator, group, 5).then((code) => (answered = code));
    await coordinator.runtime.idle(0);
    assert.equal(answered, undefined, 'not answered while the follower lacks the commit');
    // The follower's next fetch starts past the commit: the high watermark moves and the commit is answered.
    replicaManager.updateFollowerFetchState(offsetsPartition, 1, { fetchOffset: offsetsPartition.log.logEndOffset, logStartOffset: 0, brokerEpoch: -1 });
    assert.equal(await first, ErrorCode.NONE);

    const second = commitErrorCode(coordinator, group, 6);
    await coordinator.runtime.idle(0);
    node.follow([0]);
    assert.equal(await second, ErrorCode.NOT_COORDINATOR);
    assert.equal(coordinator.hostsPartition(0), false);
    await node.close();
  });
});
