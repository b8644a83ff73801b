import protobuf from 'protobufjs';
import type { ProtoFile } from './protobuf-format.ts';

/**
 * Protobuf compatibility as Confluent's registry decides it (io.confluent.kafka.schemaregistry.
 * protobuf.diff): the writer's file (the "original") is compared with the reader's (the "update")
 * message by message (by name) and field by field (by field number, as the wire format knows them).
 * Refused: a changed package, a removed message, a field whose kind changes (scalar, message, map),
 * a scalar moving to another wire-compatible group (int32/int64/uint32/uint64/bool/enum;
 * sint32/sint64; string/bytes; fixed32/sfixed32; fixed64/sfixed64; float; double), a numeric
 * field's label changing (optional <-> repeated), a message field naming another message (or the
 * same one changed incompatibly), a required field added or removed, a oneof member removed (unless
 * the whole oneof went), and fields that were independent moved into one oneof.
 * Accepted: fields added, removed or renamed (a renumbered field is one removed and one added),
 * enums and enum constants added, removed or renamed, messages added or moved, oneofs added or
 * removed, a oneof member moved to the top level, int32 -> int64 and the like within a group.
 * Syntax changes are not compared, as in Confluent.
 */

const COMPATIBLE = new Set([
  'MESSAGE_ADDED', 'MESSAGE_MOVED', 'ENUM_ADDED', 'ENUM_REMOVED', 'ENUM_CONST_ADDED', 'ENUM_CONST_CHANGED',
  'ENUM_CONST_REMOVED', 'FIELD_ADDED', 'FIELD_REMOVED', 'FIELD_NAME_CHANGED', 'FIELD_STRING_OR_BYTES_LABEL_CHANGED',
  'ONEOF_ADDED', 'ONEOF_REMOVED', 'ONEOF_FIELD_ADDED', 'ONEOF_FIELD_MOVED_TO_TOP_LEVEL',
]);

const SCALAR_GROUPS: Readonly<Record<string, string>> = {
  int32: 'GENERAL_NUMBER', int64: 'GENERAL_NUMBER', uint32: 'GENERAL_NUMBER', uint64: 'GENERAL_NUMBER', bool: 'GENERAL_NUMBER',
  sint32: 'SIGNED_NUMBER', sint64: 'SIGNED_NUMBER', string: 'STRING_OR_BYTES', bytes: 'STRING_OR_BYTES',
  fixed32: 'FIXED32', sfixed32: 'FIXED32', fixed64: 'FIXED64', sfixed64: 'FIXED64', float: 'FLOAT', double: 'DOUBLE',
};

interface Difference {
  readonly type: string;
  readonly path: string;
}

interface Context {
  readonly differences: Difference[];
  readonly original: ProtoFile;
  readonly update: ProtoFile;
  /** Messages of the original being compared higher up: a recursive message is compared once. */
  readonly inProgress: string[];
}

function add(ctx: Context, type: string, path: string): void {
  ctx.differences.push({ type, path });
}

function isCompatible(differences: readonly Difference[]): boolean {
  return differences.every((d) => COMPATIBLE.has(d.type));
}

/** The messages and enums declared directly in a namespace (a package or a message), by simple name. */
function typesIn(nested: readonly protobuf.ReflectionObject[]): { messages: Map<string, protobuf.Type>; enums: Map<string, protobuf.Enum> } {
  const messages = new Map<string, protobuf.Type>();
  const enums = new Map<string, protobuf.Enum>();
  for (const object of nested) {
    if (object instanceof protobuf.Type) messages.set(object.name, object);
    else if (object instanceof protobuf.Enum) enums.set(object.name, object);
  }
  return { messages, enums };
}

function topLevel(file: ProtoFile): protobuf.ReflectionObject[] {
  return file.declared
    .map((name) => file.root.lookup(name))
    .filter((object): object is protobuf.ReflectionObject => object !== null && !(object.parent instanceof protobuf.Type));
}

