/** Checked reading of the JSON in Kafka's znodes: each helper throws ZkDataError naming what is wrong. */
export class ZkDataError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ZkDataError';
  }
}

export type JsonObject = Readonly<Record<string, unknown>>;

export function json(bytes: Buffer, what: string): unknown {
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    throw new ZkDataError(`${what} is not JSON: ${JSON.stringify(bytes.toString('utf8').slice(0, 200))}`, { cause: error });
  }
}

export function object(value: unknown, what: string): JsonObject {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ZkDataError(`${what} is not a JSON object`);
  return value as JsonObject;
}

export function field(node: JsonObject, key: string, what: string): unknown {
  if (!Object.hasOwn(node, key)) throw new ZkDataError(`${what} has no "${key}"`);
  return node[key];
}

/** The field read with `read`, or undefined when the object does not have it. */
export function optional<T>(node: JsonObject, key: string, read: (value: unknown) => T): T | undefined {
  return Object.hasOwn(node, key) ? read(node[key]) : undefined;
}

/** A 32-bit integer, as Kafka's ids, epochs and ports are. */
export function int(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < -0x8000_0000 || value > 0x7fff_ffff) {
    throw new ZkDataError(`${what} is not a 32-bit integer: ${JSON.stringify(value)}`);
  }
  return value;
}

export function string(value: unknown, what: string): string {
  if (typeof value !== 'string') throw new ZkDataError(`${what} is not a string: ${JSON.stringify(value)}`);
  return value;
}

export function arrayOf<T>(value: unknown, what: string, read: (item: unknown) => T): T[] {
  if (!Array.isArray(value)) throw new ZkDataError(`${what} is not an array`);
  return value.map(read);
}
