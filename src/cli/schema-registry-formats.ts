/**
 * The console tools' schema registry formats, as kafka-avro-console-producer and
 * kafka-avro-console-consumer (and their json-schema and protobuf siblings) take them: input lines
 * are JSON, written in Confluent's wire format with the given schema (registered under
 * `<topic>-key` / `<topic>-value`); records read are decoded with the schema their id names and
 * printed as JSON. Avro lines use Avro's JSON encoding (a union's value as {"string": "x"}), as
 * Confluent's tools read and print it.
 */
import { readFile } from 'node:fs/promises';
import {
  AvroDeserializer, AvroSerializer, JsonSchemaDeserializer, JsonSchemaSerializer, parseAvroSchema, ProtobufDeserializer,
  ProtobufSerializer, SchemaRegistryClient,
} from '../client/index.ts';
import { UsageError } from './cli-io.ts';
import { stringOption, type OptionSpecs, type ParsedOptions } from './cli-options.ts';

export const SCHEMA_REGISTRY_OPTIONS: OptionSpecs = {
  'value-format': { type: 'string' }, 'key-format': { type: 'string' }, 'schema-registry': { type: 'string' },
  'value-schema': { type: 'string' }, 'key-schema': { type: 'string' },
};

export const producerSchemaRegistryUsage = `  --value-format <format>           avro, json or protobuf: each value line is JSON (Avro's JSON encoding for avro),
                                    written in Confluent's wire format with --value-schema (kafka-avro-console-producer)
  --key-format <format>             the same for keys (with parse.key=true) and --key-schema
  --value-schema <schema|@file>     the schema text, or @ and a file holding it (also value.schema / value.schema.file)
  --key-schema <schema|@file>       (also key.schema / key.schema.file)
  --schema-registry <url>           the registry (also schema.registry.url); <topic>-key and <topic>-value subjects
`;

export const consumerSchemaRegistryUsage = `  --value-format <format>      avro, json or protobuf: values are decoded with the schema their id names in
                               --schema-registry and printed as JSON (kafka-avro-console-consumer)
  --key-format <format>        the same for keys
  --schema-registry <url>      the registry (also the formatter property schema.registry.url)
`;

export type RegistryFormat = 'avro' | 'json' | 'protobuf';

function formatOption(values: ParsedOptions['values'], name: string): RegistryFormat | undefined {
  const format = stringOption(values, name)?.toLowerCase();
  if (format === undefined || format === 'string') return undefined;
  if (format === 'avro' || format === 'json' || format === 'protobuf') return format;
  throw new UsageError(`--${name} must be avro, json, protobuf or string, not '${format}'`);
}

function registryClient(values: ParsedOptions['values'], props: ReadonlyMap<string, string>): SchemaRegistryClient {
  const url = stringOption(values, 'schema-registry') ?? props.get('schema.registry.url');
  if (url === undefined) throw new UsageError('--value-format and --key-format need --schema-registry <url>');
  const userInfo = props.get('basic.auth.user.info');
  const colon = userInfo?.indexOf(':') ?? -1;
  return new SchemaRegistryClient({
    baseUrls: url,
    ...(userInfo !== undefined && colon > 0 ? { basicAuth: { username: userInfo.slice(0, colon), password: userInfo.slice(colon + 1) } } : {}),
  });
}

/** Turns one JSON line into the bytes of a key or value. */
type LineEncoder = (topic: string, line: string) => Promise<Buffer>;

async function schemaText(values: ParsedOptions['values'], props: ReadonlyMap<string, string>, side: 'key' | 'value'): Promise<string> {
  const given = stringOption(values, `${side}-schema`) ?? props.get(`${side}.schema`);
  const file = given?.startsWith('@') ? given.slice(1) : props.get(`${side}.schema.file`);
  if (file !== undefined) return readFile(file, 'utf8').catch((error: Error) => { throw new UsageError(`--${side}-schema: ${error.message}`); });
  if (given === undefined) throw new UsageError(`--${side}-format needs --${side}-schema <schema|@file>`);
  return given;
}

function parseJsonLine(line: string, side: string): unknown {
  try {
    return JSON.parse(line);
  } catch (error) {
    throw new UsageError(`the ${side} is not JSON: ${(error as Error).message}: '${line}'`);
  }
}

