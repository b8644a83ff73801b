/**
 * Avro serializer and deserializer in Confluent's wire format (avsc for the binary encoding). The
 * serializer encodes each record in place into a slab it keeps (see #encode), with a writer
 * compiled per schema (avro-writer.ts) and avsc for what that declines; the deserializer
 * decodes in place after the header, with a reader compiled per writer id (avro-reader.ts) when no
 * reader schema is given, else resolving the writer's schema into the reader's (Avro schema
 * resolution) with one avsc resolver per writer id.
 */
import avro from 'avsc';
import { compileAvroReader, truncated } from './avro-reader.ts';
import type { AvroBinaryReader } from './avro-reader.ts';
import { compileAvroWriter } from './avro-writer.ts';
import type { AvroBinaryWriter } from './avro-writer.ts';
import type { RegistrySchema, SchemaRegistryClient } from './registry-client.ts';
import { ReaderResolver, WriterResolver } from './serde-core.ts';
import type { ReferencedSchema, ResolvedSchema, SerializerOptions } from './serde-core.ts';
import { HEADER_SIZE, readSchemaId, SerializationError } from './wire-format.ts';

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

const SLAB_BYTES = 16 * 1024;

interface AvroWriter {
  readonly type: AvroType;
  /** The compiled writer when the schema compiles (avro-writer.ts); avsc writes what it declines. */
  readonly write: AvroBinaryWriter | undefined;
}

export class AvroSerializer {
  readonly #writers: WriterResolver<AvroWriter>;
  #slab = Buffer.allocUnsafeSlow(SLAB_BYTES);
  #used = 0;

  constructor(client: SchemaRegistryClient, options: AvroSerializerOptions) {
    const text = typeof options.schema === 'string' ? options.schema : JSON.stringify(options.schema);
    const schema: RegistrySchema = { schema: text, schemaType: 'AVRO', references: options.references };
    const parse = (resolved: ResolvedSchema): AvroWriter => {
      const type = parseAvroSchema(resolved.schema, resolved.referenced, options.avroOptions);
      return { type, write: compileAvroWriter(type) };
    };
    this.#writers = new WriterResolver<AvroWriter>(client, schema, recordNameOf(text), parse, options);
  }

  /** The record in Confluent's wire format, the schema registered or looked up on the topic's first record. */
  async serialize(topic: string, value: unknown): Promise<Buffer> {
    const prepared = this.#writers.cached(topic) ?? await this.#writers.resolve(topic);
    return this.#encode(prepared.header, prepared.writer, value);
  }

  /**
   * Encodes straight into a slab the serializer owns, as Buffer.allocUnsafe's pool does, and hands
   * out the record's slice of it: no copy and no allocation per record. A region once handed out is
   * never written again; a full slab is left to the records that hold it and a new one started.
   * What the compiled writer declines (a value avsc would refuse, the slab's end) goes to avsc,
   * which writes over whatever the compiled writer left in the unused part of the slab.
   */
  #encode(header: Buffer, writer: AvroWriter, value: unknown): Buffer {
    let slab = this.#slab;
    let start = this.#used;
    let end = writer.write === undefined ? -1 : writer.write(value, slab, start + HEADER_SIZE);
    if (end < 0) end = writer.type.encode(value, slab, start + HEADER_SIZE);
    if (end < 0) {
      // avsc answers how far past the slab's end the record would reach.
      const size = slab.length - end - start;
      slab = this.#slab = Buffer.allocUnsafeSlow(Math.max(SLAB_BYTES, size));
      start = 0;
      end = writer.type.encode(value, slab, HEADER_SIZE);
    }
    slab[start] = header[0]!;
    slab[start + 1] = header[1]!;
    slab[start + 2] = header[2]!;
    slab[start + 3] = header[3]!;
    slab[start + 4] = header[4]!;
    this.#used = end;
    return slab.subarray(start, end);
  }
}

interface AvroReader {
  readonly type: AvroType;
  readonly resolver: Resolver | undefined;
  /** The compiled reader when the record is read with its writer schema and that schema compiles. */
  readonly read: AvroBinaryReader | undefined;
}

export class AvroDeserializer {
  readonly #readers: ReaderResolver<AvroReader>;

  constructor(client: SchemaRegistryClient, options: AvroDeserializerOptions = {}) {
    const readerType = options.readerSchema === undefined ? undefined : parseAvroSchema(options.readerSchema, [], options.avroOptions);
    this.#readers = new ReaderResolver<AvroReader>(client, (resolved) => {
      if (resolved.schemaType !== undefined && resolved.schemaType !== 'AVRO') throw new SerializationError(`schema is ${resolved.schemaType}, not AVRO`);
      const writerType = parseAvroSchema(resolved.schema, resolved.referenced, options.avroOptions);
      if (readerType === undefined) return { type: writerType, resolver: undefined, read: compileAvroReader(writerType) };
      return { type: readerType, resolver: readerType.createResolver(writerType), read: undefined };
    });
  }

  /** The record's value, decoded with the schema its id names (resolved into the reader schema if given). */
  async deserialize(_topic: string, data: Buffer): Promise<unknown> {
    const schemaId = readSchemaId(data);
    return decode(this.#readers.cached(schemaId) ?? await this.#readers.resolve(schemaId), data);
  }

  /** The record in Avro's JSON encoding (a union's value as {"branch": value}), as Confluent's AvroMessageFormatter prints it. */
  async deserializeToJson(_topic: string, data: Buffer): Promise<string> {
    const schemaId = readSchemaId(data);
    const reader = this.#readers.cached(schemaId) ?? await this.#readers.resolve(schemaId);
    return reader.type.toString(decode(reader, data));
  }
}

function decode(reader: AvroReader, data: Buffer): unknown {
  if (reader.read !== undefined) return reader.read(data, HEADER_SIZE);
  const { value, offset } = reader.type.decode(data, HEADER_SIZE, reader.resolver);
  if (offset < 0) throw truncated(data);
  return value;
}

function recordNameOf(text: string): string | undefined {
  const json = JSON.parse(text) as { name?: string; namespace?: string; type?: unknown };
  if (typeof json !== 'object' || json === null) return typeof json === 'string' ? json : undefined;
  if (json.name === undefined) return typeof json.type === 'string' ? json.type : undefined;
  return json.name.includes('.') || json.namespace === undefined || json.namespace === '' ? json.name : `${json.namespace}.${json.name}`;
}
