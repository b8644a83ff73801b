import { Consumer } from '../client/index.ts';
import type { ConsumerRecord, TopicPartition } from '../client/index.ts';
import { EXIT_OK, UsageError } from './cli-io.ts';
import type { CliIo } from './cli-io.ts';
import { consumerOptions, isolationLevel } from './client-properties.ts';
import { bootstrapServers, clientProperties, flag, intOption, listOption, parseKeyValues, parseOptions, stringOption } from './cli-options.ts';

export const consoleConsumerUsage = `Usage: samsa console-consumer --bootstrap-server <host:port> --topic <topic> [options]   (kafka-console-consumer)

Prints each record's value on its own line (DefaultMessageFormatter).
  --topic <topic>              the topic (or --include <regex> for several; needs --group)
  --group <group>              consume as this consumer group (offsets are committed)
  --from-beginning             start at the earliest offset when there is no committed offset
  --partition <n>              only this partition
  --offset <n|earliest|latest> start offset in --partition (default latest)
  --max-messages <n>           exit after n records
  --timeout-ms <ms>            exit when no record arrives for this long
  --property <k=v>             formatter settings (repeatable): print.key, print.value, print.timestamp,
                               print.offset, print.partition, print.headers, key.separator, line.separator,
                               headers.separator, headers.key.separator, null.literal
  --isolation-level <level>    read_uncommitted (default) or read_committed
  --consumer-property <k=v>    a Kafka consumer property (repeatable); --consumer.config <file>
`;

const OPTIONS = {
  'bootstrap-server': { type: 'string' }, topic: { type: 'string' }, include: { type: 'string' }, whitelist: { type: 'string' },
  group: { type: 'string' }, 'from-beginning': { type: 'boolean' }, partition: { type: 'string' }, offset: { type: 'string' },
  'max-messages': { type: 'string' }, 'timeout-ms': { type: 'string' }, property: { type: 'string', multiple: true },
  formatter: { type: 'string' }, 'isolation-level': { type: 'string' }, 'consumer-property': { type: 'string', multiple: true },
  'consumer.config': { type: 'string' }, 'skip-message-on-error': { type: 'boolean' },
} as const;

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

export async function runConsoleConsumerCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values } = parseOptions(args, OPTIONS);
  if (flag(values, 'help')) {
    io.stdout(consoleConsumerUsage);
    return EXIT_OK;
  }
  const servers = bootstrapServers(values);
  const topic = stringOption(values, 'topic');
  const include = stringOption(values, 'include') ?? stringOption(values, 'whitelist');
  if ((topic === undefined) === (include === undefined)) throw new UsageError('give exactly one of --topic and --include');
  const group = stringOption(values, 'group');
  const partition = intOption(values, 'partition', { min: 0 });
  const offsetText = stringOption(values, 'offset');
  if (offsetText !== undefined && partition === undefined) throw new UsageError('--offset needs --partition');
  if (partition !== undefined && topic === undefined) throw new UsageError('--partition needs --topic');
  if (include !== undefined && group === undefined) throw new UsageError('--include needs --group');
  if (offsetText !== undefined && flag(values, 'from-beginning')) throw new UsageError('--offset and --from-beginning cannot be used together');
  const startOffset = offsetText === undefined ? undefined : offsetText === 'earliest' || offsetText === 'latest' ? offsetText : Number(offsetText);
  if (typeof startOffset === 'number' && (!Number.isInteger(startOffset) || startOffset < 0)) throw new UsageError(`--offset must be earliest, latest or a non-negative integer, not '${offsetText}'`);
  const maxMessages = intOption(values, 'max-messages', { min: 1 });
  const timeoutMs = intOption(values, 'timeout-ms', { min: 0 });
  const format = formatterSettings(parseKeyValues(listOption(values, 'property'), '--property'));

  const props = await clientProperties(stringOption(values, 'consumer.config'), listOption(values, 'consumer-property'), '--consumer-property');
  const level = stringOption(values, 'isolation-level');
  if (level !== undefined) props.set('isolation.level', isolationLevel(level));
  if (group !== undefined) props.set('group.id', group);
  if (!props.has('auto.offset.reset')) props.set('auto.offset.reset', flag(values, 'from-beginning') ? 'earliest' : 'latest');
  // Commits name exactly the records printed (see below), never a poll's unprinted rest.
  props.set('enable.auto.commit', 'false');
  if (maxMessages !== undefined && !props.has('max.poll.records')) props.set('max.poll.records', String(Math.min(maxMessages, 500)));
  const { options, unknown } = consumerOptions({ bootstrapServers: servers, clientId: 'console-consumer' }, props);
  for (const key of unknown) io.stderr(`samsa console-consumer: warning: the configuration '${key}' was supplied but isn't a known config\n`);

  const consumer = new Consumer(options);
  const printed = new Map<string, { topic: string; partition: number; offset: number }>();
  let count = 0;
  let stopped = false;
  const stop = () => { stopped = true; };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  let lastCommitMs = Date.now();
  const commit = async () => {
    if (options.groupId === undefined || printed.size === 0) return;
    await consumer.commit([...printed.values()]);
    lastCommitMs = Date.now();
  };
  try {
    if (partition !== undefined) {
      const tp: TopicPartition = { topic: topic!, partition };
      const meta = await consumer.cluster.topic(topic!);
      if (partition >= meta.partitions.length) throw new UsageError(`partition ${partition} of ${topic} does not exist (${meta.partitions.length} partitions)`);
      consumer.assign([tp]);
      if (startOffset === 'earliest' || (startOffset === undefined && flag(values, 'from-beginning'))) await consumer.seekToBeginning([tp]);
      else if (startOffset === 'latest' || (startOffset === undefined && group === undefined)) await consumer.seekToEnd([tp]);
      else if (typeof startOffset === 'number') consumer.seek(tp, startOffset);
    } else if (group !== undefined) {
      consumer.subscribe(include !== undefined ? new RegExp(`^(?:${include})$`) : [topic!]);
    } else {
      // Kafka's tool would join a throwaway group "console-consumer-<n>"; assigning every partition
      // reads the same records without leaving a group and its offsets behind.
      const meta = await consumer.cluster.topic(topic!);
      consumer.assign(meta.partitions.map((p) => ({ topic: topic!, partition: p.partition })));
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
      for (const record of records) {
        if (maxMessages !== undefined && count >= maxMessages) break;
        out += formatRecord(record, format);
        count++;
        printed.set(`${record.topic}\0${record.partition}`, { topic: record.topic, partition: record.partition, offset: record.offset + 1 });
      }
      io.stdout(out);
      if (Date.now() - lastCommitMs >= 5_000) await commit();
    }
    await commit();
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    await consumer.close();
    io.stderr(`Processed a total of ${count} messages\n`);
  }
  return EXIT_OK;
}