async function lineEncoder(client: SchemaRegistryClient, format: RegistryFormat, text: string, side: 'key' | 'value'): Promise<LineEncoder> {
  const isKey = side === 'key';
  switch (format) {
    case 'avro': {
      const type = parseAvroSchema(text, []);
      const serializer = new AvroSerializer(client, { schema: text, isKey });
      return (topic, line) => {
        let value: unknown;
        try {
          value = type.fromString(line);
        } catch (error) {
          throw new UsageError(`the ${side} does not match its Avro schema: ${(error as Error).message}: '${line}'`);
        }
        return serializer.serialize(topic, value);
      };
    }
    case 'json': {
      const serializer = new JsonSchemaSerializer(client, { schema: text, isKey, validate: true });
      return (topic, line) => serializer.serialize(topic, parseJsonLine(line, side));
    }
    case 'protobuf': {
      const serializer = new ProtobufSerializer(client, { schema: text, isKey });
      return (topic, line) => serializer.serialize(topic, parseJsonLine(line, side));
    }
  }
}

export interface RecordEncoder {
  readonly key: LineEncoder | undefined;
  readonly value: LineEncoder | undefined;
}

/** The producer's encoders from --key-format / --value-format; undefined when neither is given. */
export async function recordEncoder(values: ParsedOptions['values'], props: ReadonlyMap<string, string>): Promise<RecordEncoder | undefined> {
  const keyFormat = formatOption(values, 'key-format');
  const valueFormat = formatOption(values, 'value-format');
  if (keyFormat === undefined && valueFormat === undefined) return undefined;
  const client = registryClient(values, props);
  return {
    key: keyFormat === undefined ? undefined : await lineEncoder(client, keyFormat, await schemaText(values, props, 'key'), 'key'),
    value: valueFormat === undefined ? undefined : await lineEncoder(client, valueFormat, await schemaText(values, props, 'value'), 'value'),
  };
}

/** Turns the bytes of a key or value into the JSON text printed for it. */
type BytesDecoder = (topic: string, data: Buffer) => Promise<string>;

function bytesDecoder(client: SchemaRegistryClient, format: RegistryFormat): BytesDecoder {
  switch (format) {
    case 'avro': {
      const deserializer = new AvroDeserializer(client);
      return (topic, data) => deserializer.deserializeToJson(topic, data);
    }
    case 'json': {
      const deserializer = new JsonSchemaDeserializer(client);
      return async (topic, data) => JSON.stringify(await deserializer.deserialize(topic, data));
    }
    case 'protobuf': {
      // A protobufjs message's toJSON is proto3's JSON mapping (longs and enums as strings), as Confluent prints.
      const deserializer = new ProtobufDeserializer(client);
      return async (topic, data) => JSON.stringify(await deserializer.deserialize(topic, data));
    }
  }
}

export interface RecordDecoder {
  readonly key: BytesDecoder | undefined;
  readonly value: BytesDecoder | undefined;
}

/** The consumer's decoders from --key-format / --value-format; undefined when neither is given. */
export function recordDecoder(values: ParsedOptions['values'], props: ReadonlyMap<string, string>): RecordDecoder | undefined {
  const keyFormat = formatOption(values, 'key-format');
  const valueFormat = formatOption(values, 'value-format');
  if (keyFormat === undefined && valueFormat === undefined) return undefined;
  const client = registryClient(values, props);
  return {
    key: keyFormat === undefined ? undefined : bytesDecoder(client, keyFormat),
    value: valueFormat === undefined ? undefined : bytesDecoder(client, valueFormat),
  };
}

/** A record with its key and value replaced by their decoded JSON text (null stays null). */
export async function decodedRecord<R extends { topic: string; key: Buffer | null; value: Buffer | null }>(decoder: RecordDecoder, record: R): Promise<R> {
  const key = decoder.key === undefined || record.key === null ? record.key : Buffer.from(await decoder.key(record.topic, record.key));
  const value = decoder.value === undefined || record.value === null ? record.value : Buffer.from(await decoder.value(record.topic, record.value));
  return { ...record, key, value };
}
