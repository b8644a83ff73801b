import {
  AvroDeserializer, JsonSchemaDeserializer, MAGIC_BYTE, ProtobufDeserializer, readSchemaId, SchemaRegistryClient, type SchemaType,
} from '../../client/schema-registry/index.ts';
import type { RenderedBytes } from '../api-types.ts';

/**
 * The console's reading of Confluent's wire format (`samsa console --schema-registry URL`): a key or
 * value that starts with the magic byte 0 and the id of a schema the registry knows is shown decoded,
 * as JSON, with its schema id and type. Anything else (no magic byte, an id the registry does not
 * know, a payload that does not decode, a registry that cannot be reached) is shown as before: the
 * console shows what is in the topic, it never refuses a record for its schema.
 *
 * Schemas and parsed readers are cached by the client and deserializers (an id's schema never
 * changes); an id found unknown is remembered only for one page or tail event batch (`DecodeScope`),
 * so a schema registered later is picked up without asking the registry once per record meanwhile.
 */
export class SchemaDecoder {
  readonly #client: SchemaRegistryClient;
  readonly #avro: AvroDeserializer;
  readonly #json: JsonSchemaDeserializer;
  readonly #protobuf: ProtobufDeserializer;

  constructor(baseUrls: string | readonly string[]) {
    this.#client = new SchemaRegistryClient({ baseUrls });
    this.#avro = new AvroDeserializer(this.#client);
    this.#json = new JsonSchemaDeserializer(this.#client);
    // Protobuf as its canonical JSON mapping: 64-bit integers and enums as strings, bytes as base64.
    this.#protobuf = new ProtobufDeserializer(this.#client, { toObject: { longs: String, enums: String, bytes: String, json: true } });
  }

  /** A scope whose unknown ids are asked for once. */
  scope(): DecodeScope {
    return new DecodeScope(this);
  }

  /** The decoded JSON text of `bytes` and its schema, or null when they are not a record of a known schema. */
  async decode(bytes: Buffer, unknownIds: Set<number>): Promise<{ json: string; schemaId: number; schemaType: SchemaType } | null> {
    if (bytes.length < 5 || bytes[0] !== MAGIC_BYTE) return null;
    const schemaId = readSchemaId(bytes);
    if (unknownIds.has(schemaId)) return null;
    let schemaType: SchemaType;
    try {
      schemaType = (await this.#client.getSchemaById(schemaId)).schemaType ?? 'AVRO';
    } catch {
      unknownIds.add(schemaId);
      return null;
    }
    try {
      switch (schemaType) {
        case 'AVRO': return { json: await this.#avro.deserializeToJson('', bytes), schemaId, schemaType };
        case 'JSON': return { json: JSON.stringify(await this.#json.deserialize('', bytes)), schemaId, schemaType };
        case 'PROTOBUF': return { json: JSON.stringify(await this.#protobuf.deserialize('', bytes)), schemaId, schemaType };
      }
    } catch {
      // Bytes that merely look like the wire format (or were written with another schema): shown raw.
      return null;
    }
  }
}

export class DecodeScope {
  readonly #decoder: SchemaDecoder;
  readonly #unknownIds = new Set<number>();

  constructor(decoder: SchemaDecoder) {
    this.#decoder = decoder;
  }

  /** `rendered` replaced by the decoded record when `bytes` is one of a known schema. */
  async render(bytes: Buffer | null, rendered: RenderedBytes | null): Promise<RenderedBytes | null> {
    if (bytes === null || rendered === null) return rendered;
    const decoded = await this.#decoder.decode(bytes, this.#unknownIds);
    if (decoded === null) return rendered;
    return { encoding: 'json', data: decoded.json, size: bytes.length, truncated: false, schema: { id: decoded.schemaId, type: decoded.schemaType } };
  }
}
