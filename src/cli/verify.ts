/**
 * `samsa verify`: checks a Kafka-compatible cluster for the anomalies Jepsen's Kafka analysis names.
 * Produce uniquely numbered records from several producers (recording every send and its outcome),
 * optionally break things on a schedule meanwhile, then read every partition back twice and hand
 * the history and the reads to the pure checker (verify/checker.ts).
 */
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { Admin, KafkaClientError, resolveIdempotence } from '../client/index.ts';
import { ErrorCode } from '../protocol/errors.ts';
import { EXIT_FAILURE, EXIT_OK, UsageError } from './cli-io.ts';
import type { CliIo } from './cli-io.ts';
import { adminOptions, consumerOptions, producerOptions, warnUnknownProperties } from './client-properties.ts';
import { bootstrapServers, clientProperties, flag, intOption, listOption, parseKeyValues, parseOptions, requireOption, stringOption } from './cli-options.ts';
import { check } from './verify/checker.ts';
import { runShellCommand, startFaultSchedule } from './verify/faults.ts';
import type { FaultRun } from './verify/faults.ts';
import { HistoryRecorder } from './verify/history.ts';
import { endOffsets, readTopic } from './verify/read-back.ts';
import { buildReport, summary } from './verify/report.ts';
import { runWorkload } from './verify/workload.ts';

export const verifyUsage = `Usage: samsa verify --bootstrap-server <host:port> --topic <t> [options]

Produces uniquely numbered records (acks=all) from several producers, recording every
acknowledgement, optionally runs a fault command meanwhile, then reads every partition back twice and
reports what a correct cluster never shows: lost acknowledged records, duplicates, reordering within
a producer, an acknowledged offset that disagrees with where the record is read, and an offset
holding different records in two reads. Exit status 1 on any anomaly, 0 when clean.
  --topic <t>                     created when missing (with --partitions, --replication-factor)
  --partitions <n>                partitions of a created topic (default 3)
  --replication-factor <n>        replication factor of a created topic (default: the broker's)
  --producers <n>                 producers, each with its own connections (default 3)
  --records <n>                   records in all, shared among the producers (default 1000) ...
  --duration-ms <ms>              ... or produce for this long instead
  --in-flight <n>                 sends each producer keeps outstanding (default 1: each awaited, so
                                  order is strictly checked; more pipelines them)
  --acks <all|1|0>                default all
  --fault-command "<cmd>"         run with /bin/sh every --fault-interval-ms while producing (one at
                                  a time); it sees SAMSA_VERIFY_BOOTSTRAP, SAMSA_VERIFY_TOPIC and
                                  SAMSA_VERIFY_ROUND in its environment
  --fault-interval-ms <ms>        pause before each fault run (default 1000)
  --fault-rounds <n>              produce until the fault command has run n times (instead of
                                  --records or --duration-ms): a fixed number of faults however
                                  long each takes
  --heal-command "<cmd>"          run once after producing, before reading back (restart what
                                  the faults stopped)
  --read-timeout-ms <ms>          give up reading back after this long without progress (default 60000)
  --report <file>                 write the JSON report here
  --producer-property <k=v>       a producer property (repeatable), e.g. retries=0, linger.ms=5
  --command-config <file>         client properties for every client (producer keys go to the producers)
`;

const OPTIONS = {
  'bootstrap-server': { type: 'string' }, topic: { type: 'string' }, partitions: { type: 'string' }, 'replication-factor': { type: 'string' },
  producers: { type: 'string' }, records: { type: 'string' }, 'duration-ms': { type: 'string' }, 'in-flight': { type: 'string' },
  acks: { type: 'string' }, 'fault-command': { type: 'string' }, 'fault-interval-ms': { type: 'string' }, 'fault-rounds': { type: 'string' }, 'heal-command': { type: 'string' },
  'read-timeout-ms': { type: 'string' }, report: { type: 'string' }, 'producer-property': { type: 'string', multiple: true },
  'command-config': { type: 'string' },
} as const;

/** Creates the topic unless it exists; returns its partition count. */
async function ensureTopic(admin: Admin, topic: string, numPartitions: number, replicationFactor: number): Promise<number> {
  try {
    await admin.createTopics([{ topic, numPartitions, replicationFactor }]);
  } catch (error) {
    if (!(error instanceof KafkaClientError) || error.code !== ErrorCode.TOPIC_ALREADY_EXISTS) throw error;
  }
  const [described] = await admin.describeTopics([topic]);
  return described!.partitions.length;
}

