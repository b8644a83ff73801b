import type { AvroTypeView } from './avro-reader.ts';

/**
 * What the compiled Avro reader and writer share in making their JavaScript: values that are not
 * code (record constructors, defaults, enum symbols) passed in as arguments `k<n>` rather than
 * written into the source, fresh local names, one function per named record (made once, so a
 * recursive schema calls it again), and the `new Function` that binds it all.
 */
export class GeneratedSource {
  readonly #constants: unknown[] = [];
  readonly #recordFunctions = new Map<AvroTypeView, string>();
  readonly #functions: string[] = [];
  #names = 0;

  /** The argument name under which `value` reaches the generated code. */
  constant(value: unknown): string {
    this.#constants.push(value);
    return `k${this.#constants.length - 1}`;
  }

  /** A local name not used before in this source. */
  name(prefix: string): string {
    return `${prefix}${this.#names++}`;
  }

  /** The name of `type`'s function, its source written by `write` the first time (the name is known first, for recursion). */
  recordFunction(type: AvroTypeView, prefix: string, write: (name: string) => string[]): string {
    const existing = this.#recordFunctions.get(type);
    if (existing !== undefined) return existing;
    const name = this.name(prefix);
    this.#recordFunctions.set(type, name);
    this.#functions.push(write(name).join('\n'));
    return name;
  }

  /** The function `entry` returns, the record functions and `helpers` (by name) in its scope. */
  build<T>(entry: readonly string[], helpers: Readonly<Record<string, unknown>>): T {
    const source = [...this.#functions, ...entry].join('\n');
    const names = [...Object.keys(helpers), ...this.#constants.map((_, i) => `k${i}`)];
    return new Function(...names, source)(...Object.values(helpers), ...this.#constants) as T;
  }
}
