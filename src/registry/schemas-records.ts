import { parseCompatibilityLevel, type CompatibilityLevel } from './compatibility.ts';
import type { SchemaReference, SchemaTypeName } from './schema-type.ts';

/**
 * The records of the `_schemas` topic, as Confluent's schema registry writes them (its storage
 * package: SchemaKey/SchemaValue, ConfigKey/ConfigValue, ModeKey/ModeValue,
 * DeleteSubjectKey/DeleteSubjectValue, ClearSubjectKey, NoopKey), so a `_schemas` written by
 * Confluent loads here and the other way round. Keys and values are JSON. A key's bytes must be
 * exactly Confluent's (field order included): compaction keeps the last record of each key, and a
 * key spelled differently would never replace Confluent's.
 */

export const SCHEMAS_TOPIC = '_schemas';

export type RegistryKey =
  | { readonly keytype: 'SCHEMA'; readonly subject: string; readonly version: number }
  | { readonly keytype: 'CONFIG'; readonly subject: string | null }
  | { readonly keytype: 'MODE'; readonly subject: string | null }
  | { readonly keytype: 'DELETE_SUBJECT'; readonly subject: string }
  | { readonly keytype: 'CLEAR_SUBJECT'; readonly subject: string }
  | { readonly keytype: 'NOOP' };

export interface SchemaValue {
  readonly subject: string;
  readonly version: number;
  readonly id: number;
  readonly schemaType: SchemaTypeName;
  readonly schema: string;
  readonly references: readonly SchemaReference[];
  readonly deleted: boolean;
}

export interface ConfigValue {
  readonly compatibilityLevel: CompatibilityLevel | null;
  /** Confluent's `normalize` config: register and look up schemas in their normalized form. */
  readonly normalize: boolean | null;
}

export const MODES = ['READWRITE', 'READONLY', 'READONLY_OVERRIDE', 'IMPORT'] as const;
export type ModeName = typeof MODES[number];

/** A record of `_schemas`, decoded; a null value is a tombstone (a permanent delete, a config or mode removed). */
export type RegistryRecord =
  | { readonly key: Extract<RegistryKey, { keytype: 'SCHEMA' }>; readonly value: SchemaValue | null }
  | { readonly key: Extract<RegistryKey, { keytype: 'CONFIG' }>; readonly value: ConfigValue | null }
  | { readonly key: Extract<RegistryKey, { keytype: 'MODE' }>; readonly value: { readonly mode: ModeName } | null }
  | { readonly key: Extract<RegistryKey, { keytype: 'DELETE_SUBJECT' }>; readonly value: { readonly subject: string; readonly version: number } | null }
  | { readonly key: Extract<RegistryKey, { keytype: 'CLEAR_SUBJECT' | 'NOOP' }>; readonly value: null };

/** Confluent's key magic: 1 for schema keys, 0 for the others. */
export function encodeKey(key: RegistryKey): string {
  switch (key.keytype) {
    case 'SCHEMA': return JSON.stringify({ keytype: 'SCHEMA', subject: key.subject, version: key.version, magic: 1 });
    case 'NOOP': return JSON.stringify({ keytype: 'NOOP', magic: 0 });
    default: return JSON.stringify({ keytype: key.keytype, subject: key.subject, magic: 0 });
  }
}

/** The value's JSON, or null for a tombstone. Confluent leaves schemaType out for AVRO, its default. */
export function encodeValue(record: RegistryRecord): string | null {
  if (record.value === null) return null;
  switch (record.key.keytype) {
    case 'SCHEMA': {
      const v = record.value as SchemaValue;
      return JSON.stringify({
        subject: v.subject, version: v.version, id: v.id, ...(v.schemaType === 'AVRO' ? {} : { schemaType: v.schemaType }),
        schema: v.schema, references: v.references, deleted: v.deleted,
      });
    }
    case 'CONFIG': {
      const v = record.value as ConfigValue;
      return JSON.stringify({
        ...(record.key.subject === null ? {} : { subject: record.key.subject }),
        ...(v.compatibilityLevel === null ? {} : { compatibilityLevel: v.compatibilityLevel }),
        ...(v.normalize === null ? {} : { normalize: v.normalize }),
      });
    }
    default: return JSON.stringify(record.value);
  }
}

