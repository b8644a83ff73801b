import descriptor from 'protobufjs/ext/descriptor.js';
import { InvalidSchemaError } from './schema-type.ts';

/**
 * A Protobuf schema may come as a base64 FileDescriptorProto instead of .proto text: Confluent's
 * Python serializer registers schemas (and each import) that way, and Confluent's registry turns
 * them into .proto text. This does the same, so what is stored, compared and handed back is text.
 * Printed: syntax, package, imports, the common file options, messages (nested types, oneofs,
 * maps, proto2 labels and defaults, reserved numbers and names), enums. Services and custom
 * options do not change what a message is on the wire and are left out.
 */

type Object_ = { [key: string]: unknown };

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** Whether `text` is base64 rather than .proto text (which always has a space, `;` or `{`). */
export function isSerializedDescriptor(text: string): boolean {
  const trimmed = text.trim();
  return trimmed.length % 4 === 0 && BASE64.test(trimmed);
}

const FILE_OPTIONS: readonly [string, string][] = [
  ['javaPackage', 'java_package'],
  ['javaOuterClassname', 'java_outer_classname'],
  ['javaMultipleFiles', 'java_multiple_files'],
  ['goPackage', 'go_package'],
  ['csharpNamespace', 'csharp_namespace'],
  ['objcClassPrefix', 'objc_class_prefix'],
  ['phpNamespace', 'php_namespace'],
  ['rubyPackage', 'ruby_package'],
];

function list(value: unknown): Object_[] {
  return Array.isArray(value) ? (value as Object_[]) : [];
}

