import { fixedVersions } from './emit-types.ts';
import type { FieldType, MessageSpec, StructSpec } from './spec.ts';
import { contains, intersect, isEmpty, type VersionRange } from './versions.ts';

/**
 * The fewest bytes a value can take on the wire. Array decoders are given this for their items so
 * that a count too large for the remaining input is rejected before anything is allocated.
 */

const FIXED_SIZES: Readonly<Record<string, number>> = {
  bool: 1, int8: 1, int16: 2, uint16: 2, int32: 4, uint32: 4, int64: 8, float64: 8, uuid: 16,
};

export function minTypeSize(type: FieldType, version: number, flexible: boolean, message: MessageSpec): number {
  if (type.kind === 'array') return flexible ? 1 : 4;
  if (type.kind === 'struct') return minStructSize(type.struct, version, message);
  const fixed = FIXED_SIZES[type.name];
  if (fixed !== undefined) return fixed;
  if (type.name === 'string') return flexible ? 1 : 2;
  return flexible ? 1 : 4;
}

export function minStructSize(struct: StructSpec, version: number, message: MessageSpec): number {
  let size = contains(message.flexibleVersions, version) ? 1 : 0;
  for (const field of struct.fields) {
    if (!contains(fixedVersions(field), version)) continue;
    if (field.type.kind === 'struct' && contains(field.nullableVersions, version)) {
      size += 1;
    } else {
      size += minTypeSize(field.type, version, contains(field.flexibleVersions, version), message);
    }
  }
  return size;
}

/** The minimum item size of an array's elements over the given versions. */
export function minElementSize(element: FieldType, versions: VersionRange, message: MessageSpec): number {
  const range = intersect(versions, message.validVersions);
  if (isEmpty(range)) return 1;
  let min = Infinity;
  for (let v = range.min; v <= range.max; v++) {
    min = Math.min(min, minTypeSize(element, v, contains(message.flexibleVersions, v), message));
  }
  return min;
}
