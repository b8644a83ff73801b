import fc from 'fast-check';
import { ZERO_UUID } from '../../src/protocol/primitives/uuid.ts';
import type { FieldSpec, FieldType, MessageSpec, StructSpec } from './spec.ts';
import { contains } from './versions.ts';

/**
 * Test support: fast-check arbitraries of valid message values for one version, built from the
 * parsed specs (independently of the generated code), and the values a decoder fills in for fields
 * a version does not have.
 */

type Value = unknown;

function integerDefault(text: string): bigint {
  const negative = text.trim().startsWith('-');
  const magnitude = BigInt(text.trim().replace(/^-/, ''));
  return negative ? -magnitude : magnitude;
}

export function fieldDefault(field: FieldSpec): Value {
  const text = field.defaultValue;
  const type = field.type;
  const nullableEverywhere =
    field.nullableVersions.min <= field.versions.min && field.nullableVersions.max >= field.versions.max &&
    field.nullableVersions.min <= field.nullableVersions.max;
  if (text === 'null') return null;
  if (type.kind === 'array') return [];
  if (type.kind === 'struct') return structDefault(type.struct);
  switch (type.name) {
    case 'bool':
      return text === 'true';
    case 'int64':
      return text === undefined ? 0n : integerDefault(text);
    case 'string':
      return text ?? '';
    case 'uuid':
      return text ?? ZERO_UUID;
    case 'records':
      return nullableEverywhere && text === undefined ? null : Buffer.alloc(0);
    case 'bytes':
      return Buffer.alloc(0);
    case 'float64':
      return text === undefined ? 0 : Number(text);
    default:
      return text === undefined ? 0 : Number(integerDefault(text));
  }
}

export function structDefault(struct: StructSpec): Record<string, Value> {
  const value: Record<string, Value> = {};
  for (const field of struct.fields) value[field.property] = fieldDefault(field);
  return value;
}

const INTEGER_RANGES: Readonly<Record<string, readonly [number, number]>> = {
  int8: [-128, 127],
  int16: [-32768, 32767],
  uint16: [0, 65535],
  int32: [-2147483648, 2147483647],
  uint32: [0, 4294967295],
};

const text = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.string({ unit: 'binary', maxLength: 6 }),
  fc.constant(''),
);

const bytes = fc.oneof(
  { weight: 8, arbitrary: fc.uint8Array({ maxLength: 24 }) },
  // Large enough to be appended by reference by the writer.
  { weight: 1, arbitrary: fc.uint8Array({ minLength: 4096, maxLength: 4200 }) },
).map((a) => Buffer.from(a));

const uuid = fc.uint8Array({ minLength: 16, maxLength: 16 }).map((a) => Buffer.from(a).toString('base64url'));

export interface ArbitraryOptions {
  readonly maxArrayLength: number;
}

function typeArbitrary(type: FieldType, version: number, options: ArbitraryOptions): fc.Arbitrary<Value> {
  if (type.kind === 'array') {
    return fc.array(typeArbitrary(type.element, version, options), { maxLength: options.maxArrayLength });
  }
  if (type.kind === 'struct') return structArbitrary(type.struct, version, options);
  const range = INTEGER_RANGES[type.name];
  if (range !== undefined) return fc.integer({ min: range[0], max: range[1] });
  switch (type.name) {
    case 'bool':
      return fc.boolean();
    case 'int64':
      return fc.bigInt(-(2n ** 63n), 2n ** 63n - 1n);
    case 'float64':
      return fc.double();
    case 'string':
      return text;
    case 'uuid':
      return uuid;
    default:
      return bytes;
  }
}

function fieldArbitrary(field: FieldSpec, version: number, options: ArbitraryOptions): fc.Arbitrary<Value> {
  if (!contains(field.versions, version)) return fc.constant(fieldDefault(field));
  const value = typeArbitrary(field.type, version, options);
  return contains(field.nullableVersions, version) ? fc.option(value, { nil: null, freq: 4 }) : value;
}

export function structArbitrary(
  struct: StructSpec,
  version: number,
  options: ArbitraryOptions,
): fc.Arbitrary<Record<string, Value>> {
  const fields: Record<string, fc.Arbitrary<Value>> = {};
  for (const field of struct.fields) fields[field.property] = fieldArbitrary(field, version, options);
  return fc.record(fields).map((record) => ({ ...record }));
}

export function messageArbitrary(
  message: MessageSpec,
  version: number,
  options: ArbitraryOptions = { maxArrayLength: 3 },
): fc.Arbitrary<Record<string, Value>> {
  return structArbitrary(message.root, version, options);
}