function literal(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

function fieldType(field: Object_): string {
  const type = String(field['type'] ?? '');
  if (type === 'TYPE_MESSAGE' || type === 'TYPE_ENUM') return String(field['typeName'] ?? '');
  if (type === 'TYPE_GROUP') throw new InvalidSchemaError('Invalid schema: groups are not supported');
  return type.replace(/^TYPE_/, '').toLowerCase();
}

function printEnum(e: Object_, indent: string): string[] {
  const lines = [`${indent}enum ${String(e['name'])} {`];
  if ((e['options'] as Object_ | undefined)?.['allowAlias']) lines.push(`${indent}  option allow_alias = true;`);
  for (const value of list(e['value'])) lines.push(`${indent}  ${String(value['name'])} = ${String(value['number'] ?? 0)};`);
  lines.push(`${indent}}`);
  return lines;
}

function printReserved(message: Object_, indent: string): string[] {
  const ranges = list(message['reservedRange']).map((r) => {
    const start = Number(r['start'] ?? 0);
    const end = Number(r['end'] ?? start + 1) - 1; // the descriptor's end is exclusive
    return end > start ? `${start} to ${end >= 536870911 ? 'max' : end}` : `${start}`;
  });
  const names = (Array.isArray(message['reservedName']) ? (message['reservedName'] as unknown[]) : []).map((n) => JSON.stringify(String(n)));
  return [ranges, names].filter((r) => r.length > 0).map((r) => `${indent}reserved ${r.join(', ')};`);
}

function printMessage(message: Object_, syntax: string, indent: string): string[] {
  const name = String(message['name']);
  const nested = list(message['nestedType']);
  // protoc writes a map field as a repeated field of a nested XxxEntry message with map_entry set.
  const entries = new Map(nested.filter((n) => (n['options'] as Object_ | undefined)?.['mapEntry']).map((n) => [String(n['name']), n]));
  const oneofs = list(message['oneofDecl']).map((o) => String(o['name']));
  const lines = [`${indent}message ${name} {`];
  const printField = (field: Object_, inner: string, inOneOf: boolean): string => {
    const entry = field['type'] === 'TYPE_MESSAGE' ? entries.get(String(field['typeName']).split('.').pop()!) : undefined;
    const options: string[] = [];
    if (field['defaultValue'] !== undefined && field['defaultValue'] !== '') {
      options.push(`default = ${field['type'] === 'TYPE_STRING' || field['type'] === 'TYPE_BYTES' ? JSON.stringify(field['defaultValue']) : String(field['defaultValue'])}`);
    }
    const packed = (field['options'] as Object_ | undefined)?.['packed'];
    if (packed !== undefined) options.push(`packed = ${String(packed)}`);
    const suffix = `${String(field['name'])} = ${String(field['number'])}${options.length > 0 ? ` [${options.join(', ')}]` : ''};`;
    if (entry && String(field['typeName']).endsWith(`.${String(entry['name'])}`)) {
      const [key, value] = [...list(entry['field'])].sort((a, b) => Number(a['number']) - Number(b['number']));
      return `${inner}map<${fieldType(key!)}, ${fieldType(value!)}> ${suffix}`;
    }
    const label = String(field['label'] ?? '');
    let prefix = '';
    if (label === 'LABEL_REPEATED') prefix = 'repeated ';
    else if (label === 'LABEL_REQUIRED') prefix = 'required ';
    else if (!inOneOf && (syntax === 'proto2' || field['proto3Optional'])) prefix = 'optional ';
    return `${inner}${prefix}${fieldType(field)} ${suffix}`;
  };
  const fields = list(message['field']);
  const inRealOneOf = (field: Object_) => field['oneofIndex'] !== undefined && field['oneofIndex'] !== null && !field['proto3Optional'];
  for (const field of fields) if (!inRealOneOf(field)) lines.push(printField(field, `${indent}  `, false));
  oneofs.forEach((oneofName, index) => {
    const members = fields.filter((f) => inRealOneOf(f) && Number(f['oneofIndex']) === index);
    if (members.length === 0) return; // a proto3 `optional` field's synthetic oneof
    lines.push(`${indent}  oneof ${oneofName} {`, ...members.map((f) => printField(f, `${indent}    `, true)), `${indent}  }`);
  });
  lines.push(...printReserved(message, `${indent}  `));
  for (const inner of nested) if (!entries.has(String(inner['name']))) lines.push(...printMessage(inner, syntax, `${indent}  `));
  for (const e of list(message['enumType'])) lines.push(...printEnum(e, `${indent}  `));
  lines.push(`${indent}}`);
  return lines;
}

/** The .proto text of a base64 FileDescriptorProto, or InvalidSchemaError when it is none. */
export function descriptorToProtoText(base64: string): string {
  let file: Object_;
  try {
    const message = descriptor.FileDescriptorProto.decode(Buffer.from(base64.trim(), 'base64'));
    file = descriptor.FileDescriptorProto.toObject(message, { enums: String, longs: String }) as Object_;
  } catch (error) {
    throw new InvalidSchemaError(`Invalid schema: not a serialized FileDescriptorProto: ${error instanceof Error ? error.message : String(error)}`);
  }
  const syntax = typeof file['syntax'] === 'string' && file['syntax'] !== '' ? file['syntax'] : 'proto2';
  const lines = [`syntax = "${syntax}";`];
  if (typeof file['package'] === 'string' && file['package'] !== '') lines.push(`package ${file['package']};`);
  for (const dependency of Array.isArray(file['dependency']) ? (file['dependency'] as unknown[]) : []) lines.push(`import ${JSON.stringify(String(dependency))};`);
  const options = (file['options'] ?? {}) as Object_;
  for (const [key, name] of FILE_OPTIONS) if (options[key] !== undefined) lines.push(`option ${name} = ${literal(options[key])};`);
  for (const message of list(file['messageType'])) lines.push('', ...printMessage(message, syntax, ''));
  for (const e of list(file['enumType'])) lines.push('', ...printEnum(e, ''));
  return `${lines.join('\n')}\n`;
}

/** A schema's .proto text, whichever of the two forms it came in. */
export function protoTextOf(schema: string): string {
  return isSerializedDescriptor(schema) ? descriptorToProtoText(schema) : schema;
}
