/**
 * A leader cut off from the other brokers and from ZooKeeper (fault-injecting proxies on its
 * ZooKeeper connection and on its inter-broker listener; clients still reach it directly), while
 * `samsa verify` produces with acks=all. Each round: the others elect a new leader in a newer epoch;
 * the isolated one, still believing it leads, acknowledges no acks=all write (its followers cannot
 * copy it and the controller fences its ISR change); healed, it follows again and rejoins the ISR.
 * verify then finds no acknowledged write lost: nothing the isolated leader took survived as if
 * acknowledged, and no two leaders ever accepted writes in the same epoch.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { LOOPBACK } from '../src/cli/dev-cluster/layout.ts';
import { errorName } from '../src/protocol/errors.ts';
import { startCluster, type TestCluster } from './helpers/cluster.ts';
import { KafkaApiClient } from './helpers/kafka-api-client.ts';
import { Api, batchOf } from './helpers/kafka-apis.ts';
import { startFaultTrigger, verifyUnderFaults } from './helpers/fault-trigger.ts';

const ROUNDS = 3;
const TOPIC = 'partitioned';

let cluster: TestCluster;

before(async () => {
  // ISR shrinks wait longer than a session: the deposed leader's AlterPartition meets a newer epoch.
  cluster = await startCluster({ brokers: 3, partitionable: true, overrides: { 'replica.lag.time.max.ms': '10000' } });
});

after(async () => {
  await cluster?.close();
});

/**
 * An acks=all Produce sent to broker `id` and nowhere else (a client library would find the new
 * leader and write there instead): what the isolated broker itself answers, by error name.
 */
async function writeToOnly(id: number, value: string): Promise<string> {
  const client = await KafkaApiClient.open(LOOPBACK, cluster.broker(id).port);
  try {
    const answer = await client.call(Api.produce, 9, {
      transactionalId: null, acks: -1, timeoutMs: 8_000,
      topicData: [{ name: TOPIC, partitionData: [{ index: 0, records: batchOf([value]) }] }],
    }, 30_000);
    const partition = answer.responses[0]!.partitionResponses[0]!;
    return partition.errorCode === 0 ? `acknowledged at offset ${partition.baseOffset}` : errorName(partition.errorCode);
  } finally {
    client.close();
  }
}

test(`a leader cut off from the brokers and ZooKeeper, ${ROUNDS} rounds: no acknowledged write lost, one leader per epoch`,
  { timeout: 600_000 }, async (t) => {
    await cluster.createTopic({ topic: TOPIC, numPartitions: 1, replicationFactor: 3, configs: { 'min.insync.replicas': '2' } });
    const rounds: Array<{ isolated: number; isolatedView: { leader: number; epoch: number }; newLeader: number; newEpoch: number; write: string }> = [];
    const trigger = await startFaultTrigger(async (round) => {
      const before = await cluster.waitForIsr(TOPIC, 0, [1, 2, 3]);
      const isolated = before.leaderId;
      const others = cluster.ids.filter((id) => id !== isolated);
      cluster.isolate(isolated);
      try {
        const after = await cluster.waitForLeader(TOPIC, 0, { not: isolated, among: others });
        const isolatedView = await cluster.partition(TOPIC, 0, isolated);
        const write = await writeToOnly(isolated, `isolated-${round}`);
        rounds.push({ isolated, isolatedView: { leader: isolatedView.leaderId, epoch: isolatedView.leaderEpoch }, newLeader: after.leaderId, newEpoch: after.leaderEpoch, write });
      } finally {
        await cluster.heal(isolated);
      }
      await cluster.waitForIsr(TOPIC, 0, [1, 2, 3]);
      return `isolated broker ${isolated}: ${JSON.stringify(rounds.at(-1))}`;
    });
    let run;
    try {
      run = await verifyUnderFaults({
        bootstrap: cluster.bootstrap, topic: TOPIC, trigger, rounds: ROUNDS, reportFile: join(cluster.dir, 'verify.json'), timeoutMs: 540_000,
        producerProperties: ['retries=0', 'request.timeout.ms=15000'],
      });
    } finally {
      await trigger.close();
    }
    const { result, report } = run;
    t.diagnostic(result.stdout.trim());
    for (const r of rounds) t.diagnostic(`isolated broker ${r.isolated} answered an acks=all write with ${r.write}; broker ${r.newLeader} leads at epoch ${r.newEpoch}`);
    assert.equal(report.faults.length, ROUNDS);
    for (const fault of report.faults) assert.equal(fault.exitCode, 0, `fault round ${fault.round} failed:\n${fault.output}`);
    assert.equal(result.status, 0, `${result.stdout}\n${result.stderr}`);
    assert.deepEqual(report.counts.anomalies, { lost: 0, duplicate: 0, reorder: 0, 'wrong-offset': 0, 'inconsistent-read': 0 });
    // Sends to a leader cut off fail; verify says with which errors, each counted.
    assert.equal(Object.values(report.failures).reduce((a, b) => a + b, 0), report.counts.failed);
    const mostCommon = Object.entries(report.failures).sort((a, b) => b[1] - a[1]).slice(0, 5);
    for (const [error, count] of mostCommon) assert.ok(result.stdout.includes(`failed ${count}x: ${error}\n`), error);
    for (const r of rounds) {
      assert.doesNotMatch(r.write, /^acknowledged/, `the isolated leader ${r.isolated} acknowledged an acks=all write: ${JSON.stringify(r)}`);
      assert.notEqual(r.newLeader, r.isolated);
      // The isolated broker may still call itself leader, but only in an older epoch than the new leader's.
      if (r.isolatedView.leader === r.isolated) assert.ok(r.isolatedView.epoch < r.newEpoch, JSON.stringify(r));
    }
  });
