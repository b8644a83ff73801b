import { createHash, createHmac, pbkdf2, pbkdf2Sync, randomBytes as cryptoRandomBytes } from 'node:crypto';

/**
 * SCRAM's formulas (RFC 5802 section 3, RFC 7677) for Kafka's two mechanisms, and Kafka's stored
 * form of a password: ScramCredential {salt, storedKey, serverKey, iterations}. The broker keeps
 * only that; it can check a client's proof and sign its answer, but not log in as the user.
 *
 *   SaltedPassword  = Hi(password, salt, i)            (PBKDF2 with the mechanism's HMAC)
 *   ClientKey       = HMAC(SaltedPassword, "Client Key")
 *   StoredKey       = H(ClientKey)
 *   ServerKey       = HMAC(SaltedPassword, "Server Key")
 *   AuthMessage     = client-first-bare "," server-first "," client-final-without-proof
 *   ClientSignature = HMAC(StoredKey, AuthMessage)
 *   ClientProof     = ClientKey XOR ClientSignature
 *   ServerSignature = HMAC(ServerKey, AuthMessage)
 *
 * Passwords are UTF-8 bytes as Kafka's ScramFormatter.normalize makes them (no SASLprep).
 */

export type ScramMechanismName = 'SCRAM-SHA-256' | 'SCRAM-SHA-512';

/** Kafka's ScramMechanism enum. */
export interface ScramMechanism {
  readonly mechanismName: ScramMechanismName;
  /** The type code UserScramCredentials APIs carry (1 = SHA-256, 2 = SHA-512). */
  readonly type: number;
  /** node:crypto's digest name. */
  readonly hashAlgorithm: 'sha256' | 'sha512';
  readonly digestBytes: number;
  readonly minIterations: number;
  readonly maxIterations: number;
}

export const SCRAM_SHA_256: ScramMechanism = Object.freeze({
  mechanismName: 'SCRAM-SHA-256',
  type: 1,
  hashAlgorithm: 'sha256',
  digestBytes: 32,
  minIterations: 4096,
  maxIterations: 16384,
});

export const SCRAM_SHA_512: ScramMechanism = Object.freeze({
  mechanismName: 'SCRAM-SHA-512',
  type: 2,
  hashAlgorithm: 'sha512',
  digestBytes: 64,
  minIterations: 4096,
  maxIterations: 16384,
});

export const SCRAM_MECHANISMS: readonly ScramMechanism[] = Object.freeze([SCRAM_SHA_256, SCRAM_SHA_512]);

/** The mechanism by its SASL name, undefined when it is not SCRAM (Kafka's forMechanismName). */
export function scramMechanism(mechanismName: string): ScramMechanism | undefined {
  return SCRAM_MECHANISMS.find((mechanism) => mechanism.mechanismName === mechanismName);
}

/** The mechanism by its UserScramCredentials type code. */
export function scramMechanismOfType(type: number): ScramMechanism | undefined {
  return SCRAM_MECHANISMS.find((mechanism) => mechanism.type === type);
}

export function isScramMechanism(mechanismName: string): mechanismName is ScramMechanismName {
  return scramMechanism(mechanismName) !== undefined;
}

/** Kafka's ScramCredential: what the broker stores per user and mechanism. */
export interface ScramCredential {
  readonly salt: Buffer;
  readonly storedKey: Buffer;
  readonly serverKey: Buffer;
  readonly iterations: number;
}

export type RandomBytes = (size: number) => Buffer;

function hmac(mechanism: ScramMechanism, key: Buffer, data: Buffer | string): Buffer {
  return createHmac(mechanism.hashAlgorithm, key).update(data).digest();
}

function hash(mechanism: ScramMechanism, data: Buffer): Buffer {
  return createHash(mechanism.hashAlgorithm).update(data).digest();
}

export function xor(first: Buffer, second: Buffer): Buffer {
  if (first.length !== second.length) throw new RangeError('SCRAM xor of buffers of different lengths');
  const result = Buffer.allocUnsafe(first.length);
  for (let i = 0; i < first.length; i++) result[i] = first[i]! ^ second[i]!;
  return result;
}

/** Hi(password, salt, i): PBKDF2 with one block of the mechanism's digest length. */
export function saltedPassword(mechanism: ScramMechanism, password: string, salt: Buffer, iterations: number): Buffer {
  return pbkdf2Sync(Buffer.from(password, 'utf8'), salt, iterations, mechanism.digestBytes, mechanism.hashAlgorithm);
}

