import protobuf from 'protobufjs';
import { protoTextOf } from './protobuf-descriptor.ts';
import { protobufIncompatibilities } from './protobuf-diff.ts';
import { InvalidSchemaError, type ParsedSchema, type ResolvedReference, type SchemaFormat } from './schema-type.ts';

/**
 * PROTOBUF: protobufjs parses the .proto text (or the text of a base64 FileDescriptorProto,
 * protobuf-descriptor.ts). Each import is resolved from the references (by the
 * reference's `name`, the path the import statement gives, as Confluent's clients register them),
 * Google's well-known types (google/protobuf/timestamp.proto, ...) from protobufjs' own copies,
 * as Confluent resolves them without references. A type that names no known type is refused.
 *
 * Canonical text: the schema as given (trimmed); normalized, its tokens without comments, one
 * statement a line, so whitespace and comments no longer make two schemas different. (Confluent
 * re-prints the file with Square Wire's printer even without normalize; the declarations themselves
 * are kept in their order here, which is what decides Confluent's message indexes anyway.)
 */

const TOKEN = /\s+|\/\/[^\n]*|\/\*[\s\S]*?\*\/|"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|[A-Za-z0-9_.+-]+|[\s\S]/g;

/** The .proto text as tokens: comments dropped, one space between tokens, a line after ; { and }. */
function normalizedText(text: string): string {
  let out = '';
  for (const [token] of text.matchAll(TOKEN)) {
    if (/^\s/.test(token) || token.startsWith('//') || token.startsWith('/*')) continue;
    if (out !== '' && !out.endsWith('\n')) out += ' ';
    out += token;
    if (token === ';' || token === '{' || token === '}') out += '\n';
  }
  return out.trim();
}

/** A parsed .proto: every type it can see resolved, and which of them its own text declares. */
export interface ProtoFile {
  readonly root: protobuf.Root;
  readonly packageName: string;
  readonly syntax: string;
  /** Full names (without the leading dot) of the messages and enums this file declares. */
  readonly declared: readonly string[];
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function syntaxOf(text: string): string {
  return /^\s*(?:\/\/[^\n]*\n\s*|\/\*[\s\S]*?\*\/\s*)*syntax\s*=\s*["']([^"']+)["']/.exec(text)?.[1] ?? 'proto2';
}

function declaredTypes(namespace: protobuf.NamespaceBase): string[] {
  const names: string[] = [];
  for (const nested of namespace.nestedArray) {
    if (nested instanceof protobuf.Type || nested instanceof protobuf.Enum) names.push(nested.fullName.slice(1));
    if (nested instanceof protobuf.Namespace || nested instanceof protobuf.Type) names.push(...declaredTypes(nested));
  }
  return names;
}

function addImports(root: protobuf.Root, imports: readonly string[], references: readonly ResolvedReference[], loaded: Set<string>): void {
  for (const path of imports) {
    if (loaded.has(path)) continue;
    loaded.add(path);
    const reference = references.find((r) => r.name === path);
    if (reference) {
      let parsed: protobuf.IParserResult;
      try {
        // Parsed alone first, for its imports; then into the shared root once they are in.
        parsed = protobuf.parse(protoTextOf(reference.schema), new protobuf.Root(), { keepCase: true });
      } catch (error) {
        throw new InvalidSchemaError(`Invalid schema reference ${path}: ${messageOf(error)}`);
      }
      addImports(root, parsed.imports ?? [], reference.references, loaded);
      addImports(root, parsed.weakImports ?? [], reference.references, loaded);
      try {
        protobuf.parse(protoTextOf(reference.schema), root, { keepCase: true });
      } catch (error) {
        throw new InvalidSchemaError(`Invalid schema reference ${path}: ${messageOf(error)}`);
      }
      continue;
    }
    const common = protobuf.common.get(path) as { nested?: protobuf.INamespace['nested'] } | null;
    if (common?.nested) root.addJSON(common.nested);
    // Google's descriptor.proto and other imports only options use are not needed to resolve
    // field types; an import that is needed and missing shows as an unresolvable type below.
  }
}

/** Parses `text` with its references into a resolved ProtoFile, or throws InvalidSchemaError. */
export function loadProto(text: string, references: readonly ResolvedReference[]): ProtoFile {
  let own: protobuf.IParserResult;
  try {
    own = protobuf.parse(text, new protobuf.Root(), { keepCase: true });
  } catch (error) {
    throw new InvalidSchemaError(`Invalid schema: ${messageOf(error)}`);
  }
  const root = new protobuf.Root();
  addImports(root, [...(own.imports ?? []), ...(own.weakImports ?? [])], references, new Set());
  try {
    protobuf.parse(text, root, { keepCase: true });
    root.resolveAll();
  } catch (error) {
    throw new InvalidSchemaError(`Invalid schema: ${messageOf(error)}`);
  }
  return { root, packageName: own.package ?? '', syntax: syntaxOf(text), declared: declaredTypes(own.root) };
}

export const protobufFormat: SchemaFormat = {
  type: 'PROTOBUF',
  parse(schema, references, normalize): ParsedSchema {
    // A base64 FileDescriptorProto is stored as the .proto text it describes, as Confluent does.
    const text = protoTextOf(schema);
    loadProto(text, references);
    return { type: 'PROTOBUF', canonical: normalize ? normalizedText(text) : text.trim(), references };
  },
  readerIncompatibilities(reader, writer) {
    return protobufIncompatibilities(loadProto(reader.canonical, reader.references), loadProto(writer.canonical, writer.references));
  },
};
