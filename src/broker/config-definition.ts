/**
 * Building blocks for config tables: one definition per Kafka config key, with its type (as
 * DescribeConfigs reports it), default, and a parser that validates and converts a raw value.
 */

/** A bad config key or value; `key` names the Kafka config (e.g. `log.segment.bytes`). */
export class ConfigError extends Error {
  readonly key: string;
  constructor(key: string, message: string) {
    super(`${key}: ${message}`);
    this.name = 'ConfigError';
    this.key = key;
  }
}

/** Kafka's ConfigDef types, as DescribeConfigs (v3+) names them. */
export type ConfigType = 'BOOLEAN' | 'STRING' | 'INT' | 'SHORT' | 'LONG' | 'DOUBLE' | 'LIST' | 'CLASS' | 'PASSWORD';

/** A value as callers may give it: strings from properties files, typed values from code. */
export type RawConfigValue = string | number | boolean | readonly string[] | null;

export interface ConfigDefinition<T> {
  readonly type: ConfigType;
  readonly defaultValue: T;
  /** Validates and converts; throws ConfigError naming `key`. */
  readonly parse: (raw: RawConfigValue, key: string) => T;
  /** Why a key is accepted but has no effect here (e.g. thread counts on a single event loop). */
  readonly ignoredBecause?: string;
}

export type ConfigValueOf<D> = D extends ConfigDefinition<infer T> ? T : never;

/** `log.segment.bytes` -> `logSegmentBytes`, as a type. */
export type CamelCase<S extends string> = S extends `${infer Head}.${infer Tail}`
  ? `${Head}${Capitalize<CamelCase<Tail>>}`
  : S;

export function camelCase(key: string): string {
  return key.replace(/\.([a-z0-9])/g, (_, letter: string) => letter.toUpperCase());
}

/** Kafka's Long.MAX_VALUE, spelled as users write it; above-safe values clamp to MAX_SAFE_INTEGER. */
export const LONG_MAX = Number.MAX_SAFE_INTEGER;
const INT_MIN = -2147483648;
const INT_MAX = 2147483647;

function asText(raw: RawConfigValue, key: string): string {
  if (raw === null) throw new ConfigError(key, 'a value is required');
  if (Array.isArray(raw)) return raw.join(',');
  return String(raw).trim();
}

function parseInteger(raw: RawConfigValue, key: string, min: number, max: number): number {
  const text = asText(raw, key);
  if (!/^[+-]?\d+$/.test(text)) throw new ConfigError(key, `expected an integer, got "${text}"`);
  const big = BigInt(text);
  if (big > BigInt(max)) {
    // Kafka users write 9223372036854775807 for "never"; JS numbers top out at 2^53-1.
    if (max === LONG_MAX && big <= 9223372036854775807n) return LONG_MAX;
    throw new ConfigError(key, `${text} is above the maximum ${max}`);
  }
  if (big < BigInt(min)) throw new ConfigError(key, `${text} is below the minimum ${min}`);
  return Number(big);
}

function checkRange(key: string, value: number, min: number | undefined, max: number | undefined): number {
  if (min !== undefined && value < min) throw new ConfigError(key, `${value} is below the minimum ${min}`);
  if (max !== undefined && value > max) throw new ConfigError(key, `${value} is above the maximum ${max}`);
  return value;
}

export function int(defaultValue: number, min?: number, max?: number): ConfigDefinition<number> {
  return {
    type: 'INT',
    defaultValue,
    parse: (raw, key) => checkRange(key, parseInteger(raw, key, INT_MIN, INT_MAX), min, max),
  };
}

export function nullableInt(min?: number): ConfigDefinition<number | null> {
  return {
    type: 'INT',
    defaultValue: null,
    parse: (raw, key) => (raw === null ? null : checkRange(key, parseInteger(raw, key, INT_MIN, INT_MAX), min, undefined)),
  };
}

export function long(defaultValue: number, min?: number, max?: number): ConfigDefinition<number> {
  return {
    type: 'LONG',
    defaultValue,
    parse: (raw, key) => checkRange(key, parseInteger(raw, key, -LONG_MAX, LONG_MAX), min, max),
  };
}

export function nullableLong(min?: number): ConfigDefinition<number | null> {
  return {
    type: 'LONG',
    defaultValue: null,
    parse: (raw, key) => (raw === null ? null : checkRange(key, parseInteger(raw, key, -LONG_MAX, LONG_MAX), min, undefined)),
  };
}

export function double(defaultValue: number, min?: number, max?: number): ConfigDefinition<number> {
  return {
    type: 'DOUBLE',
    defaultValue,
    parse: (raw, key) => {
      const text = asText(raw, key);
      const value = Number(text);
      if (text === '' || !Number.isFinite(value)) throw new ConfigError(key, `expected a number, got "${text}"`);
      return checkRange(key, value, min, max);
    },
  };
}

export function bool(defaultValue: boolean): ConfigDefinition<boolean> {
  return {
    type: 'BOOLEAN',
    defaultValue,
    parse: (raw, key) => {
      const text = asText(raw, key).toLowerCase();
      if (text === 'true') return true;
      if (text === 'false') return false;
      throw new ConfigError(key, `expected true or false, got "${text}"`);
    },
  };
}

/** A string, optionally one of `allowed` (matched case-insensitively, returned as spelled in `allowed`). */
export function str<T extends string>(defaultValue: T, allowed?: readonly T[]): ConfigDefinition<T> {
  return {
    type: 'STRING',
    defaultValue,
    parse: (raw, key) => {
      const text = asText(raw, key);
      if (allowed === undefined) return text as T;
      const match = allowed.find((a) => a.toLowerCase() === text.toLowerCase());
      if (match === undefined) throw new ConfigError(key, `"${text}" is not one of ${allowed.join(', ')}`);
      return match;
    },
  };
}

export function nullableStr(): ConfigDefinition<string | null> {
  return {
    type: 'STRING',
    defaultValue: null,
    parse: (raw, key) => {
      if (raw === null) return null;
      const text = asText(raw, key);
      return text === '' ? null : text;
    },
  };
}

/** A comma-separated list; `allowed` restricts the items. */
export function list(defaultValue: readonly string[], allowed?: readonly string[], nonEmpty = false): ConfigDefinition<readonly string[]> {
  return {
    type: 'LIST',
    defaultValue,
    parse: (raw, key) => {
      const items = Array.isArray(raw)
        ? raw.map((item) => String(item).trim())
        : asText(raw, key).split(',').map((item) => item.trim());
      const values = Object.freeze(items.filter((item) => item !== ''));
      if (nonEmpty && values.length === 0) throw new ConfigError(key, 'must not be empty');
      for (const value of values) {
        if (allowed !== undefined && !allowed.includes(value)) {
          throw new ConfigError(key, `"${value}" is not one of ${allowed.join(', ')}`);
        }
      }
      return values;
    },
  };
}

/** Accepted so stock Kafka config files load; the value is kept as text and has no effect. */
export function ignored(type: ConfigType, defaultValue: string | null, because: string): ConfigDefinition<string | null> {
  return {
    type,
    defaultValue,
    ignoredBecause: because,
    parse: (raw, key) => (raw === null ? null : asText(raw, key)),
  };
}
