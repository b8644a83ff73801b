import { badRequest } from './http-errors.ts';

/**
 * Reads a JSON body's object field by field: a missing, mistyped or unexpected field is a 400 that
 * names it (`where` says where it is, e.g. "body.headers[2]"), so a script sees what to fix.
 */
export class Fields {
  readonly #value: Readonly<Record<string, unknown>>;
  readonly #where: string;
  readonly #read = new Set<string>();

  constructor(value: unknown, where = 'body') {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw badRequest(`${where} must be a JSON object`);
    this.#value = value as Record<string, unknown>;
    this.#where = where;
  }

  #get(name: string): unknown {
    this.#read.add(name);
    return this.#value[name];
  }

  #path(name: string): string {
    return `${this.#where}.${name}`;
  }

  has(name: string): boolean {
    return this.#value[name] !== undefined;
  }

  optionalString(name: string, { allowEmpty = true, maxLength = 1_048_576 } = {}): string | undefined {
    const value = this.#get(name);
    if (value === undefined) return undefined;
    if (typeof value !== 'string') throw badRequest(`${this.#path(name)} must be a string`);
    if (!allowEmpty && value === '') throw badRequest(`${this.#path(name)} must not be empty`);
    if (value.length > maxLength) throw badRequest(`${this.#path(name)} is longer than ${maxLength} characters`);
    return value;
  }

  string(name: string, options: { allowEmpty?: boolean; maxLength?: number } = {}): string {
    const value = this.optionalString(name, { allowEmpty: false, ...options });
    if (value === undefined) throw badRequest(`${this.#path(name)} is required`);
    return value;
  }

  /** A string or null; undefined when absent. */
  nullableString(name: string): string | null | undefined {
    if (this.#value[name] === null) {
      this.#read.add(name);
      return null;
    }
    return this.optionalString(name);
  }

  optionalInt(name: string, { min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER } = {}): number | undefined {
    const value = this.#get(name);
    if (value === undefined) return undefined;
    if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw badRequest(`${this.#path(name)} must be an integer`);
    if (value < min || value > max) throw badRequest(`${this.#path(name)} must be between ${min} and ${max}, not ${value}`);
    return value;
  }

  int(name: string, range: { min?: number; max?: number } = {}): number {
    const value = this.optionalInt(name, range);
    if (value === undefined) throw badRequest(`${this.#path(name)} is required`);
    return value;
  }

  optionalBoolean(name: string): boolean | undefined {
    const value = this.#get(name);
    if (value === undefined) return undefined;
    if (typeof value !== 'boolean') throw badRequest(`${this.#path(name)} must be true or false`);
    return value;
  }

  boolean(name: string): boolean {
    const value = this.optionalBoolean(name);
    if (value === undefined) throw badRequest(`${this.#path(name)} is required`);
    return value;
  }

  optionalOneOf<T extends string>(name: string, allowed: readonly T[]): T | undefined {
    const value = this.optionalString(name);
    if (value === undefined) return undefined;
    if (!(allowed as readonly string[]).includes(value)) throw badRequest(`${this.#path(name)} must be one of ${allowed.join(', ')}, not '${value}'`);
    return value as T;
  }

  oneOf<T extends string>(name: string, allowed: readonly T[]): T {
    const value = this.optionalOneOf(name, allowed);
    if (value === undefined) throw badRequest(`${this.#path(name)} is required (one of ${allowed.join(', ')})`);
    return value;
  }

  /** Each element read by `each` (with its own path); at most `maxItems`. */
  optionalArray<T>(name: string, each: (item: unknown, where: string) => T, { maxItems = 10_000 } = {}): T[] | undefined {
    const value = this.#get(name);
    if (value === undefined) return undefined;
    if (!Array.isArray(value)) throw badRequest(`${this.#path(name)} must be an array`);
    if (value.length > maxItems) throw badRequest(`${this.#path(name)} has more than ${maxItems} items`);
    return value.map((item, i) => each(item, `${this.#path(name)}[${i}]`));
  }

  array<T>(name: string, each: (item: unknown, where: string) => T, options: { maxItems?: number } = {}): T[] {
    const value = this.optionalArray(name, each, options);
    if (value === undefined) throw badRequest(`${this.#path(name)} is required`);
    return value;
  }

  /** An object of string values (topic configs). */
  optionalStringRecord(name: string): Record<string, string> | undefined {
    const value = this.#get(name);
    if (value === undefined) return undefined;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw badRequest(`${this.#path(name)} must be an object of strings`);
    const out: Record<string, string> = {};
    for (const [key, item] of Object.entries(value)) {
      if (typeof item !== 'string') throw badRequest(`${this.#path(name)}.${key} must be a string`);
      out[key] = item;
    }
    return out;
  }

  object(name: string): Fields {
    const value = this.#get(name);
    if (value === undefined) throw badRequest(`${this.#path(name)} is required`);
    return new Fields(value, this.#path(name));
  }

  /** Fails on a field no read asked for: a misspelt option must not be silently ignored. */
  done(): void {
    const unknown = Object.keys(this.#value).filter((key) => !this.#read.has(key));
    if (unknown.length > 0) throw badRequest(`${this.#where} has unknown field${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `'${k}'`).join(', ')}`);
  }
}

/** Query parameters, read as Fields reads a body: the parameter's name in every error. */
export class QueryParams {
  readonly #params: URLSearchParams;

  constructor(params: URLSearchParams) {
    this.#params = params;
  }

  string(name: string): string | undefined {
    const value = this.#params.get(name);
    return value === null ? undefined : value;
  }

  int(name: string, { min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER } = {}): number | undefined {
    const text = this.string(name);
    if (text === undefined || text === '') return undefined;
    const value = Number(text);
    if (!/^-?\d+$/.test(text.trim()) || !Number.isSafeInteger(value)) throw badRequest(`query parameter ${name} must be an integer, not '${text}'`);
    if (value < min || value > max) throw badRequest(`query parameter ${name} must be between ${min} and ${max}, not ${value}`);
    return value;
  }

  boolean(name: string): boolean | undefined {
    const text = this.string(name);
    if (text === undefined || text === '') return undefined;
    if (text !== 'true' && text !== 'false') throw badRequest(`query parameter ${name} must be true or false, not '${text}'`);
    return text === 'true';
  }

  oneOf<T extends string>(name: string, allowed: readonly T[]): T | undefined {
    const text = this.string(name);
    if (text === undefined || text === '') return undefined;
    if (!(allowed as readonly string[]).includes(text)) throw badRequest(`query parameter ${name} must be one of ${allowed.join(', ')}, not '${text}'`);
    return text as T;
  }
}
