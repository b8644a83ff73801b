/**
 * JSON Schema serializer and deserializer in Confluent's wire format: the payload is the value's
 * JSON text. Validation against the schema (ajv, the draft the schema's $schema names) is optional,
 * as Confluent's json.fail.invalid.schema: it costs a validation per record.
 */
import { Ajv } from 'ajv';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ValidateFunction } from 'ajv';
import type { RegistrySchema, SchemaRegistryClient } from './registry-client.ts';
import { ReaderResolver, WriterResolver } from './serde-core.ts';
import type { ResolvedSchema, SerializerOptions } from './serde-core.ts';
import { HEADER_SIZE, SerializationError } from './wire-format.ts';

export interface JsonSchemaSerializerOptions extends SerializerOptions {
  /** The schema: its JSON text or the parsed JSON. */
  readonly schema: string | object;
  /** Validate each value against the schema before writing it (json.fail.invalid.schema); default false. */
  readonly validate?: boolean;
}

export interface JsonSchemaDeserializerOptions {
  /** Validate each value read against its writer schema; default false. */
  readonly validate?: boolean;
}

/** A value that its schema refuses: ajv's errors, one per problem. */
export class JsonSchemaValidationError extends SerializationError {
  readonly errors: readonly string[];

  constructor(errors: readonly string[]) {
    super(`value does not match its JSON Schema: ${errors.join('; ')}`);
    this.errors = errors;
  }
}

/** A validator for a JSON Schema with its references, each added under the name the schema refers to it by. */
export function compileJsonSchema(resolved: ResolvedSchema): ValidateFunction {
  const json = JSON.parse(resolved.schema) as { $schema?: string };
  const draft = json.$schema ?? '';
  const options = { strict: false, allErrors: false, validateSchema: false };
  const ajv = draft.includes('2020-12') ? new Ajv2020(options) : draft.includes('2019-09') ? new Ajv2019(options) : new Ajv(options);
  for (const ref of resolved.referenced) ajv.addSchema(JSON.parse(ref.schema) as object, ref.name);
  return ajv.compile(json);
}

function checked(validate: ValidateFunction | undefined, value: unknown): void {
  if (validate !== undefined && !validate(value)) {
    throw new JsonSchemaValidationError((validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? e.keyword}`));
  }
}

export class JsonSchemaSerializer {
  readonly #writers: WriterResolver<ValidateFunction | undefined>;

  constructor(client: SchemaRegistryClient, options: JsonSchemaSerializerOptions) {
    const text = typeof options.schema === 'string' ? options.schema : JSON.stringify(options.schema);
    const schema: RegistrySchema = { schema: text, schemaType: 'JSON', references: options.references };
    const parse = (resolved: ResolvedSchema) => options.validate === true ? compileJsonSchema(resolved) : undefined;
    const title = (JSON.parse(text) as { title?: unknown }).title;
    this.#writers = new WriterResolver(client, schema, typeof title === 'string' ? title : undefined, parse, options);
  }

  async serialize(topic: string, value: unknown): Promise<Buffer> {
    const prepared = this.#writers.cached(topic) ?? await this.#writers.resolve(topic);
    checked(prepared.writer, value);
    const text = JSON.stringify(value);
    const out = Buffer.allocUnsafe(HEADER_SIZE + Buffer.byteLength(text));
    prepared.header.copy(out, 0);
    out.write(text, HEADER_SIZE);
    return out;
  }
}

export class JsonSchemaDeserializer {
  readonly #readers: ReaderResolver<ValidateFunction | undefined>;

  constructor(client: SchemaRegistryClient, options: JsonSchemaDeserializerOptions = {}) {
    this.#readers = new ReaderResolver(client, (resolved) => {
      if (resolved.schemaType !== 'JSON') throw new SerializationError(`schema is ${resolved.schemaType ?? 'AVRO'}, not JSON`);
      return options.validate === true ? compileJsonSchema(resolved) : undefined;
    });
  }

  async deserialize(_topic: string, data: Buffer): Promise<unknown> {
    const validate = await this.#readers.forRecord(data);
    let value: unknown;
    try {
      value = JSON.parse(data.toString('utf8', HEADER_SIZE));
    } catch (error) {
      throw new SerializationError(`JSON payload is not JSON: ${(error as Error).message}`, { cause: error });
    }
    checked(validate, value);
    return value;
  }
}
