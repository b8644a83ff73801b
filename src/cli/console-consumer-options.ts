import type { ConsumerOptions } from '../client/index.ts';
import { UsageError } from './cli-io.ts';
import { consumerOptions, isolationLevel } from './client-properties.ts';
import { consumerSchemaRegistryUsage, recordDecoder, SCHEMA_REGISTRY_OPTIONS, type RecordDecoder } from './schema-registry-formats.ts';
import {
  bootstrapServers, clientProperties, flag, intOption, listOption, renamedOption, stringOption, type OptionSpecs, type ParsedOptions,
} from './cli-options.ts';

export const consoleConsumerUsage = `Usage: samsa console-consumer --bootstrap-server <host:port> --topic <topic> [options]   (kafka-console-consumer)

Prints each record's value on its own line (DefaultMessageFormatter). Without --group it consumes in
a group of its own, console-consumer-<n>, and commits nothing (unless enable.auto.commit=true).
  --topic <topic>              the topic (or --include <regex> for every topic it matches)
  --group <group>              consume as this consumer group; what is printed is committed
  --from-beginning             start at the earliest offset when there is no committed offset
  --partition <n>              only this partition of --topic, assigned (no group); starts at the end
  --offset <n|earliest|latest> start offset in --partition (default latest)
  --max-messages <n>           exit after n records
  --timeout-ms <ms>            exit when no record arrives for this long
  --formatter-property <k=v>   formatter settings (repeatable; also --property): print.key, print.value,
                               print.timestamp, print.offset, print.partition, print.headers, key.separator,
                               line.separator, headers.separator, headers.key.separator, null.literal
  --formatter-config <file>    formatter settings from a properties file
  --formatter <class>          org.apache.kafka.tools.consumer.DefaultMessageFormatter (the default),
                               NoOpMessageFormatter (prints nothing) or LoggingMessageFormatter (prints as
                               the default and logs each record on stderr); kafka.tools.<name> too
  --isolation-level <level>    read_uncommitted (default) or read_committed
  --command-property <k=v>     a Kafka consumer property (repeatable; also --consumer-property)
  --command-config <file>      consumer properties from a file (also --consumer.config)
  --skip-message-on-error      accepted for compatibility: printing a record cannot fail here
${consumerSchemaRegistryUsage}`;

export const CONSOLE_CONSUMER_OPTIONS: OptionSpecs = {
  'bootstrap-server': { type: 'string' }, topic: { type: 'string' }, include: { type: 'string' }, whitelist: { type: 'string' },
  group: { type: 'string' }, 'from-beginning': { type: 'boolean' }, partition: { type: 'string' }, offset: { type: 'string' },
  'max-messages': { type: 'string' }, 'timeout-ms': { type: 'string' },
  property: { type: 'string', multiple: true }, 'formatter-property': { type: 'string', multiple: true }, 'formatter-config': { type: 'string' },
  formatter: { type: 'string' }, 'isolation-level': { type: 'string' },
  'consumer-property': { type: 'string', multiple: true }, 'command-property': { type: 'string', multiple: true },
  'consumer.config': { type: 'string' }, 'command-config': { type: 'string' },
  'skip-message-on-error': { type: 'boolean' }, ...SCHEMA_REGISTRY_OPTIONS,
};

/** Where records come from: one assigned partition, or a group subscription. */
export type ConsoleConsumerSource =
  | { readonly kind: 'partition'; readonly topic: string; readonly partition: number; readonly offset: 'earliest' | 'latest' | number }
  | { readonly kind: 'subscribe'; readonly topics: readonly string[] | RegExp };

export interface ConsoleConsumerSettings {
  /** Always has a group id; auto commit is off because the tool commits exactly what it printed. */
  readonly consumer: ConsumerOptions;
  readonly unknownProperties: readonly string[];
  readonly source: ConsoleConsumerSource;
  /** enable.auto.commit as the Java tool leaves it: on for a named group, off for a generated one. */
  readonly commitPrinted: boolean;
  readonly autoCommitIntervalMs: number;
  /** undefined: no limit. */
  readonly maxMessages: number | undefined;
  readonly timeoutMs: number | undefined;
  readonly formatterProperties: ReadonlyMap<string, string>;
  readonly formatter: FormatterName;
  /** --key-format / --value-format: keys and values decoded through the schema registry before printing. */
  readonly recordDecoder: RecordDecoder | undefined;
}

export type FormatterName = 'DefaultMessageFormatter' | 'NoOpMessageFormatter' | 'LoggingMessageFormatter';
const FORMATTERS: readonly FormatterName[] = ['DefaultMessageFormatter', 'NoOpMessageFormatter', 'LoggingMessageFormatter'];

/** --formatter: Kafka's own formatters by class name, in today's package or the older kafka.tools. */
export function formatterName(className: string | undefined): FormatterName {
  if (className === undefined) return 'DefaultMessageFormatter';
  const match = /^(?:org\.apache\.kafka\.tools\.consumer|kafka\.tools)\.(\w+)$/.exec(className);
  const name = FORMATTERS.find((f) => f === match?.[1]);
  if (name === undefined) {
    throw new UsageError(`--formatter ${className} is not available: samsa console-consumer has Kafka's ${FORMATTERS.join(', ')} ` +
      '(org.apache.kafka.tools.consumer.<name> or kafka.tools.<name>)');
  }
  return name;
}

