/**
 * Avro serializer and deserializer in Confluent's wire format (avsc for the binary encoding). The
 * serializer encodes into a scratch buffer it keeps and copies header and payload out in one
 * allocation; the deserializer decodes in place after the header, resolving the writer's schema
 * into the reader's when one is given (Avro schema resolution), with one resolver per writer id.
 */
import avro from 'avsc';
import type { RegistrySchema, SchemaRegistryClient } from './registry-client.ts';
import { ReaderResolver, WriterResolver } from './serde-core.ts';
import type { ReferencedSchema, ResolvedSchema, SerializerOptions } from './serde-core.ts';
import { HEADER_SIZE, SerializationError } from './wire-format.ts';

type AvroType = avro.Type;
type Resolver = ReturnType<AvroType['createResolver']>;
type ForSchemaOptions = Parameters<typeof avro.Type.forSchema>[1];

export interface AvroSerializerOptions extends SerializerOptions {
  /** The writer schema: its JSON text or the parsed JSON. */
  readonly schema: string | object;
  /** Options for avsc's Type.forSchema (logicalTypes, wrapUnions, ...). */
  readonly avroOptions?: ForSchemaOptions;
}

export interface AvroDeserializerOptions {
  /** The reader schema: records written with another schema are resolved into it. */
  readonly readerSchema?: string | object;
  readonly avroOptions?: ForSchemaOptions;
}

/** Parses an Avro schema with the named types its references define. */
export function parseAvroSchema(schema: string | object, referenced: readonly ReferencedSchema[], options?: ForSchemaOptions): AvroType {
  const registry: Record<string, AvroType> = {};
  for (const ref of referenced) avro.Type.forSchema(JSON.parse(ref.schema) as avro.Schema, { ...options, registry });
  const json = (typeof schema === 'string' ? JSON.parse(schema) : schema) as avro.Schema;
  return avro.Type.forSchema(json, { ...options, registry });
}

const INITIAL_SCRATCH_BYTES = 1024;

export class AvroSerializer {
  readonly #writers: WriterResolver<AvroType>;
  #scratch = Buffer.allocUnsafe(INITIAL_SCRATCH_BYTES);

  constructor(client: SchemaRegistryClient, options: AvroSerializerOptions) {
    const text = typeof options.schema === 'string' ? options.schema : JSON.stringify(options.schema);
    const schema: RegistrySchema = { schema: text, schemaType: 'AVRO', references: options.references };
    const parse = (resolved: ResolvedSchema) => parseAvroSchema(resolved.schema, resolved.referenced, options.avroOptions);
    this.#writers = new WriterResolver<AvroType>(client, schema, recordNameOf(text), parse, options);
  }

  /** The record in Confluent's wire format, the schema registered or looked up on the topic's first record. */
  async serialize(topic: string, value: unknown): Promise<Buffer> {
    const prepared = this.#writers.cached(topic) ?? await this.#writers.resolve(topic);
    return this.#encode(prepared.header, prepared.writer, value);
  }

  #encode(header: Buffer, writer: AvroType, value: unknown): Buffer {
    let end = writer.encode(value, this.#scratch, HEADER_SIZE);
    if (end < 0) {
      // avsc answers how many bytes it lacked: grow to fit (doubling, so growth is rare) and retry.
      this.#scratch = Buffer.allocUnsafe(Math.max(this.#scratch.length * 2, this.#scratch.length - end));
      end = writer.encode(value, this.#scratch, HEADER_SIZE);
    }
    const out = Buffer.allocUnsafe(end);
    header.copy(out, 0);
    this.#scratch.copy(out, HEADER_SIZE, HEADER_SIZE, end);
    return out;
  }
}

interface AvroReader {
  readonly type: AvroType;
  readonly resolver: Resolver | undefined;
}

export class AvroDeserializer {
  readonly #readers: ReaderResolver<AvroReader>;

  constructor(client: SchemaRegistryClient, options: AvroDeserializerOptions = {}) {
    const readerType = options.readerSchema === undefined ? undefined : parseAvroSchema(options.readerSchema, [], options.avroOptions);
    this.#readers = new ReaderResolver<AvroReader>(client, (resolved) => {
      if (resolved.schemaType !== undefined && resolved.schemaType !== 'AVRO') throw new SerializationError(`schema is ${resolved.schemaType}, not AVRO`);
      const writerType = parseAvroSchema(resolved.schema, resolved.referenced, options.avroOptions);
      if (readerType === undefined) return { type: writerType, resolver: undefined };
      return { type: readerType, resolver: readerType.createResolver(writerType) };
    });
  }

  /** The record's value, decoded with the schema its id names (resolved into the reader schema if given). */
  async deserialize(_topic: string, data: Buffer): Promise<unknown> {
    const reader = await this.#readers.forRecord(data);
    const { value, offset } = reader.type.decode(data, HEADER_SIZE, reader.resolver);
    if (offset < 0) throw new SerializationError(`Avro payload truncated: ${data.length} bytes`);
    return value;
  }
}

function recordNameOf(text: string): string | undefined {
  const json = JSON.parse(text) as { name?: string; namespace?: string; type?: unknown };
  if (typeof json !== 'object' || json === null) return typeof json === 'string' ? json : undefined;
  if (json.name === undefined) return typeof json.type === 'string' ? json.type : undefined;
  return json.name.includes('.') || json.namespace === undefined || json.namespace === '' ? json.name : `${json.namespace}.${json.name}`;
}
