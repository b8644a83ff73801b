import { Producer } from '../client/index.ts';
import type { ProducerRecord } from '../client/index.ts';
import { Progress } from './cli-format.ts';
import { EXIT_FAILURE, EXIT_OK, UsageError } from './cli-io.ts';
import type { CliIo } from './cli-io.ts';
import { compressionName, producerOptions, warnUnknownProperties } from './client-properties.ts';
import { producerSchemaRegistryUsage, recordEncoder, SCHEMA_REGISTRY_OPTIONS } from './schema-registry-formats.ts';
import {
  bootstrapServers, clientProperties, flag, intOption, listOption, parseOptions, renamedOption, requireOption, stringOption,
} from './cli-options.ts';

export const consoleProducerUsage = `Usage: samsa console-producer --bootstrap-server <host:port> --topic <topic> [options]   (kafka-console-producer)

Sends each line of standard input as one record.
  --topic <topic>                   the topic to produce to
  --reader-property <k=v>           line reader settings (repeatable; also --property):
                                      parse.key=true, key.separator=<tab>, parse.headers=true,
                                      headers.delimiter=<tab>, headers.separator=",", headers.key.separator=":",
                                      null.marker=<text>, ignore.error=true
  --reader-config <file>            line reader settings from a properties file (--reader-property wins)
  --compression-codec <codec>       none, gzip, snappy, lz4 or zstd
  --request-required-acks <acks>    -1/all (default), 1 or 0
  --command-property <k=v>          a Kafka producer property (repeatable; also --producer-property)
  --command-config <file>           producer properties file (also --producer.config)
  --sync                            wait for each record before reading the next line
  --batch-size <bytes>, --max-partition-memory-bytes <bytes>   batch.size
  --timeout <ms>                    linger.ms
  --max-memory-bytes <bytes>        buffer.memory
  --max-block-ms <ms>               max.block.ms
  --metadata-expiry-ms <ms>         metadata.max.age.ms
  --message-send-max-retries <n>, --retry-backoff-ms <ms>, --request-timeout-ms <ms>, --socket-buffer-size <bytes>
                                    as kafka-console-producer; a property given with --command-property or
                                    --command-config wins over these, as in Kafka
${producerSchemaRegistryUsage}`;

const OPTIONS = {
  'bootstrap-server': { type: 'string' }, 'broker-list': { type: 'string' }, topic: { type: 'string' },
  property: { type: 'string', multiple: true }, 'reader-property': { type: 'string', multiple: true },
  'compression-codec': { type: 'string' }, 'request-required-acks': { type: 'string' },
  'reader-config': { type: 'string' },
  'producer-property': { type: 'string', multiple: true }, 'command-property': { type: 'string', multiple: true },
  'producer.config': { type: 'string' }, 'command-config': { type: 'string' }, sync: { type: 'boolean' },
  'batch-size': { type: 'string' }, timeout: { type: 'string' }, 'message-send-max-retries': { type: 'string' },
  'retry-backoff-ms': { type: 'string' }, 'request-timeout-ms': { type: 'string' }, 'socket-buffer-size': { type: 'string' },
  'max-block-ms': { type: 'string' }, 'max-memory-bytes': { type: 'string' }, 'max-partition-memory-bytes': { type: 'string' },
  'metadata-expiry-ms': { type: 'string' }, ...SCHEMA_REGISTRY_OPTIONS,
} as const;

/** The tool's own flags and the producer properties they set (only when not set otherwise). */
const PROPERTY_FLAGS: ReadonlyArray<[string, string]> = [
  ['timeout', 'linger.ms'], ['request-timeout-ms', 'request.timeout.ms'], ['message-send-max-retries', 'retries'],
  ['retry-backoff-ms', 'retry.backoff.ms'], ['socket-buffer-size', 'send.buffer.bytes'], ['max-memory-bytes', 'buffer.memory'],
  ['batch-size', 'batch.size'], ['max-partition-memory-bytes', 'batch.size'], ['metadata-expiry-ms', 'metadata.max.age.ms'],
  ['max-block-ms', 'max.block.ms'],
];

/** How LineMessageReader splits a line into headers, key and value. */
export interface LineReaderSettings {
  readonly parseKey: boolean;
  readonly keySeparator: string;
  readonly parseHeaders: boolean;
  readonly headersDelimiter: string;
  readonly headersSeparator: string;
  readonly headersKeySeparator: string;
  readonly nullMarker: string | null;
  readonly ignoreError: boolean;
}

export function lineReaderSettings(props: ReadonlyMap<string, string>): LineReaderSettings {
  return {
    parseKey: props.get('parse.key') === 'true',
    keySeparator: props.get('key.separator') ?? '\t',
    parseHeaders: props.get('parse.headers') === 'true',
    headersDelimiter: props.get('headers.delimiter') ?? '\t',
    headersSeparator: props.get('headers.separator') ?? ',',
    headersKeySeparator: props.get('headers.key.separator') ?? ':',
    nullMarker: props.get('null.marker') ?? null,
    ignoreError: props.get('ignore.error') === 'true',
  };
}

export interface ParsedLine {
  readonly key: string | null;
  readonly value: string | null;
  readonly headers: Array<{ key: string; value: string | null }>;
}

