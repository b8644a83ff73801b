import { encodePlainMessage } from '../../protocol/sasl/plain.ts';
import type { SaslClient } from './sasl-client-types.ts';

/** SASL/PLAIN: the username and password in one message; done once the server accepts it. */
export class PlainSaslClient implements SaslClient {
  readonly mechanism = 'PLAIN';
  readonly #username: string;
  readonly #password: string;
  #sent = false;

  constructor(username: string, password: string) {
    this.#username = username;
    this.#password = password;
  }

  get complete(): boolean {
    return this.#sent;
  }

  async initialResponse(): Promise<Buffer> {
    this.#sent = true;
    return encodePlainMessage({ username: this.#username, password: this.#password });
  }

  async evaluateChallenge(): Promise<Buffer | null> {
    return null;
  }
}