function objectOf(text: string): Record<string, unknown> | null {
  const parsed = JSON.parse(text) as unknown;
  return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? parsed as Record<string, unknown> : null;
}

const SCHEMA_TYPES: readonly string[] = ['AVRO', 'JSON', 'PROTOBUF'];

function referencesOf(value: unknown): SchemaReference[] {
  if (!Array.isArray(value)) return [];
  return value.filter((r): r is SchemaReference => typeof r === 'object' && r !== null
    && typeof (r as SchemaReference).name === 'string' && typeof (r as SchemaReference).subject === 'string'
    && typeof (r as SchemaReference).version === 'number')
    .map((r) => ({ name: r.name, subject: r.subject, version: r.version }));
}

/**
 * Decodes a record read from `_schemas`; null for a record this registry does not understand (a
 * newer Confluent's key types, garbage), which replay skips as Confluent's reader skips what it
 * cannot deserialize. Unknown fields (metadata, ruleSet, ts, ...) are ignored.
 */
export function decodeRecord(keyBytes: Buffer | null, valueBytes: Buffer | null): RegistryRecord | null {
  if (keyBytes === null) return null;
  try {
    const key = objectOf(keyBytes.toString('utf8'));
    if (key === null) return null;
    const value = valueBytes === null ? null : objectOf(valueBytes.toString('utf8'));
    const subject = key.subject;
    switch (key.keytype) {
      case 'SCHEMA': {
        if (typeof subject !== 'string' || typeof key.version !== 'number') return null;
        const k = { keytype: 'SCHEMA', subject, version: key.version } as const;
        if (value === null) return { key: k, value: null };
        if (typeof value.id !== 'number' || typeof value.schema !== 'string') return null;
        const type = typeof value.schemaType === 'string' && SCHEMA_TYPES.includes(value.schemaType) ? value.schemaType as SchemaTypeName : 'AVRO';
        return {
          key: k,
          value: { subject, version: key.version, id: value.id, schemaType: type, schema: value.schema, references: referencesOf(value.references), deleted: value.deleted === true },
        };
      }
      case 'CONFIG': {
        if (typeof subject !== 'string' && subject !== null && subject !== undefined) return null;
        // The global config: subject null (Confluent, Karapace), or left out as empty.
        const k = { keytype: 'CONFIG', subject: subject || null } as const;
        if (value === null) return { key: k, value: null };
        return {
          key: k,
          value: {
            compatibilityLevel: parseCompatibilityLevel(value.compatibilityLevel) ?? null,
            normalize: typeof value.normalize === 'boolean' ? value.normalize : null,
          },
        };
      }
      case 'MODE': {
        if (typeof subject !== 'string' && subject !== null && subject !== undefined) return null;
        const k = { keytype: 'MODE', subject: subject || null } as const;
        if (value === null) return { key: k, value: null };
        return (MODES as readonly string[]).includes(String(value.mode)) ? { key: k, value: { mode: value.mode as ModeName } } : null;
      }
      case 'DELETE_SUBJECT': {
        if (typeof subject !== 'string') return null;
        const k = { keytype: 'DELETE_SUBJECT', subject } as const;
        if (value === null) return { key: k, value: null };
        return typeof value.version === 'number' ? { key: k, value: { subject, version: value.version } } : null;
      }
      case 'CLEAR_SUBJECT':
        return typeof subject === 'string' ? { key: { keytype: 'CLEAR_SUBJECT', subject }, value: null } : null;
      case 'NOOP':
        return { key: { keytype: 'NOOP' }, value: null };
      default:
        return null;
    }
  } catch {
    return null;
  }
}