function compareTypeElements(ctx: Context, original: readonly protobuf.ReflectionObject[], update: readonly protobuf.ReflectionObject[], scope: string): void {
  const o = typesIn(original);
  const u = typesIn(update);
  for (const name of new Set([...o.messages.keys(), ...u.messages.keys()])) {
    const before = o.messages.get(name);
    const after = u.messages.get(name);
    const path = `${scope}${name}`;
    if (after === undefined) add(ctx, 'MESSAGE_REMOVED', `#/${path}`);
    else if (before === undefined) add(ctx, 'MESSAGE_ADDED', `#/${path}`);
    else compareMessages(ctx, before, after, path);
  }
  for (const name of new Set([...o.enums.keys(), ...u.enums.keys()])) {
    const before = o.enums.get(name);
    const after = u.enums.get(name);
    const path = `#/${scope}${name}`;
    if (after === undefined) add(ctx, 'ENUM_REMOVED', path);
    else if (before === undefined) add(ctx, 'ENUM_ADDED', path);
    else compareEnums(ctx, before, after, path);
  }
}

function compareEnums(ctx: Context, original: protobuf.Enum, update: protobuf.Enum, path: string): void {
  const byNumber = (e: protobuf.Enum) => new Map(Object.entries(e.values).map(([name, number]) => [number, name]));
  const o = byNumber(original);
  const u = byNumber(update);
  for (const number of new Set([...o.keys(), ...u.keys()])) {
    if (!u.has(number)) add(ctx, 'ENUM_CONST_REMOVED', `${path}/${number}`);
    else if (!o.has(number)) add(ctx, 'ENUM_CONST_ADDED', `${path}/${number}`);
    else if (o.get(number) !== u.get(number)) add(ctx, 'ENUM_CONST_CHANGED', `${path}/${number}`);
  }
}

/** Oneofs as the .proto names them: not the synthetic ones protobufjs makes for proto3 `optional`. */
function realOneOf(field: protobuf.Field): string | undefined {
  const oneOf = field.partOf;
  if (!oneOf || oneOf.fieldsArray.every((f) => f.options?.['proto3_optional'])) return undefined;
  return oneOf.name;
}

function oneOfsOf(message: protobuf.Type): Map<string, protobuf.OneOf> {
  return new Map(message.oneofsArray.filter((o) => !o.fieldsArray.every((f) => f.options?.['proto3_optional'])).map((o) => [o.name, o]));
}

/** Wire's label for a field: REQUIRED, REPEATED, OPTIONAL (proto2's default, proto3's `optional`) or none. */
function labelOf(field: protobuf.Field, syntax: string): string | undefined {
  if (field.rule === 'repeated') return 'REPEATED';
  if (field.rule === 'required') return 'REQUIRED';
  if (field.options?.['proto3_optional']) return 'OPTIONAL';
  if (realOneOf(field) !== undefined) return undefined;
  return syntax === 'proto2' ? 'OPTIONAL' : undefined;
}

function compareMessages(ctx: Context, original: protobuf.Type, update: protobuf.Type, path: string): void {
  if (!ctx.inProgress.includes(original.fullName)) {
    ctx.inProgress.push(original.fullName);
    try {
      compareFields(ctx, original, update, path);
    } finally {
      ctx.inProgress.pop();
    }
  }
  compareTypeElements(ctx, original.nestedArray, update.nestedArray, `${path}.`);
}