/**
 * Kafka's ConsoleConsumerOptions: the checks between options, the consumer properties the tool
 * builds (group, auto.offset.reset, client.id, isolation level) and where consumption starts.
 * `random` picks the generated group's number, as Java's tool does with 0..99999.
 */
export async function consoleConsumerSettings(values: ParsedOptions['values'], random: () => number): Promise<ConsoleConsumerSettings> {
  const servers = bootstrapServers(values);
  const topic = stringOption(values, 'topic');
  const include = stringOption(values, 'include') ?? stringOption(values, 'whitelist');
  if ((topic === undefined) === (include === undefined)) throw new UsageError('give exactly one of --topic and --include');
  const partition = intOption(values, 'partition', { min: 0 });
  const offsetText = stringOption(values, 'offset');
  const fromBeginning = flag(values, 'from-beginning');
  if (partition !== undefined && topic === undefined) throw new UsageError('--partition needs --topic');
  if (offsetText !== undefined && partition === undefined) throw new UsageError('--offset needs --partition');
  if (offsetText !== undefined && fromBeginning) throw new UsageError('--offset and --from-beginning cannot be used together');
  const offset = offsetText === undefined ? (fromBeginning ? 'earliest' : 'latest') : parseOffset(offsetText);

  const props = await clientProperties(stringOption(values, renamedOption(values, 'command-config', 'consumer.config')),
    listOption(values, renamedOption(values, 'command-property', 'consumer-property')), '--command-property');
  const group = stringOption(values, 'group');
  const propsGroup = props.get('group.id');
  if (group !== undefined && propsGroup !== undefined && group !== propsGroup) {
    throw new UsageError(`the group ids given by --group and group.id do not match: '${group}', '${propsGroup}'`);
  }
  const namedGroup = group ?? propsGroup;
  if (namedGroup !== undefined && partition !== undefined) throw new UsageError('--group and --partition cannot be used together');
  // A generated group is not meant to be used again: by default it commits nothing, so the
  // coordinator does not keep offsets for it.
  props.set('group.id', namedGroup ?? `console-consumer-${Math.floor(random() * 100_000)}`);
  const reset = props.get('auto.offset.reset');
  if (reset !== undefined && fromBeginning && reset !== 'earliest') {
    throw new UsageError(`--from-beginning and auto.offset.reset=${reset} cannot be used together, remove one`);
  }
  if (reset === undefined) props.set('auto.offset.reset', fromBeginning ? 'earliest' : 'latest');
  const level = stringOption(values, 'isolation-level');
  if (level !== undefined) props.set('isolation.level', isolationLevel(level));

  const maxMessagesOption = intOption(values, 'max-messages');
  // Java: -1 (the default) reads on; any other negative value reads nothing.
  const maxMessages = maxMessagesOption === undefined || maxMessagesOption === -1 ? undefined : Math.max(0, maxMessagesOption);
  if (maxMessages !== undefined && maxMessages > 0 && !props.has('max.poll.records')) props.set('max.poll.records', String(Math.min(maxMessages, 500)));
  const timeoutOption = intOption(values, 'timeout-ms');
  const formatterProps = await formatterProperties(values);
  const { options, unknown } = consumerOptions({ bootstrapServers: servers, clientId: 'console-consumer' }, props);
  return {
    consumer: { ...options, enableAutoCommit: false },
    unknownProperties: unknown,
    source: topic !== undefined && partition !== undefined ? { kind: 'partition', topic, partition, offset }
      : { kind: 'subscribe', topics: include !== undefined ? new RegExp(`^(?:${include})$`) : [topic!] },
    commitPrinted: options.enableAutoCommit ?? namedGroup !== undefined,
    autoCommitIntervalMs: options.autoCommitIntervalMs ?? 5_000,
    maxMessages,
    timeoutMs: timeoutOption === undefined || timeoutOption < 0 ? undefined : timeoutOption,
    formatterProperties: formatterProps,
    formatter: formatterName(stringOption(values, 'formatter')),
    recordDecoder: recordDecoder(values, formatterProps),
  };
}

function parseOffset(text: string): 'earliest' | 'latest' | number {
  const lower = text.toLowerCase();
  if (lower === 'earliest' || lower === 'latest') return lower;
  const offset = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(offset)) {
    throw new UsageError(`--offset must be earliest, latest or a non-negative integer, not '${text}'`);
  }
  return offset;
}

/** --formatter-config, then --formatter-property (or the older --property) entries, which win. */
function formatterProperties(values: ParsedOptions['values']): Promise<Map<string, string>> {
  const option = renamedOption(values, 'formatter-property', 'property');
  return clientProperties(stringOption(values, 'formatter-config'), listOption(values, option), `--${option}`);
}
