import { createHash, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';

/**
 * HTTP Basic authentication from a --basic-auth-file: one `user:password` a line, or
 * `user:sha256:HEX` with the SHA-256 of the password in hex (so the file need not hold the
 * password itself); blank lines and lines starting with # are skipped. The password is what
 * follows the first colon, so it may hold colons itself.
 */
export class BasicAuth {
  /** SHA-256 of each user's password: every check compares two digests of one length in constant time. */
  readonly #digests: ReadonlyMap<string, Buffer>;
  /** Compared against when the user is unknown, so an unknown user takes as long as a wrong password. */
  readonly #dummy = createHash('sha256').update('samsa-console-unknown-user').digest();

  constructor(users: ReadonlyMap<string, Buffer>) {
    this.#digests = users;
  }

  static parse(text: string, file = 'the basic auth file'): BasicAuth {
    const users = new Map<string, Buffer>();
    for (const [i, raw] of text.split(/\r?\n/).entries()) {
      const line = raw.trim();
      if (line === '' || line.startsWith('#')) continue;
      const colon = line.indexOf(':');
      if (colon <= 0 || colon === line.length - 1) throw new Error(`${file} line ${i + 1}: expected user:password or user:sha256:HEX`);
      const user = line.slice(0, colon);
      const secret = line.slice(colon + 1);
      const hashed = /^sha256:([0-9a-fA-F]{64})$/.exec(secret);
      users.set(user, hashed !== null ? Buffer.from(hashed[1]!, 'hex') : sha256(secret));
    }
    if (users.size === 0) throw new Error(`${file} names no user`);
    return new BasicAuth(users);
  }

  static async fromFile(file: string): Promise<BasicAuth> {
    return BasicAuth.parse(await readFile(file, 'utf8'), file);
  }

  /** Whether an Authorization header carries a known user and that user's password. */
  check(authorization: string | undefined): boolean {
    const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(authorization ?? '');
    if (match === null) return false;
    const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return false;
    const expected = this.#digests.get(decoded.slice(0, colon));
    const same = timingSafeEqual(sha256(decoded.slice(colon + 1)), expected ?? this.#dummy);
    return same && expected !== undefined;
  }
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

export const BASIC_AUTH_CHALLENGE = 'Basic realm="Samsa console", charset="UTF-8"';
