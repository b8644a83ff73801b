import type { FieldSpec, FieldType, MessageSpec, StructSpec } from './spec.ts';
import { isEmpty, type VersionRange } from './versions.ts';

/** Interfaces, default values and "is default" tests of the generated code. */

export function tsType(type: FieldType): string {
  switch (type.kind) {
    case 'array':
      return `${tsType(type.element)}[]`;
    case 'struct':
      return type.struct.typeName;
    case 'primitive':
      switch (type.name) {
        case 'bool':
          return 'boolean';
        case 'int64':
          return 'bigint';
        case 'string':
        case 'uuid':
          return 'string';
        case 'bytes':
        case 'records':
          return 'Buffer';
        default:
          return 'number';
      }
  }
}

export function fieldTsType(field: FieldSpec): string {
  return isEmpty(field.nullableVersions) ? tsType(field.type) : `${tsType(field.type)} | null`;
}

export function emitInterface(struct: StructSpec): string {
  const lines = [`export interface ${struct.typeName} {`];
  for (const field of struct.fields) {
    lines.push(`  ${field.property}${field.required ? '' : '?'}: ${fieldTsType(field)};`);
  }
  lines.push('}');
  return lines.join('\n');
}

/** Whether a `default` of "null" applies: the field is nullable in all of its versions. */
function defaultsToNull(field: FieldSpec): boolean {
  const nullableEverywhere =
    !isEmpty(field.nullableVersions) &&
    field.nullableVersions.min <= field.versions.min &&
    field.nullableVersions.max >= field.versions.max;
  if (field.defaultValue === 'null') {
    if (!nullableEverywhere) throw new Error(`${field.name}: default null but not nullable in every version`);
    return true;
  }
  // Kafka's implicit default for records is null.
  return field.defaultValue === undefined && nullableEverywhere && field.type.kind === 'primitive' &&
    field.type.name === 'records';
}

function parseInteger(text: string, what: string): bigint {
  const match = /^(-?)(0x[0-9a-f]+|\d+)$/i.exec(text.trim());
  if (!match) throw new Error(`${what}: bad integer default ${JSON.stringify(text)}`);
  const magnitude = BigInt(match[2]!);
  return match[1] === '-' ? -magnitude : magnitude;
}

/** The default of a field, as a TypeScript expression. */
export function defaultExpression(field: FieldSpec): string {
  if (defaultsToNull(field)) return 'null';
  const text = field.defaultValue;
  const type = field.type;
  if (type.kind === 'array') {
    if (text !== undefined && text !== '') throw new Error(`${field.name}: arrays only default to null or empty`);
    return '[]';
  }
  if (type.kind === 'struct') return `default${type.struct.typeName}()`;
  switch (type.name) {
    case 'bool':
      if (text === undefined) return 'false';
      if (text !== 'true' && text !== 'false') throw new Error(`${field.name}: bad bool default ${text}`);
      return text;
    case 'int64':
      return `${text === undefined ? 0n : parseInteger(text, field.name)}n`;
    case 'float64':
      return String(text === undefined ? 0 : Number(text));
    case 'string':
      return JSON.stringify(text ?? '');
    case 'uuid':
      return text === undefined ? 'ZERO_UUID' : JSON.stringify(text);
    case 'bytes':
    case 'records':
      if (text !== undefined && text !== '') throw new Error(`${field.name}: bytes only default to null or empty`);
      return 'Buffer.alloc(0)';
    default:
      return String(text === undefined ? 0 : Number(parseInteger(text, field.name)));
  }
}

/** A test that `expr` (never undefined) holds the field's default. `expr` must be cheap to repeat. */
export function isDefaultExpression(field: FieldSpec, expr: string): string {
  const defaultValue = defaultExpression(field);
  if (defaultValue === 'null') return `${expr} === null`;
  const type = field.type;
  const nullable = !isEmpty(field.nullableVersions);
  const emptyTest = nullable ? `(${expr} !== null && ${expr}.length === 0)` : `${expr}.length === 0`;
  if (type.kind === 'array') return emptyTest;
  if (type.kind === 'struct') return `isDeepStrictEqual(${expr}, ${defaultValue})`;
  if (type.name === 'bytes' || type.name === 'records') return emptyTest;
  return `${expr} === ${defaultValue}`;
}

/** The function giving a struct's default value: every field at its default. */
export function emitDefaultFunction(struct: StructSpec): string {
  const lines = [`function default${struct.typeName}(): ${struct.typeName} {`, '  return {'];
  for (const field of struct.fields) lines.push(`    ${field.property}: ${defaultExpression(field)},`);
  lines.push('  };', '}');
  return lines.join('\n');
}

/** Structs used as a single (non-array) field may need a default value function. */
export function structsWithDefaults(message: MessageSpec): StructSpec[] {
  const candidates = new Set<StructSpec>();
  for (const struct of message.structs) {
    for (const field of struct.fields) {
      if (field.type.kind === 'struct' && defaultExpression(field) !== 'null') candidates.add(field.type.struct);
    }
  }
  return message.structs.filter((s) => candidates.has(s));
}

/** The versions of a field that are in the fixed (untagged) part of its struct. */
export function fixedVersions(field: FieldSpec): VersionRange {
  if (isEmpty(field.taggedVersions)) return field.versions;
  const max = Math.min(field.versions.max, field.taggedVersions.min - 1);
  return field.versions.min > max ? { min: 0, max: -1 } : { min: field.versions.min, max };
}
