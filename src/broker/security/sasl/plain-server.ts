import { timingSafeEqual, createHash } from 'node:crypto';
import { parsePlainMessage } from '../../../protocol/sasl/plain.ts';
import { parseSingleJaasConfigEntry, plainUsersFromJaasOptions } from '../../../protocol/sasl/jaas-config.ts';
import { SaslMessageError } from '../../../protocol/sasl/sasl-message-error.ts';
import { SaslAuthenticationError, invalidCredentials, type SaslServer, type SaslServerContext } from './sasl-server-types.ts';

export const PLAIN_MECHANISM = 'PLAIN';

/**
 * PLAIN's users from a listener's `plain.sasl.jaas.config` (PlainLoginModule with
 * `user_<name>="<password>"` options), as Kafka's PlainServerCallbackHandler reads them.
 */
export function plainUsersFromJaasConfig(jaasConfig: string): Map<string, string> {
  return plainUsersFromJaasOptions(parseSingleJaasConfigEntry(jaasConfig).options);
}

/**
 * Equal passwords, compared in constant time: both sides are hashed first so that neither the
 * length nor a common prefix shows in the time the comparison takes.
 */
function passwordsEqual(expected: string, given: string): boolean {
  const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();
  return timingSafeEqual(digest(expected), digest(given));
}

/**
 * Kafka's PlainSaslServer: one message, checked against the configured users. Its refusals are
 * SaslAuthenticationExceptions in Kafka, so the client reads Kafka's exact text.
 */
export class PlainSaslServer implements SaslServer {
  readonly mechanism = PLAIN_MECHANISM;
  #complete = false;
  #authorizationId: string | undefined;
  readonly #users: ReadonlyMap<string, string>;
  readonly #context: SaslServerContext;

  constructor(users: ReadonlyMap<string, string>, context: SaslServerContext) {
    this.#users = users;
    this.#context = context;
  }

  get complete(): boolean {
    return this.#complete;
  }

  async evaluateResponse(response: Buffer): Promise<Buffer> {
    if (this.#complete) throw invalidCredentials(this.#context, 'SASL/PLAIN received a message after it completed');
    let message;
    try {
      message = parsePlainMessage(response);
    } catch (error) {
      if (error instanceof SaslMessageError) throw new SaslAuthenticationError(error.message);
      throw error;
    }
    const { authorizationId, username, password } = message;
    if (username === '') throw new SaslAuthenticationError('Authentication failed: username not specified');
    if (password === '') throw new SaslAuthenticationError('Authentication failed: password not specified');
    const expected = this.#users.get(username);
    // An unknown user is checked against a dummy password, so both refusals take the same time.
    const matches = passwordsEqual(expected ?? '\u0000unknown user', password) && expected !== undefined;
    if (!matches) {
      throw new SaslAuthenticationError(
        'Authentication failed: Invalid username or password',
        `SASL/PLAIN: ${expected === undefined ? 'unknown user' : 'wrong password for user'} ${username}`,
      );
    }
    if (authorizationId !== '' && authorizationId !== username) {
      throw new SaslAuthenticationError('Authentication failed: Client requested an authorization id that is different from username');
    }
    this.#authorizationId = username;
    this.#complete = true;
    return Buffer.alloc(0);
  }

  authorizationId(): string {
    if (!this.#complete || this.#authorizationId === undefined) throw new Error('Authentication exchange has not completed');
    return this.#authorizationId;
  }
}
