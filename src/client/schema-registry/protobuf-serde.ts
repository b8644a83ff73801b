/**
 * Protobuf serializer and deserializer in Confluent's wire format (protobufjs for the encoding).
 * After the header come the message indexes: the path of the record's message type in its .proto
 * file, counting message types only, in declaration order (top-level messages of the file, then
 * nested ones of each), as Confluent's serializers write it.
 */
import protobuf from 'protobufjs';
import type { RegistrySchema, SchemaRegistryClient } from './registry-client.ts';
import { ReaderResolver, WriterResolver } from './serde-core.ts';
import type { ReferencedSchema, ResolvedSchema, SerializerOptions } from './serde-core.ts';
import { decodeMessageIndexes, encodeMessageIndexes, HEADER_SIZE, SerializationError } from './wire-format.ts';

export interface ProtobufSerializerOptions extends SerializerOptions {
  /** The .proto text of the schema. */
  readonly schema: string;
  /** The message type records are written as (its full or simple name); the file's first message by default. */
  readonly messageName?: string;
  /** Field names as written in the .proto (protobufjs keepCase); default false: lowerCamelCase, as protobufjs. */
  readonly keepCase?: boolean;
}

export interface ProtobufDeserializerOptions {
  readonly keepCase?: boolean;
  /** Convert each decoded message to a plain object with these options (protobufjs toObject); a Message otherwise. */
  readonly toObject?: protobuf.IConversionOptions;
}

/** A schema's .proto parsed with its references: the file's own namespace, where its top-level messages are. */
export interface ParsedProto {
  readonly root: protobuf.Root;
  readonly file: protobuf.NamespaceBase;
  /** The file's own top-level message types, in declaration order (imports add others to root). */
  readonly topLevel: readonly protobuf.Type[];
}

export function parseProto(schema: string, referenced: readonly ReferencedSchema[], keepCase: boolean): ParsedProto {
  const root = new protobuf.Root();
  const added = new Set<string>();
  for (const ref of referenced) addWellKnownImports(root, added, protobuf.parse(ref.schema, root, { keepCase }).imports);
  // The file alone, to tell its own top-level messages from those its imports added.
  const alone = protobuf.parse(schema, { keepCase });
  const parsed = protobuf.parse(schema, root, { keepCase });
  addWellKnownImports(root, added, parsed.imports);
  try {
    root.resolveAll();
  } catch (error) {
    throw new SerializationError(`invalid Protobuf schema: ${(error as Error).message}`, { cause: error });
  }
  const file = parsed.package === undefined ? root : root.lookup(parsed.package) as protobuf.Namespace;
  const aloneFile = alone.package === undefined ? alone.root : alone.root.lookup(alone.package) as protobuf.Namespace;
  const topLevel = messagesOf(aloneFile).map((type) => file.lookupType(type.name));
  return { root, file, topLevel };
}

/** The message types directly inside `namespace`, in declaration order. */
function messagesOf(namespace: protobuf.NamespaceBase): protobuf.Type[] {
  return namespace.nestedArray.filter((nested): nested is protobuf.Type => nested instanceof protobuf.Type);
}

/** The well-known types (google/protobuf/*.proto) a file imports, which protobufjs bundles; each added once. */
function addWellKnownImports(root: protobuf.Root, added: Set<string>, imports: readonly string[] | undefined): void {
  for (const name of imports ?? []) {
    const common = protobuf.common.get(name);
    if (common === null || common === undefined || added.has(name)) continue;
    added.add(name);
    root.addJSON(common.nested as Record<string, protobuf.AnyNestedObject>);
  }
}

/** The indexes of `type` in its file: its index among its parent's messages, from the file down. */
export function messageIndexes(proto: ParsedProto, type: protobuf.Type): number[] {
  const path: number[] = [];
  let current: protobuf.Type = type;
  while (current.parent instanceof protobuf.Type) {
    path.unshift(messagesOf(current.parent).indexOf(current));
    current = current.parent;
  }
  const top = proto.topLevel.indexOf(current);
  if (top < 0) throw new SerializationError(`message ${type.fullName.slice(1)} is not defined in the schema's own file`);
  path.unshift(top);
  return path;
}

