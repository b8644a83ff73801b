import { Consumer, keyOf } from '../client/index.ts';
import type { ConsumerRecord, TopicPartition } from '../client/index.ts';
import { EXIT_OK, UsageError } from './cli-io.ts';
import type { CliIo } from './cli-io.ts';
import { UnreachableBrokerWarning } from './broker-warning.ts';
import { log4jLine } from './cli-format.ts';
import { flag, parseOptions } from './cli-options.ts';
import { warnUnknownProperties } from './client-properties.ts';
import { CONSOLE_CONSUMER_OPTIONS, consoleConsumerSettings, consoleConsumerUsage } from './console-consumer-options.ts';
import type { FormatterName } from './console-consumer-options.ts';
import { decodedRecord } from './schema-registry-formats.ts';

export interface FormatterSettings {
  readonly printKey: boolean;
  readonly printValue: boolean;
  readonly printTimestamp: boolean;
  readonly printOffset: boolean;
  readonly printPartition: boolean;
  readonly printHeaders: boolean;
  readonly keySeparator: string;
  readonly lineSeparator: string;
  readonly headersSeparator: string;
  readonly headersKeySeparator: string;
  readonly nullLiteral: string;
}

export function formatterSettings(props: ReadonlyMap<string, string>): FormatterSettings {
  const on = (name: string, fallback = false) => (props.has(name) ? props.get(name)!.trim().toLowerCase() === 'true' : fallback);
  return {
    printKey: on('print.key'), printValue: on('print.value', true), printTimestamp: on('print.timestamp'),
    printOffset: on('print.offset'), printPartition: on('print.partition'), printHeaders: on('print.headers'),
    keySeparator: unescape(props.get('key.separator') ?? '\t'), lineSeparator: unescape(props.get('line.separator') ?? '\n'),
    headersSeparator: unescape(props.get('headers.separator') ?? ','), headersKeySeparator: unescape(props.get('headers.key.separator') ?? ':'),
    nullLiteral: props.get('null.literal') ?? 'null',
  };
}

/** Shells pass "\t" literally; Kafka's formatter takes the escapes too. */
function unescape(text: string): string {
  return text.replace(/\\([tnr\\])/g, (_, c: string) => ({ t: '\t', n: '\n', r: '\r', '\\': '\\' })[c]!);
}

/** One record as Kafka's DefaultMessageFormatter prints it: timestamp, partition, offset, headers, key, value. */
export function formatRecord(record: ConsumerRecord, s: FormatterSettings): string {
  const fields: string[] = [];
  const text = (bytes: Buffer | null) => (bytes === null ? s.nullLiteral : bytes.toString('utf8'));
  if (s.printTimestamp) fields.push(record.timestamp < 0 ? 'NO_TIMESTAMP' : `${record.timestampType}:${record.timestamp}`);
  if (s.printPartition) fields.push(`Partition:${record.partition}`);
  if (s.printOffset) fields.push(`Offset:${record.offset}`);
  if (s.printHeaders) {
    fields.push(record.headers.length === 0 ? 'NO_HEADERS'
      : record.headers.map((h) => `${h.key}${s.headersKeySeparator}${text(h.value)}`).join(s.headersSeparator));
  }
  if (s.printKey) fields.push(text(record.key));
  if (s.printValue) fields.push(text(record.value));
  return fields.join(s.keySeparator) + s.lineSeparator;
}

/** Kafka's LoggingMessageFormatter's log line for a record (it prints as DefaultMessageFormatter too). */
export function loggingLine(record: ConsumerRecord, nowMs = Date.now()): string {
  const timestamp = record.timestamp < 0 ? '' : `${record.timestampType}:${record.timestamp}, `;
  const key = `key:${record.key === null ? 'null ' : `${record.key.toString('utf8')}, `}`;
  const value = `value:${record.value === null ? 'null' : record.value.toString('utf8')}`;
  return log4jLine('INFO', timestamp + key + value, 'org.apache.kafka.tools.consumer.LoggingMessageFormatter', nowMs);
}

