/**
 * Building blocks for config tables: one definition per Kafka config key, with its type (as
 * DescribeConfigs reports it), default, one line of documentation, and a parser that validates and
 * converts a raw value. A table entry reads `doc(long(60000, 0), 'What it does.')`.
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
  /** One line on what the config does, in our own words; DescribeConfigs (v3+) answers it. */
  readonly documentation: string;
  /**
   * Why a key is accepted but has no effect in Samsa today (a thread pool the broker does not have,
   * a feature not built yet). The broker warns at start about each such key that was set.
   */
  readonly ignoredBecause?: string;
}

/** What the type builders below return; `doc` completes it. */
export type UndocumentedDefinition<T> = Omit<ConfigDefinition<T>, 'documentation'>;

/** A definition with its one-line documentation. */
export function doc<T>(definition: UndocumentedDefinition<T>, documentation: string): ConfigDefinition<T> {
  return Object.freeze({ ...definition, documentation });
}

/**
 * A config Samsa validates and keeps but does not act on yet; `because` says why, for the warning
 * at start. Its value stays typed, so the code that comes to use it needs only to drop this mark.
 */
export function withoutEffect<T>(definition: ConfigDefinition<T>, because: string): ConfigDefinition<T> {
  return Object.freeze({ ...definition, ignoredBecause: because });
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

export function int(defaultValue: number, min?: number, max?: number): UndocumentedDefinition<number> {
  return {
    type: 'INT',
    defaultValue,
    parse: (raw, key) => checkRange(key, parseInteger(raw, key, INT_MIN, INT_MAX), min, max),
  };
}

export function nullableInt(min?: number): UndocumentedDefinition<number | null> {
  return {
    type: 'INT',
    defaultValue: null,
    parse: (raw, key) => (raw === null ? null : checkRange(key, parseInteger(raw, key, INT_MIN, INT_MAX), min, undefined)),
  };
}

export function long(defaultValue: number, min?: number, max?: number): UndocumentedDefinition<number> {
  return {
    type: 'LONG',
    defaultValue,
    parse: (raw, key) => checkRange(key, parseInteger(raw, key, -LONG_MAX, LONG_MAX), min, max),
  };
}

export function nullableLong(min?: number): UndocumentedDefinition<number | null> {
  return {
    type: 'LONG',
    defaultValue: null,
    parse: (raw, key) => (raw === null ? null : checkRange(key, parseInteger(raw, key, -LONG_MAX, LONG_MAX), min, undefined)),
  };
}

export function double(defaultValue: number, min?: number, max?: number): UndocumentedDefinition<number> {
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

export function bool(defaultValue: boolean): UndocumentedDefinition<boolean> {
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
export function str<T extends string>(defaultValue: T, allowed?: readonly T[]): UndocumentedDefinition<T> {
  return {
    type: 'STRING',
    defaultValue,
    parse: (raw, key) => {
      const text = asText(raw, key);
      return allowed === undefined ? text as T : oneOf(text, allowed, key);
    },
  };
}

function oneOf<T extends string>(text: string, allowed: readonly T[], key: string): T {
  const match = allowed.find((a) => a.toLowerCase() === text.toLowerCase());
  if (match === undefined) throw new ConfigError(key, `"${text}" is not one of ${allowed.join(', ')}`);
  return match;
}

/** A setting unset (null) by default, where an empty value also means unset; `check` takes any other text. */
function nullableText<T extends string>(type: 'STRING' | 'CLASS', check: (text: string, key: string) => T): UndocumentedDefinition<T | null> {
  return {
    type,
    defaultValue: null,
    parse: (raw, key) => {
      if (raw === null) return null;
      const text = asText(raw, key);
      return text === '' ? null : check(text, key);
    },
  };
}

/** A string, unset by default; with `allowed`, one of them (matched case-insensitively) or unset. */
export function nullableStr<T extends string = string>(allowed?: readonly T[]): UndocumentedDefinition<T | null> {
  return nullableText('STRING', (text, key) => (allowed === undefined ? text as T : oneOf(text, allowed, key)));
}

/**
 * A Java class name, unset by default. Kafka fails to start on a class it cannot load; Samsa has
 * its own versions of a few of Kafka's classes, and `allowed` names them.
 */
export function nullableClass(allowed: readonly string[]): UndocumentedDefinition<string | null> {
  return nullableText('CLASS', (text, key) => {
    if (!allowed.includes(text)) throw new ConfigError(key, `class ${text} is not one Samsa has (${allowed.join(', ')})`);
    return text;
  });
}

/** A comma-separated list; `allowed` restricts the items. */
export function list(defaultValue: readonly string[], allowed?: readonly string[], nonEmpty = false): UndocumentedDefinition<readonly string[]> {
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

/** A Kafka config Samsa has no use for, accepted so stock Kafka config files load; kept as text. */
export function ignored(type: ConfigType, defaultValue: string | null, because: string): UndocumentedDefinition<string | null> {
  return {
    type,
    defaultValue,
    ignoredBecause: because,
    parse: (raw, key) => (raw === null ? null : asText(raw, key)),
  };
}

/** A secret (a password, a PEM key): typed PASSWORD, so DescribeConfigs and the logs never show it. */
export function nullablePassword(): UndocumentedDefinition<string | null> {
  return { ...nullableStr(), type: 'PASSWORD' };
}

/** Where an HTTP listener binds: `http://host:port` (port 0: any free port; an empty host: every interface). */
export interface HttpEndpoint {
  readonly host: string;
  readonly port: number;
}

/** Parses `http://host:port`; throws ConfigError naming `key`. */
export function parseHttpListener(value: string, key: string): HttpEndpoint {
  const match = /^http:\/\/(\[[0-9a-fA-F:.]+\]|[^:/[\]]*):(\d{1,5})\/?$/.exec(value.trim());
  if (match === null) throw new ConfigError(key, `"${value}" is not http://host:port (as http://127.0.0.1:9404)`);
  const port = Number(match[2]);
  if (port > 65535) throw new ConfigError(key, `port ${port} is above 65535`);
  // node:http takes an IPv6 host without its brackets.
  return { host: match[1]!.replace(/^\[(.*)\]$/, '$1'), port };
}

/** An HTTP listener as `http://host:port`, unset (null) by default; kept as given once it parses. */
export function nullableHttpListener(): UndocumentedDefinition<string | null> {
  return nullableText('STRING', (text, key) => {
    parseHttpListener(text, key);
    return text;
  });
}
