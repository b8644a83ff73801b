/**
 * A client of Confluent's Schema Registry REST API (the calls serializers make: register, look up,
 * fetch by id, by version, the latest), over fetch. Answers are cached as Confluent's
 * CachedSchemaRegistryClient caches them: a schema's id per subject, a schema per id, a version per
 * subject and number, so that a warm serializer or deserializer asks nothing of the registry.
 * Concurrent misses for one key share one request.
 */

export type SchemaType = 'AVRO' | 'JSON' | 'PROTOBUF';

/** A schema a schema refers to: `name` is how the referring schema's text names it. */
export interface SchemaReference {
  readonly name: string;
  readonly subject: string;
  readonly version: number;
}

/** A schema as the registry takes and returns it. A missing schemaType means AVRO, as in the API. */
export interface RegistrySchema {
  readonly schema: string;
  readonly schemaType?: SchemaType;
  readonly references?: readonly SchemaReference[];
}

/** A schema registered under a subject (GET /subjects/{s}/versions/{v}, POST /subjects/{s}). */
export interface RegisteredSchema extends RegistrySchema {
  readonly subject: string;
  readonly id: number;
  readonly version: number;
}

export interface SchemaRegistryClientOptions {
  /** One or more base URLs (Confluent's schema.registry.url); the next is tried when one cannot be reached. */
  readonly baseUrls: string | readonly string[];
  /** HTTP basic auth (Confluent's basic.auth.user.info). */
  readonly basicAuth?: { readonly username: string; readonly password: string };
  /** Extra headers sent with every request. */
  readonly headers?: Readonly<Record<string, string>>;
  /** The fetch to use (tests, proxies); the global fetch otherwise. */
  readonly fetch?: typeof fetch;
}

const CONTENT_TYPE = 'application/vnd.schemaregistry.v1+json';

/**
 * The registry answered with an error: Confluent's `error_code` (40401 subject not found, 40403
 * schema not found, 42201 invalid schema, 409 incompatible, ...) and its message. `errorCode` is the
 * HTTP status when the answer carried no error_code; 0 when the registry could not be reached.
 */
export class SchemaRegistryError extends Error {
  override readonly name = 'SchemaRegistryError';
  readonly status: number;
  readonly errorCode: number;

  constructor(status: number, errorCode: number, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.status = status;
    this.errorCode = errorCode;
  }
}

export class SchemaRegistryClient {
  readonly #baseUrls: readonly string[];
  readonly #headers: Record<string, string>;
  readonly #fetch: typeof fetch;
  /** subject \0 schema key -> id (register and lookup answer the same question for an existing schema). */
  readonly #idBySchema = new Map<string, Promise<number>>();
  readonly #schemaById = new Map<number, Promise<RegistrySchema>>();
  readonly #lookupBySchema = new Map<string, Promise<RegisteredSchema>>();
  readonly #byVersion = new Map<string, Promise<RegisteredSchema>>();

