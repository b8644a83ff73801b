/**
 * Failover that loses nothing: 3 broker processes, a topic with RF=3 and min.insync.replicas=2,
 * and `samsa verify` producing with acks=all while its fault command SIGKILLs the leader of
 * partition 0, waits for a new leader, and restarts the killed broker until it is back in the ISR:
 * SAMSA_FAULT_ROUNDS rounds (10 by default, the CI size; set it higher for a long run by hand;
 * SAMSA_FAULT_REPORT=<file> keeps verify's JSON report).
 * verify must find nothing lost, duplicated, reordered or read differently twice. In each round,
 * while the old leader is down, KafkaJS and kcat write through the new leader (they must follow it),
 * and kcat reads every one of those writes back at the end.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import kafkajs from 'kafkajs';
import { startCluster, type TestCluster } from './helpers/cluster.ts';
import { startFaultTrigger, verifyUnderFaults } from './helpers/fault-trigger.ts';
import { kcat, kcatConsumeAll } from './helpers/kcat.ts';

const { Kafka, logLevel } = kafkajs;

const ROUNDS = Number(process.env['SAMSA_FAULT_ROUNDS'] ?? 10);
const TOPIC = 'failover';

let cluster: TestCluster;

before(async () => {
  cluster = await startCluster({ brokers: 3 });
});

after(async () => {
  await cluster?.close();
});

test(`SIGKILL of the partition leader, ${ROUNDS} rounds under acks=all load: verify finds no anomaly, KafkaJS and kcat follow the leader`,
  { timeout: 240_000 + ROUNDS * 60_000 }, async (t) => {
    assert.ok(Number.isInteger(ROUNDS) && ROUNDS >= 1, `SAMSA_FAULT_ROUNDS must be a positive integer, not ${process.env['SAMSA_FAULT_ROUNDS']}`);
    await cluster.createTopic({ topic: TOPIC, numPartitions: 3, replicationFactor: 3, configs: { 'min.insync.replicas': '2' } });
    const kafka = new Kafka({ clientId: 'failover-kafkajs', brokers: cluster.bootstrapServers, logLevel: logLevel.NOTHING,
      retry: { retries: 20, initialRetryTime: 200, maxRetryTime: 2_000 } });
    const producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    const expected: string[] = [];
    const rounds: Array<{ round: number; killed: number; leader: number; epochBefore: number; epochAfter: number }> = [];

    const trigger = await startFaultTrigger(async (round) => {
      const before = await cluster.waitForLeader(TOPIC, 0);
      await cluster.kill(before.leaderId);
      const after = await cluster.waitForLeader(TOPIC, 0, { not: before.leaderId });
      // Both clients find the new leader themselves, from the bootstrap list that still names the dead broker.
      await producer.send({ topic: TOPIC, acks: -1, messages: [{ partition: 0, value: `kafkajs-${round}` }] });
      expected.push(`kafkajs-${round}`);
      await kcat(['-P', '-b', cluster.bootstrap, '-t', TOPIC, '-p', '0', '-X', 'acks=all'], { input: `kcat-${round}\n` });
      expected.push(`kcat-${round}`);
      await cluster.start(before.leaderId);
      await cluster.waitForIsr(TOPIC, 0, [1, 2, 3]);
      rounds.push({ round, killed: before.leaderId, leader: after.leaderId, epochBefore: before.leaderEpoch, epochAfter: after.leaderEpoch });
      return `killed broker ${before.leaderId} (leader at epoch ${before.leaderEpoch}); broker ${after.leaderId} leads at epoch ${after.leaderEpoch}`;
    });
    const reportFile = join(cluster.dir, 'verify.json');
    let run;
    try {
      run = await verifyUnderFaults({
        bootstrap: cluster.bootstrap, topic: TOPIC, trigger, rounds: ROUNDS, reportFile, timeoutMs: 120_000 + ROUNDS * 60_000,
        // Without idempotence a retried send may be written twice: each send is tried once.
        producerProperties: ['retries=0', 'request.timeout.ms=30000'],
      });
    } finally {
      await trigger.close();
      await producer.disconnect();
    }
    const { result, report } = run;
    t.diagnostic(result.stdout.trim());
    const keep = process.env['SAMSA_FAULT_REPORT'];
    if (keep !== undefined && keep !== '') await copyFile(reportFile, keep);
    assert.equal(report.faults.length, ROUNDS);
    for (const fault of report.faults) assert.equal(fault.exitCode, 0, `fault round ${fault.round} failed:\n${fault.output}`);
    assert.equal(result.status, 0, `${result.stdout}\n${result.stderr}`);
    assert.deepEqual(report.counts.anomalies, { lost: 0, duplicate: 0, reorder: 0, 'wrong-offset': 0, 'inconsistent-read': 0 });
    assert.ok(report.counts.acknowledged > 0, 'some writes were acknowledged');
    for (const r of rounds) {
      assert.notEqual(r.leader, r.killed);
      assert.ok(r.epochAfter > r.epochBefore, `round ${r.round}: the leader epoch moved on (${r.epochBefore} -> ${r.epochAfter})`);
    }

    // Every write KafkaJS and kcat had acknowledged through a new leader is there, in order.
    const values = (await kcatConsumeAll(cluster.bootstrap, TOPIC, { partition: 0 })).map((m) => m.payload ?? '');
    const clientWrites = values.filter((v) => /^(kafkajs|kcat)-\d+$/.test(v));
    assert.deepEqual([...new Set(clientWrites)], expected);
  });
