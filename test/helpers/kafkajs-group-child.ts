/**
 * A KafkaJS group consumer in its own process, so a test can kill it without it leaving the
 * group. Config from argv: bootstrap, group, topic, sessionTimeoutMs. Writes JSON lines to stdout:
 * {"assigned":[partitions]} after each rebalance, {"p":partition,"o":offset} per record.
 */
import kafkajs from 'kafkajs';

const [bootstrap, groupId, topic, sessionTimeout] = process.argv.slice(2);
const { Kafka, logLevel } = kafkajs;
const kafka = new Kafka({ clientId: `child-${process.pid}`, brokers: [bootstrap!], logLevel: logLevel.NOTHING });
// KafkaJS heartbeats between fetches: a fetch may not wait longer than the session lasts.
const consumer = kafka.consumer({ groupId: groupId!, sessionTimeout: Number(sessionTimeout), heartbeatInterval: 300, rebalanceTimeout: 10_000, maxWaitTimeInMs: 100 });
consumer.on(consumer.events.GROUP_JOIN, (event) => {
  const assigned = event.payload.memberAssignment[topic!] ?? [];
  process.stdout.write(`${JSON.stringify({ assigned: [...assigned].sort((a, b) => a - b) })}\n`);
});
await consumer.connect();
await consumer.subscribe({ topics: [topic!], fromBeginning: true });
await consumer.run({
  autoCommitInterval: 200,
  eachMessage: async ({ partition, message }) => {
    process.stdout.write(`${JSON.stringify({ p: partition, o: Number(message.offset) })}\n`);
  },
});
process.on('SIGTERM', () => { void consumer.disconnect().finally(() => process.exit(0)); });