  constructor(options: SchemaRegistryClientOptions) {
    const urls = typeof options.baseUrls === 'string' ? options.baseUrls.split(',') : options.baseUrls;
    this.#baseUrls = urls.map((url) => url.trim().replace(/\/+$/, '')).filter((url) => url !== '');
    if (this.#baseUrls.length === 0) throw new TypeError('SchemaRegistryClient: no base URL');
    this.#headers = { Accept: `${CONTENT_TYPE}, application/json`, ...options.headers };
    if (options.basicAuth) {
      const token = Buffer.from(`${options.basicAuth.username}:${options.basicAuth.password}`).toString('base64');
      this.#headers.Authorization = `Basic ${token}`;
    }
    this.#fetch = options.fetch ?? fetch;
  }

  /** POST /subjects/{subject}/versions: the schema's id, registering it when the subject lacks it. */
  register(subject: string, schema: RegistrySchema, normalize = false): Promise<number> {
    const key = `${subject}\0${normalize}\0${schemaKey(schema)}`;
    return this.#cached(this.#idBySchema, key, async () => {
      const answer = await this.#request('POST', `/subjects/${enc(subject)}/versions${normalize ? '?normalize=true' : ''}`, requestBody(schema)) as { id: number };
      return answer.id;
    });
  }

  /** POST /subjects/{subject}: the version of `subject` that holds `schema` (40403 when none does). */
  lookup(subject: string, schema: RegistrySchema, normalize = false): Promise<RegisteredSchema> {
    const key = `${subject}\0${normalize}\0${schemaKey(schema)}`;
    return this.#cached(this.#lookupBySchema, key, async () => {
      const answer = await this.#request('POST', `/subjects/${enc(subject)}${normalize ? '?normalize=true' : ''}`, requestBody(schema));
      return registered(answer);
    });
  }

  /** GET /schemas/ids/{id}: the schema with this id (40403 when there is none). */
  getSchemaById(id: number): Promise<RegistrySchema> {
    return this.#cached(this.#schemaById, id, async () => {
      const answer = await this.#request('GET', `/schemas/ids/${id}`) as RegistrySchema;
      return withoutDefaults({ schema: answer.schema, schemaType: answer.schemaType, references: answer.references });
    });
  }

  /** GET /subjects/{subject}/versions/{version}, cached (a version's schema never changes). */
  getVersion(subject: string, version: number): Promise<RegisteredSchema> {
    return this.#cached(this.#byVersion, `${subject}\0${version}`, async () => registered(await this.#request('GET', `/subjects/${enc(subject)}/versions/${version}`)));
  }

  /** GET /subjects/{subject}/versions/latest, never cached: the latest changes. */
  async getLatestVersion(subject: string): Promise<RegisteredSchema> {
    return registered(await this.#request('GET', `/subjects/${enc(subject)}/versions/latest`));
  }

  /** GET /subjects. */
  async getSubjects(): Promise<string[]> {
    return await this.#request('GET', '/subjects') as string[];
  }

  /** GET /subjects/{subject}/versions. */
  async getVersions(subject: string): Promise<number[]> {
    return await this.#request('GET', `/subjects/${enc(subject)}/versions`) as number[];
  }

  /** Forgets every cached answer. */
  clearCaches(): void {
    this.#idBySchema.clear();
    this.#schemaById.clear();
    this.#lookupBySchema.clear();
    this.#byVersion.clear();
  }

  #cached<K, V>(cache: Map<K, Promise<V>>, key: K, load: () => Promise<V>): Promise<V> {
    const hit = cache.get(key);
    if (hit !== undefined) return hit;
    // A failure is not cached: the next call asks again (the subject may exist by then).
    const loading = load().catch((error: unknown) => {
      cache.delete(key);
      throw error;
    });
    cache.set(key, loading);
    return loading;
  }

  /** One call, tried at each base URL in turn while the registry cannot be reached; an HTTP answer ends it. */
  async #request(method: string, path: string, body?: unknown): Promise<unknown> {
    const headers = body === undefined ? this.#headers : { ...this.#headers, 'Content-Type': CONTENT_TYPE };
    const payload = body === undefined ? undefined : JSON.stringify(body);
    let lastError: unknown;
    for (const baseUrl of this.#baseUrls) {
      let response: Response;
      try {
        response = await this.#fetch(baseUrl + path, { method, headers, body: payload });
      } catch (error) {
        lastError = error;
        continue;
      }
      const text = await response.text();
      const answer = parseJson(text);
      if (response.ok) return answer;
      const errorCode = typeof answer === 'object' && answer !== null && typeof (answer as { error_code?: unknown }).error_code === 'number'
        ? (answer as { error_code: number }).error_code : response.status;
      const message = typeof answer === 'object' && answer !== null && typeof (answer as { message?: unknown }).message === 'string'
        ? (answer as { message: string }).message : text || response.statusText;
      throw new SchemaRegistryError(response.status, errorCode, `${method} ${path}: ${message} (error code ${errorCode})`);
    }
    const detail = lastError instanceof Error ? lastError.message : String(lastError);
    throw new SchemaRegistryError(0, 0, `${method} ${path}: no schema registry reachable at ${this.#baseUrls.join(', ')} (${detail})`, { cause: lastError });
  }
}

function enc(subject: string): string {
  return encodeURIComponent(subject);
}

function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** The body Confluent's clients send: schemaType left out for AVRO, references only when there are some. */
function requestBody(schema: RegistrySchema): Record<string, unknown> {
  const body: Record<string, unknown> = { schema: schema.schema };
  if (schema.schemaType !== undefined && schema.schemaType !== 'AVRO') body.schemaType = schema.schemaType;
  if (schema.references !== undefined && schema.references.length > 0) body.references = schema.references;
  return body;
}

function schemaKey(schema: RegistrySchema): string {
  const references = schema.references === undefined || schema.references.length === 0 ? '' : JSON.stringify(schema.references);
  return `${schema.schemaType ?? 'AVRO'}\0${schema.schema}\0${references}`;
}

function withoutDefaults(schema: RegistrySchema): RegistrySchema {
  return {
    schema: schema.schema,
    schemaType: schema.schemaType ?? 'AVRO',
    references: schema.references ?? [],
  };
}

function registered(answer: unknown): RegisteredSchema {
  const a = answer as RegisteredSchema;
  return { subject: a.subject, id: a.id, version: a.version, ...withoutDefaults(a) };
}
