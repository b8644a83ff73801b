/**
 * What the Avro, JSON Schema and Protobuf serializers share: finding the schema id a topic's records
 * are written with (auto.register.schemas, use.latest.version, normalize.schemas, the subject name
 * strategy), and the deserializers' writer schema per id. Both are resolved once and kept, so the
 * work per record is the format's encoding and a map lookup.
 */
import type { RegistrySchema, SchemaReference, SchemaRegistryClient } from './registry-client.ts';
import { subjectNameStrategy } from './subject-name-strategy.ts';
import type { SubjectNameStrategy, SubjectNameStrategyName } from './subject-name-strategy.ts';
import { header, readSchemaId } from './wire-format.ts';

/** Options every serializer takes, named after Confluent's serializer configs. */
export interface SerializerOptions {
  /** Whether this serializer writes keys (the subject ends in -key under TopicNameStrategy). */
  readonly isKey?: boolean;
  /** key.subject.name.strategy / value.subject.name.strategy (a name, with or without Confluent's package, or a function); TopicNameStrategy by default. */
  readonly subjectNameStrategy?: SubjectNameStrategy | SubjectNameStrategyName | string;
  /** auto.register.schemas: register the schema when the subject lacks it (default true); else look it up. */
  readonly autoRegisterSchemas?: boolean;
  /** use.latest.version: write with the subject's latest schema instead of registering this one. */
  readonly useLatestVersion?: boolean;
  /** normalize.schemas: ask the registry to normalize the schema before registering or looking it up. */
  readonly normalizeSchemas?: boolean;
  /** The schemas this schema references, as registered. */
  readonly references?: readonly SchemaReference[];
}

/** A referenced schema's text, by the name the referring schema uses; dependencies come first. */
export interface ReferencedSchema {
  readonly name: string;
  readonly schema: string;
}

/** A schema the registry returned, with its references' texts fetched. */
export interface ResolvedSchema extends RegistrySchema {
  readonly referenced: readonly ReferencedSchema[];
}

/** The parsed writer a record is encoded with, and the header carrying its id. */
export interface Prepared<W> {
  readonly header: Buffer;
  readonly writer: W;
}

/** The texts of `references` and of theirs, depth first, each once. */
export async function resolveReferences(client: SchemaRegistryClient, references: readonly SchemaReference[] | undefined): Promise<ReferencedSchema[]> {
  const resolved: ReferencedSchema[] = [];
  const seen = new Set<string>();
  const visit = async (refs: readonly SchemaReference[] | undefined): Promise<void> => {
    for (const ref of refs ?? []) {
      const key = `${ref.subject}\0${ref.version}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const found = await client.getVersion(ref.subject, ref.version);
      await visit(found.references);
      resolved.push({ name: ref.name, schema: found.schema });
    }
  };
  await visit(references);
  return resolved;
}

/**
 * The serializer's side: the writer and header per topic. `parse` turns a registry schema into the
 * format's writer; the serializer's own schema is parsed once, up front.
 */
export class WriterResolver<W> {
  readonly #client: SchemaRegistryClient;
  readonly #schema: RegistrySchema;
  readonly #recordName: string | undefined;
  readonly #parse: (schema: ResolvedSchema) => W;
  readonly #isKey: boolean;
  readonly #strategy: SubjectNameStrategy;
  readonly #autoRegister: boolean;
  readonly #useLatest: boolean;
  readonly #normalize: boolean;
  readonly #byTopic = new Map<string, Prepared<W>>();
  #ownWriter: Promise<W> | undefined;

  constructor(client: SchemaRegistryClient, schema: RegistrySchema, recordName: string | undefined,
    parse: (schema: ResolvedSchema) => W, options: SerializerOptions) {
    this.#client = client;
    this.#schema = { ...schema, references: options.references ?? schema.references ?? [] };
    this.#recordName = recordName;
    this.#parse = parse;
    this.#isKey = options.isKey ?? false;
    this.#strategy = subjectNameStrategy(options.subjectNameStrategy);
    this.#autoRegister = options.autoRegisterSchemas ?? true;
    this.#useLatest = options.useLatestVersion ?? false;
    this.#normalize = options.normalizeSchemas ?? false;
  }

  /** The prepared writer for `topic` when already resolved: the hot path, no promise. */
  cached(topic: string): Prepared<W> | undefined {
    return this.#byTopic.get(topic);
  }

  async resolve(topic: string): Promise<Prepared<W>> {
    const subject = this.#strategy(topic, this.#isKey, this.#recordName);
    let prepared: Prepared<W>;
    if (this.#useLatest) {
      const latest = await this.#client.getLatestVersion(subject);
      const referenced = await resolveReferences(this.#client, latest.references);
      prepared = { header: header(latest.id), writer: this.#parse({ ...latest, referenced }) };
    } else {
      const id = this.#autoRegister
        ? await this.#client.register(subject, this.#schema, this.#normalize)
        : (await this.#client.lookup(subject, this.#schema, this.#normalize)).id;
      prepared = { header: header(id), writer: await this.#own() };
    }
    this.#byTopic.set(topic, prepared);
    return prepared;
  }

  /** The serializer's own schema, parsed once its references' texts are fetched. */
  #own(): Promise<W> {
    this.#ownWriter ??= resolveReferences(this.#client, this.#schema.references)
      .then((referenced) => this.#parse({ ...this.#schema, referenced }))
      .catch((error: unknown) => {
        this.#ownWriter = undefined;
        throw error;
      });
    return this.#ownWriter;
  }
}

/** The deserializer's side: the parsed writer schema per schema id, fetched once. */
export class ReaderResolver<R> {
  readonly #client: SchemaRegistryClient;
  readonly #parse: (schema: ResolvedSchema) => R;
  readonly #byId = new Map<number, R>();

  constructor(client: SchemaRegistryClient, parse: (schema: ResolvedSchema) => R) {
    this.#client = client;
    this.#parse = parse;
  }

  /** The reader for a record's schema id when already known: the hot path, no promise. */
  cached(schemaId: number): R | undefined {
    return this.#byId.get(schemaId);
  }

  async resolve(schemaId: number): Promise<R> {
    const schema = await this.#client.getSchemaById(schemaId);
    const referenced = await resolveReferences(this.#client, schema.references);
    const reader = this.#parse({ ...schema, referenced });
    this.#byId.set(schemaId, reader);
    return reader;
  }

  /** The reader for `data`'s schema id; throws SerializationError when `data` is not in the wire format. */
  async forRecord(data: Uint8Array): Promise<R> {
    const schemaId = readSchemaId(data);
    return this.#byId.get(schemaId) ?? await this.resolve(schemaId);
  }
}