function compareFields(ctx: Context, original: protobuf.Type, update: protobuf.Type, path: string): void {
  const o = new Map(original.fieldsArray.map((f) => [f.id, f]));
  const u = new Map(update.fieldsArray.map((f) => [f.id, f]));
  const oOneOfs = oneOfsOf(original);
  const uOneOfs = oneOfsOf(update);
  // A oneof gone with every one of its members is a deletion, which readers tolerate.
  const deleted = new Set([...oOneOfs].filter(([name, oneOf]) => !uOneOfs.has(name) && oneOf.fieldsArray.every((f) => !u.has(f.id))).map(([name]) => name));
  for (const [name, oneOf] of uOneOfs) {
    // Members that were independent before are now exclusive: old data may set several of them.
    const groups = new Set<string>();
    let movedIn = 0;
    for (const field of oneOf.fieldsArray) {
      const before = o.get(field.id);
      if (before === undefined) continue;
      const beforeOneOf = realOneOf(before);
      if (beforeOneOf !== undefined) groups.add(`oneof:${beforeOneOf}`);
      else {
        groups.add(`field:${field.id}`);
        movedIn++;
      }
    }
    if (groups.size > 1) add(ctx, movedIn > 1 ? 'MULTIPLE_FIELDS_MOVED_TO_ONEOF' : 'FIELD_MOVED_TO_EXISTING_ONEOF', `#/${path}/${name}`);
  }
  for (const name of [...new Set([...oOneOfs.keys(), ...uOneOfs.keys()])].sort()) {
    if (!uOneOfs.has(name)) add(ctx, 'ONEOF_REMOVED', `#/${path}/${name}`);
    else if (!oOneOfs.has(name)) add(ctx, 'ONEOF_ADDED', `#/${path}/${name}`);
  }
  for (const id of [...new Set([...o.keys(), ...u.keys()])].sort((a, b) => a - b)) {
    const before = o.get(id);
    const after = u.get(id);
    const beforeOneOf = before && realOneOf(before);
    const afterOneOf = after && realOneOf(after);
    if (after === undefined) {
      if (beforeOneOf !== undefined) {
        if (!deleted.has(beforeOneOf)) add(ctx, 'ONEOF_FIELD_REMOVED', `#/${path}/${beforeOneOf}/${id}`);
      } else add(ctx, before!.rule === 'required' ? 'REQUIRED_FIELD_REMOVED' : 'FIELD_REMOVED', `#/${path}/${id}`);
    } else if (before === undefined) {
      if (afterOneOf !== undefined) add(ctx, 'ONEOF_FIELD_ADDED', `#/${path}/${afterOneOf}/${id}`);
      else add(ctx, after.rule === 'required' ? 'REQUIRED_FIELD_ADDED' : 'FIELD_ADDED', `#/${path}/${id}`);
    } else {
      if (beforeOneOf !== undefined && afterOneOf === undefined) add(ctx, 'ONEOF_FIELD_MOVED_TO_TOP_LEVEL', `#/${path}/${id}`);
      compareField(ctx, before, after, afterOneOf !== undefined ? `#/${path}/${afterOneOf}/${id}` : `#/${path}/${id}`);
    }
  }
}

type FieldType = { kind: 'SCALAR'; group: string } | { kind: 'MESSAGE'; message: protobuf.Type | null; name: string } | { kind: 'MAP' };

/** A field's kind as Confluent groups them; a map's value is typed like a field (`asMapValue`). */
function typeOf(field: protobuf.Field, asMapValue = false): FieldType {
  if (field instanceof protobuf.MapField && !asMapValue) return { kind: 'MAP' };
  const resolved = field.resolvedType;
  if (resolved instanceof protobuf.Enum) return { kind: 'SCALAR', group: 'GENERAL_NUMBER' };
  if (resolved instanceof protobuf.Type) return { kind: 'MESSAGE', message: resolved, name: resolved.fullName };
  const group = SCALAR_GROUPS[field.type];
  return group !== undefined ? { kind: 'SCALAR', group } : { kind: 'MESSAGE', message: null, name: field.type };
}

function compareField(ctx: Context, original: protobuf.Field, update: protobuf.Field, path: string): void {
  if (original.name !== update.name) add(ctx, 'FIELD_NAME_CHANGED', path);
  compareTypes(ctx, typeOf(original), typeOf(update), labelOf(original, ctx.original.syntax), labelOf(update, ctx.update.syntax), path);
  if (original instanceof protobuf.MapField && update instanceof protobuf.MapField) {
    // A map is its key and its value, each compared as a field without a label.
    const key = (type: string): FieldType => ({ kind: 'SCALAR', group: SCALAR_GROUPS[type] ?? type });
    compareTypes(ctx, key(original.keyType), key(update.keyType), undefined, undefined, path);
    compareTypes(ctx, typeOf(original, true), typeOf(update, true), undefined, undefined, path);
  }
}