/** saltedPassword on libuv's thread pool, so a client's login does not stall its event loop. */
export function saltedPasswordAsync(mechanism: ScramMechanism, password: string, salt: Buffer, iterations: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    pbkdf2(Buffer.from(password, 'utf8'), salt, iterations, mechanism.digestBytes, mechanism.hashAlgorithm, (error, key) => {
      if (error !== null) reject(error);
      else resolve(key);
    });
  });
}

export function clientKey(mechanism: ScramMechanism, salted: Buffer): Buffer {
  return hmac(mechanism, salted, 'Client Key');
}

export function storedKey(mechanism: ScramMechanism, key: Buffer): Buffer {
  return hash(mechanism, key);
}

export function serverKey(mechanism: ScramMechanism, salted: Buffer): Buffer {
  return hmac(mechanism, salted, 'Server Key');
}

export function authMessage(clientFirstMessageBare: string, serverFirstMessage: string, clientFinalMessageWithoutProof: string): string {
  return `${clientFirstMessageBare},${serverFirstMessage},${clientFinalMessageWithoutProof}`;
}

export function clientSignature(mechanism: ScramMechanism, stored: Buffer, message: string): Buffer {
  return hmac(mechanism, stored, message);
}

export function clientProof(mechanism: ScramMechanism, salted: Buffer, message: string): Buffer {
  const key = clientKey(mechanism, salted);
  return xor(key, clientSignature(mechanism, storedKey(mechanism, key), message));
}

export function serverSignature(mechanism: ScramMechanism, key: Buffer, message: string): Buffer {
  return hmac(mechanism, key, message);
}

/**
 * The StoredKey a proof implies: H(ClientProof XOR ClientSignature). The server compares it with
 * the stored one; undefined when the proof has the wrong length (it cannot match).
 */
export function storedKeyFromProof(mechanism: ScramMechanism, stored: Buffer, message: string, proof: Buffer): Buffer | undefined {
  const signature = clientSignature(mechanism, stored, message);
  if (proof.length !== signature.length) return undefined;
  return hash(mechanism, xor(signature, proof));
}

/** The credential from an already salted password, as AlterUserScramCredentials carries it. */
export function scramCredentialFromSaltedPassword(mechanism: ScramMechanism, salt: Buffer, salted: Buffer, iterations: number): ScramCredential {
  return { salt, storedKey: storedKey(mechanism, clientKey(mechanism, salted)), serverKey: serverKey(mechanism, salted), iterations };
}

/**
 * Kafka's ScramFormatter.generateCredential: a fresh random salt unless one is given. Iterations
 * must be within the mechanism's [minIterations, maxIterations], as Kafka's tools require.
 */
export function scramCredential(
  mechanismOrName: ScramMechanism | string,
  password: string,
  salt: Buffer | undefined,
  iterations: number,
  randomBytes: RandomBytes = cryptoRandomBytes,
): ScramCredential {
  const mechanism = typeof mechanismOrName === 'string' ? scramMechanism(mechanismOrName) : mechanismOrName;
  if (mechanism === undefined) throw new RangeError(`Unsupported SCRAM mechanism ${String(mechanismOrName)}`);
  checkIterations(mechanism, iterations);
  const saltBytes = salt ?? randomBytes(32);
  return scramCredentialFromSaltedPassword(mechanism, saltBytes, saltedPassword(mechanism, password, saltBytes, iterations), iterations);
}

/** Kafka's messages for iterations out of range (UserScramCredentialsCommandUtils, ScramCredentialUtils). */
export function checkIterations(mechanism: ScramMechanism, iterations: number): void {
  if (!Number.isInteger(iterations) || iterations < mechanism.minIterations) {
    throw new RangeError(`Iterations ${iterations} is less than the minimum ${mechanism.minIterations} for ${mechanism.mechanismName}`);
  }
  if (iterations > mechanism.maxIterations) {
    throw new RangeError(`Iterations ${iterations} is more than the maximum ${mechanism.maxIterations} for ${mechanism.mechanismName}`);
  }
}

/** A nonce: printable, without ',' (base64url of 18 random bytes is 24 such characters). */
export function scramNonce(randomBytes: RandomBytes = cryptoRandomBytes): string {
  return randomBytes(18).toString('base64url');
}
