/**
 * Idempotence across failover: 3 broker processes, RF=3 and min.insync.replicas=2, and `samsa
 * verify` producing with enable.idempotence=true (retries until delivered, up to five sends in
 * flight per partition) while its fault command SIGKILLs the leader of partition 0, waits for a new
 * leader and restarts the killed broker: SAMSA_FAULT_ROUNDS rounds (5 by default, the CI size).
 * A send whose append reached the in-sync replicas but whose answer died with the leader is sent
 * again to the new leader, which knows the producer's last batches from the replicated log (the
 * producer state followers keep) and answers it without writing it twice. verify must find nothing
 * lost, duplicated or reordered, including between sends in flight together.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startCluster, type TestCluster } from './helpers/cluster.ts';
import { startFaultTrigger, verifyUnderFaults } from './helpers/fault-trigger.ts';

const ROUNDS = Number(process.env['SAMSA_FAULT_ROUNDS'] ?? 5);
const TOPIC = 'idempotent-failover';

let cluster: TestCluster;

before(async () => {
  cluster = await startCluster({ brokers: 3 });
});

after(async () => {
  await cluster?.close();
});

test(`SIGKILL of the partition leader, ${ROUNDS} rounds, idempotent producers: no duplicate, nothing lost or reordered`,
  { timeout: 240_000 + ROUNDS * 60_000 }, async (t) => {
    assert.ok(Number.isInteger(ROUNDS) && ROUNDS >= 1, `SAMSA_FAULT_ROUNDS must be a positive integer, not ${process.env['SAMSA_FAULT_ROUNDS']}`);
    await cluster.createTopic({ topic: TOPIC, numPartitions: 3, replicationFactor: 3, configs: { 'min.insync.replicas': '2' } });
    const trigger = await startFaultTrigger(async () => {
      const before = await cluster.waitForLeader(TOPIC, 0);
      await cluster.kill(before.leaderId);
      const after = await cluster.waitForLeader(TOPIC, 0, { not: before.leaderId });
      await cluster.start(before.leaderId);
      await cluster.waitForIsr(TOPIC, 0, [1, 2, 3]);
      return `killed broker ${before.leaderId} (leader at epoch ${before.leaderEpoch}); broker ${after.leaderId} leads at epoch ${after.leaderEpoch}`;
    });
    let run;
    try {
      run = await verifyUnderFaults({
        bootstrap: cluster.bootstrap, topic: TOPIC, trigger, rounds: ROUNDS, reportFile: join(cluster.dir, 'verify.json'), timeoutMs: 120_000 + ROUNDS * 60_000,
        // Sends pipelined, so retries after a failover race the sends behind them: the order must hold all the same.
        inFlight: 5,
        producerProperties: ['enable.idempotence=true', 'max.in.flight.requests.per.connection=5', 'request.timeout.ms=30000', 'delivery.timeout.ms=120000'],
      });
    } finally {
      await trigger.close();
    }
    const { result, report } = run;
    t.diagnostic(result.stdout.trim());
    // A stall or an anomaly is the cluster's story: the brokers' last warnings go with the report.
    if (!report.ok || report.counts.failed > 0) {
      for (const id of [1, 2, 3]) t.diagnostic(`--- broker ${id} ---\n${await cluster.logTail(id, 30)}`);
    }
    assert.equal(report.faults.length, ROUNDS);
    for (const fault of report.faults) assert.equal(fault.exitCode, 0, `fault round ${fault.round} failed:\n${fault.output}`);
    assert.equal(result.status, 0, `${result.stdout}\n${result.stderr}`);
    assert.equal(report.mode.idempotence, true, 'verify ran idempotent producers');
    assert.deepEqual(report.counts.anomalies, { lost: 0, duplicate: 0, reorder: 0, 'wrong-offset': 0, 'inconsistent-read': 0 });
    assert.ok(report.counts.acknowledged > 0, 'some writes were acknowledged');
  });
