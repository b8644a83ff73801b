import { randomBytes as cryptoRandomBytes, timingSafeEqual } from 'node:crypto';
import {
  encodeScramClientFinalMessage,
  encodeScramClientFinalMessageWithoutProof,
  encodeScramClientFirstMessage,
  parseScramServerFinalMessage,
  parseScramServerFirstMessage,
  scramSaslName,
} from '../../protocol/sasl/scram-messages.ts';
import {
  authMessage,
  clientProof,
  saltedPasswordAsync,
  scramNonce,
  serverKey,
  serverSignature,
  type RandomBytes,
  type ScramMechanism,
} from '../../protocol/sasl/scram.ts';
import { SaslClientError, type SaslClient } from './sasl-client-types.ts';

type State =
  | { readonly name: 'SEND_CLIENT_FIRST_MESSAGE' }
  | { readonly name: 'RECEIVE_SERVER_FIRST_MESSAGE'; readonly nonce: string; readonly bare: string }
  | { readonly name: 'RECEIVE_SERVER_FINAL_MESSAGE'; readonly expectedSignature: Buffer }
  | { readonly name: 'COMPLETE' }
  | { readonly name: 'FAILED' };

const GS2_HEADER = 'n,,';

/**
 * Kafka's ScramSaslClient: proves the password without sending it, and checks the server's
 * signature, so a server that does not hold the user's credential (an impostor) fails the login.
 * The messages of its refusals are Kafka's.
 */
export class ScramSaslClient implements SaslClient {
  readonly #scram: ScramMechanism;
  readonly #username: string;
  readonly #password: string;
  readonly #extensions: ReadonlyMap<string, string>;
  readonly #randomBytes: RandomBytes;
  #state: State = { name: 'SEND_CLIENT_FIRST_MESSAGE' };

  constructor(
    mechanism: ScramMechanism,
    credentials: { username: string; password: string; extensions?: ReadonlyMap<string, string> },
    randomBytes: RandomBytes = cryptoRandomBytes,
  ) {
    this.#scram = mechanism;
    this.#username = credentials.username;
    this.#password = credentials.password;
    this.#extensions = credentials.extensions ?? new Map();
    this.#randomBytes = randomBytes;
  }

  get mechanism(): string {
    return this.#scram.mechanismName;
  }

  get complete(): boolean {
    return this.#state.name === 'COMPLETE';
  }

  async initialResponse(): Promise<Buffer> {
    if (this.#state.name !== 'SEND_CLIENT_FIRST_MESSAGE') throw this.#fail(`Unexpected initial response in Sasl client state ${this.#state.name}`);
    const nonce = scramNonce(this.#randomBytes);
    const first = encodeScramClientFirstMessage(scramSaslName(this.#username), nonce, this.#extensions);
    this.#state = { name: 'RECEIVE_SERVER_FIRST_MESSAGE', nonce, bare: first.slice(GS2_HEADER.length) };
    return Buffer.from(first, 'utf8');
  }

  async evaluateChallenge(challenge: Buffer): Promise<Buffer | null> {
    const state = this.#state;
    try {
      switch (state.name) {
        case 'RECEIVE_SERVER_FIRST_MESSAGE':
          return await this.#serverFirst(state, challenge);
        case 'RECEIVE_SERVER_FINAL_MESSAGE':
          this.#serverFinal(state, challenge);
          return null;
        default:
          throw new SaslClientError(`Unexpected challenge in Sasl client state ${state.name}`);
      }
    } catch (error) {
      throw this.#fail(error instanceof Error ? error.message : String(error));
    }
  }

  async #serverFirst(state: Extract<State, { name: 'RECEIVE_SERVER_FIRST_MESSAGE' }>, challenge: Buffer): Promise<Buffer> {
    const serverFirst = parseScramServerFirstMessage(challenge);
    // The server's nonce must extend ours: an answer made for another exchange does not.
    if (!serverFirst.nonce.startsWith(state.nonce) || serverFirst.nonce.length === state.nonce.length) {
      throw new SaslClientError('Invalid server nonce: does not start with client nonce');
    }
    if (serverFirst.iterations < this.#scram.minIterations) {
      throw new SaslClientError(`Requested iterations ${serverFirst.iterations} is less than the minimum ${this.#scram.minIterations} for ${this.mechanism}`);
    }
    const salted = await saltedPasswordAsync(this.#scram, this.#password, serverFirst.salt, serverFirst.iterations);
    const withoutProof = encodeScramClientFinalMessageWithoutProof(GS2_HEADER, serverFirst.nonce);
    const message = authMessage(state.bare, serverFirst.text, withoutProof);
    const proof = clientProof(this.#scram, salted, message);
    this.#state = { name: 'RECEIVE_SERVER_FINAL_MESSAGE', expectedSignature: serverSignature(this.#scram, serverKey(this.#scram, salted), message) };
    return Buffer.from(encodeScramClientFinalMessage(withoutProof, proof), 'utf8');
  }

  #serverFinal(state: Extract<State, { name: 'RECEIVE_SERVER_FINAL_MESSAGE' }>, challenge: Buffer): void {
    const serverFinal = parseScramServerFinalMessage(challenge);
    if (serverFinal.error !== undefined) throw new SaslClientError(`Sasl authentication using ${this.mechanism} failed with error: ${serverFinal.error}`);
    const signature = serverFinal.serverSignature;
    if (signature.length !== state.expectedSignature.length || !timingSafeEqual(signature, state.expectedSignature)) {
      throw new SaslClientError('Invalid server signature in server final message');
    }
    this.#state = { name: 'COMPLETE' };
  }

  #fail(message: string): SaslClientError {
    this.#state = { name: 'FAILED' };
    return new SaslClientError(message);
  }
}