function localName(type: protobuf.Type): string {
  let namespace: protobuf.NamespaceBase | null = type.parent;
  while (namespace instanceof protobuf.Type) namespace = namespace.parent;
  const packageName = namespace?.fullName ?? '';
  return packageName === '' || packageName === '.' ? type.fullName.slice(1) : type.fullName.slice(packageName.length + 1);
}

function compareTypes(ctx: Context, o: FieldType, u: FieldType, oLabel: string | undefined, uLabel: string | undefined, path: string): void {
  if (o.kind !== u.kind) return add(ctx, 'FIELD_KIND_CHANGED', path);
  if (o.kind === 'SCALAR' && u.kind === 'SCALAR') {
    if (o.group !== u.group) return add(ctx, 'FIELD_SCALAR_KIND_CHANGED', path);
    if (oLabel !== undefined && uLabel !== undefined && oLabel !== uLabel) {
      if (o.group === 'STRING_OR_BYTES') add(ctx, 'FIELD_STRING_OR_BYTES_LABEL_CHANGED', path);
      else add(ctx, 'FIELD_NUMERIC_LABEL_CHANGED', path);
    }
    return;
  }
  if (o.kind === 'MESSAGE' && u.kind === 'MESSAGE') {
    if (o.message === null || u.message === null) {
      if (o.name !== u.name) add(ctx, 'FIELD_NAMED_TYPE_CHANGED', path);
      return;
    }
    const name = localName(o.message);
    if (name !== localName(u.message)) return add(ctx, 'FIELD_NAMED_TYPE_CHANGED', path);
    const sub: Context = { ...ctx, differences: [] };
    compareMessages(sub, o.message, u.message, name);
    ctx.differences.push(...sub.differences);
    if (!isCompatible(sub.differences)) add(ctx, 'FIELD_NAMED_TYPE_CHANGED', path);
  }
}

/** Why the reader's .proto cannot read what the writer's wrote, in Confluent's words. */
export function protobufIncompatibilities(reader: ProtoFile, writer: ProtoFile): string[] {
  const ctx: Context = { differences: [], original: writer, update: reader, inProgress: [] };
  if (writer.packageName !== reader.packageName) add(ctx, 'PACKAGE_CHANGED', '#/');
  compareTypeElements(ctx, topLevel(writer), topLevel(reader), '');
  return ctx.differences.filter((d) => !COMPATIBLE.has(d.type)).map((d) => `{errorType:"${d.type}", description:"${describe(d)}"}`);
}

function describe({ type, path }: Difference): string {
  switch (type) {
    case 'PACKAGE_CHANGED':
      return `The package at '${path}' in the reader's schema does not match the package in the writer's schema`;
    case 'MESSAGE_REMOVED':
      return `The reader's schema is missing a MESSAGE type at path '${path}' in the writer's schema`;
    case 'FIELD_KIND_CHANGED':
      return `The type of a field at path '${path}' in the reader's schema does not match the writer's schema`;
    case 'FIELD_SCALAR_KIND_CHANGED':
      return `The kind of a SCALAR field at path '${path}' in the reader's schema does not match its kind in the writer's schema`;
    case 'FIELD_NAMED_TYPE_CHANGED':
      return `The type of a MESSAGE field at path '${path}' in the reader's schema does not match its type in the writer's schema`;
    case 'FIELD_NUMERIC_LABEL_CHANGED':
      return `The label for a NUMERIC field at path '${path}' in the reader's schema does not match its label in the writer's schema`;
    case 'REQUIRED_FIELD_ADDED':
      return `A required field at path '${path}' in the reader's schema is missing in the writer's schema`;
    case 'REQUIRED_FIELD_REMOVED':
      return `The reader's schema is missing a required field at path '${path}' in the writer's schema`;
    case 'ONEOF_FIELD_REMOVED':
      return `The reader's schema is missing a oneof field at path '${path}' in the writer's schema`;
    case 'MULTIPLE_FIELDS_MOVED_TO_ONEOF':
      return `Multiple fields in the oneof at path '${path}' in the reader's schema are outside a oneof in the writer's schema`;
    default:
      return `A field in the oneof at path '${path}' in the reader's schema is outside an existing oneof in the writer's schema`;
  }
}