/** The message type at `indexes` in the file. */
export function messageAt(proto: ParsedProto, indexes: readonly number[]): protobuf.Type {
  let type = proto.topLevel[indexes[0]!];
  for (let i = 1; i < indexes.length && type !== undefined; i++) type = messagesOf(type)[indexes[i]!];
  if (type === undefined) throw new SerializationError(`no message at indexes [${indexes.join(', ')}] in the schema`);
  return type;
}

interface ProtobufWriter {
  readonly type: protobuf.Type;
  readonly indexes: Buffer;
}

export class ProtobufSerializer {
  readonly #writers: WriterResolver<ProtobufWriter>;

  constructor(client: SchemaRegistryClient, options: ProtobufSerializerOptions) {
    const keepCase = options.keepCase ?? false;
    const schema: RegistrySchema = { schema: options.schema, schemaType: 'PROTOBUF', references: options.references };
    const alone = protobuf.parse(options.schema, { keepCase });
    const firstMessage = messagesOf(alone.package === undefined ? alone.root : alone.root.lookup(alone.package) as protobuf.Namespace)[0];
    const messageName = options.messageName ?? firstMessage?.name;
    if (messageName === undefined) throw new SerializationError('the Protobuf schema defines no message');
    const fullName = messageName.includes('.') || alone.package === undefined ? messageName : `${alone.package}.${messageName}`;
    const parse = (resolved: ResolvedSchema): ProtobufWriter => {
      const proto = parseProto(resolved.schema, resolved.referenced, keepCase);
      const type = proto.root.lookupType(fullName);
      return { type, indexes: encodeMessageIndexes(messageIndexes(proto, type)) };
    };
    this.#writers = new WriterResolver(client, schema, fullName.replace(/^\./, ''), parse, options);
  }

  /** The record in Confluent's wire format; `value` is a protobufjs Message or a plain object (converted with fromObject). */
  async serialize(topic: string, value: unknown): Promise<Buffer> {
    const prepared = this.#writers.cached(topic) ?? await this.#writers.resolve(topic);
    const { type, indexes } = prepared.writer;
    const message = value instanceof protobuf.Message ? value : type.fromObject(value as Record<string, unknown>);
    const payload = type.encode(message).finish();
    const out = Buffer.allocUnsafe(HEADER_SIZE + indexes.length + payload.length);
    prepared.header.copy(out, 0);
    indexes.copy(out, HEADER_SIZE);
    out.set(payload, HEADER_SIZE + indexes.length);
    return out;
  }
}

export class ProtobufDeserializer {
  readonly #readers: ReaderResolver<ParsedProto>;
  readonly #toObject: protobuf.IConversionOptions | undefined;

  constructor(client: SchemaRegistryClient, options: ProtobufDeserializerOptions = {}) {
    this.#toObject = options.toObject;
    this.#readers = new ReaderResolver(client, (resolved) => {
      if (resolved.schemaType !== 'PROTOBUF') throw new SerializationError(`schema is ${resolved.schemaType ?? 'AVRO'}, not PROTOBUF`);
      return parseProto(resolved.schema, resolved.referenced, options.keepCase ?? false);
    });
  }

  async deserialize(_topic: string, data: Buffer): Promise<unknown> {
    const proto = await this.#readers.forRecord(data);
    const { indexes, offset } = decodeMessageIndexes(data, HEADER_SIZE);
    const type = messageAt(proto, indexes);
    let message: protobuf.Message;
    try {
      message = type.decode(data.subarray(offset));
    } catch (error) {
      throw new SerializationError(`Protobuf payload of ${type.fullName.slice(1)} does not decode: ${(error as Error).message}`, { cause: error });
    }
    return this.#toObject === undefined ? message : type.toObject(message, this.#toObject);
  }
}