/** One input line as kafka-console-producer reads it: `[headers<delim>][key<sep>]value`. */
export function parseLine(line: string, lineNumber: number, s: LineReaderSettings): ParsedLine {
  const orNull = (text: string) => (s.nullMarker !== null && text === s.nullMarker ? null : text);
  let rest = line;
  const headers: Array<{ key: string; value: string | null }> = [];
  if (s.parseHeaders) {
    const at = rest.indexOf(s.headersDelimiter);
    if (at < 0) {
      if (!s.ignoreError) throw new Error(`No headers delimiter found on line number ${lineNumber}: '${line}'`);
    } else {
      const headerText = rest.slice(0, at);
      rest = rest.slice(at + s.headersDelimiter.length);
      if (headerText !== '' && headerText !== s.nullMarker) {
        for (const pair of headerText.split(s.headersSeparator)) {
          const colon = pair.indexOf(s.headersKeySeparator);
          if (colon < 0) headers.push({ key: pair, value: null });
          else headers.push({ key: pair.slice(0, colon), value: orNull(pair.slice(colon + s.headersKeySeparator.length)) });
        }
      }
    }
  }
  let key: string | null = null;
  if (s.parseKey) {
    const at = rest.indexOf(s.keySeparator);
    if (at < 0) {
      if (!s.ignoreError) throw new Error(`No key separator found on line number ${lineNumber}: '${line}'`);
    } else {
      key = orNull(rest.slice(0, at));
      rest = rest.slice(at + s.keySeparator.length);
    }
  }
  return { key, value: orNull(rest), headers };
}

/** Lines of a byte stream, without their line ends (\n or \r\n). */
export async function* readLines(input: AsyncIterable<Buffer | string>): AsyncGenerator<string> {
  let pending = '';
  const decoder = new TextDecoder();
  for await (const chunk of input) {
    pending += typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    let newline: number;
    while ((newline = pending.indexOf('\n')) >= 0) {
      yield pending.slice(0, newline).replace(/\r$/, '');
      pending = pending.slice(newline + 1);
    }
  }
  pending += decoder.decode();
  if (pending !== '') yield pending.replace(/\r$/, '');
}

async function* emptyInput(): AsyncGenerator<Buffer> {}

export async function runConsoleProducerCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values } = parseOptions(args, OPTIONS);
  if (flag(values, 'help')) {
    io.stdout(consoleProducerUsage);
    return EXIT_OK;
  }
  const servers = bootstrapServers(values);
  const topic = requireOption(values, 'topic');
  const readerOption = renamedOption(values, 'reader-property', 'property');
  const readerProps = await clientProperties(stringOption(values, 'reader-config'), listOption(values, readerOption), `--${readerOption}`);
  const settings = lineReaderSettings(readerProps);
  // As kafka-avro-console-producer: schema.registry.url, value.schema and the like are reader properties too.
  const encoder = await recordEncoder(values, readerProps);
  const propertyOption = renamedOption(values, 'command-property', 'producer-property');
  const props = await clientProperties(stringOption(values, renamedOption(values, 'command-config', 'producer.config')),
    listOption(values, propertyOption), `--${propertyOption}`);
  // As Kafka's ConsoleProducer: a flag sets its property only when the properties do not.
  const acks = stringOption(values, 'request-required-acks');
  if (acks !== undefined && !props.has('acks')) props.set('acks', acks);
  const codec = stringOption(values, 'compression-codec');
  if (codec !== undefined && !props.has('compression.type')) props.set('compression.type', compressionName(codec));
  for (const [option, property] of PROPERTY_FLAGS) {
    const value = intOption(values, option, { min: 0 });
    if (value !== undefined && !props.has(property)) props.set(property, String(value));
  }
  const { options, unknown } = producerOptions({ bootstrapServers: servers, clientId: 'console-producer' }, props);
  warnUnknownProperties(io, 'console-producer', unknown);

  const producer = new Producer(options);
  const sync = flag(values, 'sync');
  const progress = new Progress(io);
  let acknowledged = 0;
  let failure: Error | null = null;
  const onSettled = () => {
    acknowledged++;
    progress.update(`${acknowledged} records sent to ${topic}`);
  };
  try {
    await producer.connect();
    await producer.cluster.topic(topic);
    let lineNumber = 0;
    for await (const line of readLines(io.stdin ?? emptyInput())) {
      lineNumber++;
      if (failure !== null) break;
      let parsed: ParsedLine;
      try {
        parsed = parseLine(line, lineNumber, settings);
      } catch (error) {
        throw new UsageError((error as Error).message);
      }
      const key = encoder?.key !== undefined && parsed.key !== null ? await encoder.key(topic, parsed.key) : parsed.key;
      const value = encoder?.value !== undefined && parsed.value !== null ? await encoder.value(topic, parsed.value) : parsed.value;
      const record: ProducerRecord = { topic, key, value, headers: parsed.headers };
      const sent = producer.send(record);
      if (sync) {
        await sent;
        continue;
      }
      sent.then(onSettled, (error: Error) => {
        failure ??= error;
        onSettled();
      });
      // Reading stops while buffer.memory is full, so memory stays bounded (Java's send() blocks).
      if (producer.blocked) await producer.unblocked();
    }
    await producer.flush();
  } finally {
    progress.done();
    await producer.close().catch((error: Error) => { failure ??= error; });
  }
  if (failure !== null) {
    io.stderr(`samsa console-producer: ${(failure as Error).message}\n`);
    return EXIT_FAILURE;
  }
  return EXIT_OK;
}