export async function runVerifyCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values } = parseOptions(args, OPTIONS);
  if (flag(values, 'help')) {
    io.stdout(verifyUsage);
    return EXIT_OK;
  }
  const servers = bootstrapServers(values);
  const topic = requireOption(values, 'topic');
  const partitions = intOption(values, 'partitions', { min: 1 }) ?? 3;
  const replicationFactor = intOption(values, 'replication-factor', { min: 1 }) ?? -1;
  const producers = intOption(values, 'producers', { min: 1 }) ?? 3;
  const durationMs = intOption(values, 'duration-ms', { min: 1 });
  const faultRounds = intOption(values, 'fault-rounds', { min: 1 });
  if ([durationMs, values.records, faultRounds].filter((v) => v !== undefined).length > 1) {
    throw new UsageError('give one of --records, --duration-ms and --fault-rounds');
  }
  const records = durationMs === undefined && faultRounds === undefined ? intOption(values, 'records', { min: 1 }) ?? 1000 : undefined;
  const inFlight = intOption(values, 'in-flight', { min: 1 }) ?? 1;
  const faultCommand = stringOption(values, 'fault-command');
  const faultIntervalMs = intOption(values, 'fault-interval-ms', { min: 0 });
  if (faultIntervalMs !== undefined && faultCommand === undefined) throw new UsageError('--fault-interval-ms needs --fault-command');
  if (faultRounds !== undefined && faultCommand === undefined) throw new UsageError('--fault-rounds needs --fault-command');
  const healCommand = stringOption(values, 'heal-command');
  const readTimeoutMs = intOption(values, 'read-timeout-ms', { min: 1 }) ?? 60_000;
  const reportFile = stringOption(values, 'report');

  const common = await clientProperties(stringOption(values, 'command-config'), [], '--command-config');
  const producerProperties = new Map([...common, ...parseKeyValues(listOption(values, 'producer-property'), '--producer-property')]);
  // --acks wins over a property; all unless either says otherwise.
  const acks = stringOption(values, 'acks') ?? producerProperties.get('acks')?.trim() ?? 'all';
  if (!['all', '-1', '1', '0'].includes(acks)) throw new UsageError(`--acks must be all, 1 or 0, not '${acks}'`);
  producerProperties.set('acks', acks);
  // linger.ms 0 unless asked for: an awaited send gains nothing from waiting for company.
  const producer = producerOptions({ bootstrapServers: servers, clientId: 'samsa-verify', lingerMs: 0 }, producerProperties);
  const consumer = consumerOptions({ bootstrapServers: servers, clientId: 'samsa-verify-reader' }, common);
  const admin = new Admin({ ...adminOptions({ bootstrapServers: [], clientId: 'samsa-verify-admin' }, common).options, bootstrapServers: servers });
  // A key is worth a warning when no client took it.
  warnUnknownProperties(io, 'verify', producer.unknown.filter((key) => !common.has(key) || consumer.unknown.includes(key)));

  try {
    const partitionCount = await ensureTopic(admin, topic, partitions, replicationFactor);
    const recorder = new HistoryRecorder(randomBytes(6).toString('hex'));
    const env = { SAMSA_VERIFY_BOOTSTRAP: servers.join(','), SAMSA_VERIFY_TOPIC: topic };
    // With --fault-rounds the producers stop once the last round has run.
    const roundsDone = new AbortController();
    const schedule = faultCommand === undefined ? null : startFaultSchedule(faultCommand, faultIntervalMs ?? 1000, env, (run) => {
      io.stderr(`samsa verify: fault round ${run.round} exited ${run.exitCode ?? run.signal} after ${run.durationMs} ms\n`);
      if (faultRounds !== undefined && run.round >= faultRounds) roundsDone.abort();
    }, faultRounds);
    let faults: FaultRun[] = [];
    try {
      await runWorkload({
        topic, partitionCount, producers, records, durationMs, inFlight, stop: faultRounds === undefined ? undefined : roundsDone.signal,
        producerOptions: { ...producer.options, bootstrapServers: servers },
      }, recorder);
    } finally {
      faults = (await schedule?.stop()) ?? [];
    }
    const heal = healCommand === undefined ? null : await runShellCommand(healCommand, env, 1, 0);
    const ends = await endOffsets(admin, topic, partitionCount);
    // Two full reads: an offset that answers differently the second time is an anomaly of its own.
    const reads = [
      await readTopic(consumer.options, admin, topic, ends, readTimeoutMs),
      await readTopic(consumer.options, admin, topic, ends, readTimeoutMs),
    ];
    const history = recorder.history();
    const result = check(history, reads);
    const report = buildReport(history.runId, {
      topic, partitions: partitionCount, producers, acks: acks === '-1' ? 'all' : acks, idempotence: resolveIdempotence(producer.options).idempotent,
      inFlight, ordering: inFlight === 1 ? 'sequential' : 'pipelined',
    }, result, faults, heal, reads[0]!, recorder.longestAckGapMs);
    if (reportFile !== undefined) await writeFile(reportFile, `${JSON.stringify(report, null, 2)}\n`);
    io.stdout(summary(report));
    return report.ok ? EXIT_OK : EXIT_FAILURE;
  } finally {
    await admin.close();
  }
}