/** What --formatter prints for one record: stdout text and, for the logging one, a stderr line. */
function writeRecord(formatter: FormatterName, record: ConsumerRecord, settings: FormatterSettings): { out: string; log: string } {
  switch (formatter) {
    case 'NoOpMessageFormatter': return { out: '', log: '' };
    case 'LoggingMessageFormatter': return { out: formatRecord(record, settings), log: loggingLine(record) };
    case 'DefaultMessageFormatter': return { out: formatRecord(record, settings), log: '' };
  }
}

export async function runConsoleConsumerCommand(args: readonly string[], io: CliIo, random: () => number = Math.random): Promise<number> {
  const { values } = parseOptions(args, CONSOLE_CONSUMER_OPTIONS);
  if (flag(values, 'help')) {
    io.stdout(consoleConsumerUsage);
    return EXIT_OK;
  }
  const settings = await consoleConsumerSettings(values, random);
  const { source, maxMessages, timeoutMs } = settings;
  const format = formatterSettings(settings.formatterProperties);
  warnUnknownProperties(io, 'console-consumer', settings.unknownProperties);

  const brokerWarning = new UnreachableBrokerWarning(io,
    `[Consumer clientId=${settings.consumer.clientId ?? 'console-consumer'}, groupId=${settings.consumer.groupId ?? ''}]`);
  const consumer = new Consumer({ ...settings.consumer, onConnectionAttempt: brokerWarning.onConnectionAttempt });
  // Java's tool auto-commits and, on close, seeks back to the first unprinted record of each
  // partition first; committing exactly what was printed, every auto.commit.interval.ms and at the
  // end, stores the same offsets.
  const printed = new Map<string, { topic: string; partition: number; offset: number }>();
  let lastCommitMs = Date.now();
  const commit = async (partitions?: readonly TopicPartition[]) => {
    const keys = partitions?.map(keyOf) ?? [...printed.keys()];
    const offsets = keys.flatMap((key) => printed.get(key) ?? []);
    for (const key of keys) printed.delete(key);
    if (settings.commitPrinted && offsets.length > 0) await consumer.commit(offsets);
    lastCommitMs = Date.now();
  };
  let count = 0;
  let stopped = false;
  const stop = () => { stopped = true; };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    if (source.kind === 'partition') {
      const tp: TopicPartition = { topic: source.topic, partition: source.partition };
      const meta = await consumer.cluster.topic(source.topic);
      if (source.partition >= meta.partitions.length) throw new UsageError(`partition ${source.partition} of ${source.topic} does not exist (${meta.partitions.length} partitions)`);
      consumer.assign([tp]);
      if (source.offset === 'earliest') await consumer.seekToBeginning([tp]);
      else if (source.offset === 'latest') await consumer.seekToEnd([tp]);
      else consumer.seek(tp, source.offset);
    } else {
      // What a revoked partition printed is committed while this member still owns it.
      consumer.subscribe(source.topics, { onPartitionsRevoked: (partitions) => commit(partitions) });
    }
    let idleSinceMs = Date.now();
    while (!stopped && (maxMessages === undefined || count < maxMessages)) {
      const waitMs = timeoutMs === undefined ? 500 : Math.max(0, Math.min(500, idleSinceMs + timeoutMs - Date.now()));
      const records = await consumer.poll(waitMs);
      if (records.length === 0) {
        if (timeoutMs !== undefined && Date.now() - idleSinceMs >= timeoutMs) break;
        continue;
      }
      idleSinceMs = Date.now();
      let out = '';
      let log = '';
      for (const record of records) {
        if (maxMessages !== undefined && count >= maxMessages) break;
        const shown = settings.recordDecoder === undefined ? record : await decodedRecord(settings.recordDecoder, record);
        const written = writeRecord(settings.formatter, shown, format);
        out += written.out;
        log += written.log;
        count++;
        printed.set(keyOf(record), { topic: record.topic, partition: record.partition, offset: record.offset + 1 });
      }
      if (out !== '') io.stdout(out);
      if (log !== '') io.stderr(log);
      if (Date.now() - lastCommitMs >= settings.autoCommitIntervalMs) await commit();
    }
    await commit();
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    brokerWarning.stop();
    await consumer.close();
    io.stderr(`Processed a total of ${count} messages\n`);
  }
  return EXIT_OK;
}
