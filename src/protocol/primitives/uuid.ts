import { randomBytes } from 'node:crypto';

/**
 * Kafka shows a UUID as the URL-safe base64 of its 16 bytes without padding (22 characters), as
 * Uuid.toString() does; that is the form our messages carry, so topic ids print like Kafka's tools.
 */

export const UUID_BYTES = 16;
export const ZERO_UUID = 'AAAAAAAAAAAAAAAAAAAAAA';

const UUID_PATTERN = /^[A-Za-z0-9_-]{21}[AQgw]$/;

export function uuidFromBytes(bytes: Uint8Array): string {
  if (bytes.length !== UUID_BYTES) throw new Error(`a uuid has 16 bytes, got ${bytes.length}`);
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url');
}

export function isUuid(value: string): boolean {
  return UUID_PATTERN.test(value);
}

/** The 16 bytes of a uuid string; throws a plain Error on a malformed string (a programming error). */
export function uuidToBytes(value: string): Buffer {
  if (!isUuid(value)) throw new Error(`not a uuid: ${JSON.stringify(value)}`);
  return Buffer.from(value, 'base64url');
}

/**
 * A random version-4 uuid. Like Kafka's Uuid.randomUuid(), it never returns the all-zero uuid nor one
 * whose display form starts with '-' (which command-line tools would take for an option).
 */
export function randomUuid(random: (size: number) => Uint8Array = randomBytes): string {
  for (;;) {
    const bytes = Buffer.from(random(UUID_BYTES));
    bytes[6] = (bytes[6]! & 0x0f) | 0x40;
    bytes[8] = (bytes[8]! & 0x3f) | 0x80;
    const text = bytes.toString('base64url');
    if (text !== ZERO_UUID && !text.startsWith('-')) return text;
  }
}
