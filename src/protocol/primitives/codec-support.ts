import { DecodeError } from './decode-error.ts';

/**
 * Checks the generated codecs call. Encoding errors are programming errors (plain Error); a decoder
 * reports everything as DecodeError because its input comes from the network.
 */

export function assertEncodeVersion(message: string, minVersion: number, maxVersion: number, version: number): void {
  if (!Number.isInteger(version) || version < minVersion || version > maxVersion) {
    throw new Error(`${message} has no version ${version} (versions ${minVersion}-${maxVersion})`);
  }
}

export function assertDecodeVersion(message: string, minVersion: number, maxVersion: number, version: number): void {
  if (!Number.isInteger(version) || version < minVersion || version > maxVersion) {
    throw new DecodeError(`${message} has no version ${version} (versions ${minVersion}-${maxVersion})`);
  }
}

/** A value that may be null only in some versions of its field, written in one where it may not. */
export function nonNull<T>(value: T | null, field: string): T {
  if (value === null) throw new Error(`${field} is not nullable in this version`);
  return value;
}

export function fieldNotInVersion(field: string, version: number): Error {
  return new Error(`${field} has a non-default value but version ${version} does not have the field`);
}
