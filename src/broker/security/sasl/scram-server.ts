import { randomBytes as cryptoRandomBytes, timingSafeEqual } from 'node:crypto';
import {
  encodeScramServerFinalMessage,
  encodeScramServerFirstMessage,
  parseScramClientFinalMessage,
  parseScramClientFirstMessage,
  scramUsername,
  SCRAM_TOKEN_AUTH_EXTENSION,
  type ScramClientFirstMessage,
} from '../../../protocol/sasl/scram-messages.ts';
import { authMessage, scramNonce, serverSignature, storedKeyFromProof, type RandomBytes, type ScramCredential, type ScramMechanism } from '../../../protocol/sasl/scram.ts';
import { SaslAuthenticationError, invalidCredentials, type SaslServer, type SaslServerContext, type ScramCredentialLookup } from './sasl-server-types.ts';

type State =
  | { readonly name: 'RECEIVE_CLIENT_FIRST_MESSAGE' }
  | {
      readonly name: 'RECEIVE_CLIENT_FINAL_MESSAGE';
      readonly clientFirst: ScramClientFirstMessage;
      readonly serverFirst: string;
      readonly nonce: string;
      readonly credential: ScramCredential;
      readonly username: string;
    }
  | { readonly name: 'COMPLETE'; readonly username: string }
  | { readonly name: 'FAILED' };

/**
 * Kafka's ScramSaslServer for SCRAM-SHA-256 and SCRAM-SHA-512: client-first -> server-first
 * (the user's salt and iterations), client-final (the proof) -> server-final (the server's
 * signature). The broker holds only the user's ScramCredential, never the password.
 *
 * As in Kafka, every refusal but one tells the client nothing of its cause (the generic invalid
 * credentials text): an unknown user, a wrong proof, a bad nonce and a malformed message read the
 * same. The exception is an authorization id other than the username, which Kafka names.
 * An unknown user is refused at the first message, as Kafka does; the authenticator's
 * connection.failed.authentication.delay.ms hides that step from timing as it hides every refusal.
 */
export class ScramSaslServer implements SaslServer {
  readonly #scram: ScramMechanism;
  readonly #lookup: ScramCredentialLookup;
  readonly #context: SaslServerContext;
  readonly #randomBytes: RandomBytes;
  #state: State = { name: 'RECEIVE_CLIENT_FIRST_MESSAGE' };

  constructor(mechanism: ScramMechanism, lookup: ScramCredentialLookup, context: SaslServerContext, randomBytes: RandomBytes = cryptoRandomBytes) {
    this.#scram = mechanism;
    this.#lookup = lookup;
    this.#context = context;
    this.#randomBytes = randomBytes;
  }

  get mechanism(): string {
    return this.#scram.mechanismName;
  }

  get complete(): boolean {
    return this.#state.name === 'COMPLETE';
  }

  async evaluateResponse(response: Buffer): Promise<Buffer> {
    try {
      const state = this.#state;
      switch (state.name) {
        case 'RECEIVE_CLIENT_FIRST_MESSAGE':
          return this.#clientFirst(response);
        case 'RECEIVE_CLIENT_FINAL_MESSAGE':
          return this.#clientFinal(state, response);
        default:
          throw invalidCredentials(this.#context, `Unexpected SASL/${this.mechanism} message in state ${state.name}`);
      }
    } catch (error) {
      // Nothing of the exchange outlives a failure; the credential is dropped with the state.
      this.#state = { name: 'FAILED' };
      if (error instanceof SaslAuthenticationError) throw error;
      throw invalidCredentials(this.#context, `SASL/${this.mechanism}: ${error instanceof Error ? error.message : String(error)}`, error);
    }
  }

  #clientFirst(response: Buffer): Buffer {
    const clientFirst = parseScramClientFirstMessage(response);
    const username = scramUsername(clientFirst.saslName);
    if (clientFirst.extensions.get(SCRAM_TOKEN_AUTH_EXTENSION) === 'true') {
      throw invalidCredentials(this.#context, `Token Authentication failed: delegation tokens are not supported (tokenId ${username})`);
    }
    let credential: ScramCredential | undefined;
    try {
      credential = this.#lookup(username, this.#scram.mechanismName);
    } catch (error) {
      throw invalidCredentials(this.#context, 'Authentication failed: Credentials could not be obtained', error);
    }
    if (credential === undefined) throw invalidCredentials(this.#context, `Authentication failed: Invalid user credentials (no ${this.mechanism} credential for user ${username})`);
    if (clientFirst.authorizationId !== '' && clientFirst.authorizationId !== username) {
      throw new SaslAuthenticationError('Authentication failed: Client requested an authorization id that is different from username');
    }
    if (credential.iterations < this.#scram.minIterations) {
      throw invalidCredentials(this.#context, `Iterations ${credential.iterations} is less than the minimum ${this.#scram.minIterations} for ${this.mechanism}`);
    }
    const nonce = clientFirst.nonce + scramNonce(this.#randomBytes);
    const serverFirst = encodeScramServerFirstMessage(nonce, credential.salt, credential.iterations);
    this.#state = { name: 'RECEIVE_CLIENT_FINAL_MESSAGE', clientFirst, serverFirst, nonce, credential, username };
    return Buffer.from(serverFirst, 'utf8');
  }

  #clientFinal(state: Extract<State, { name: 'RECEIVE_CLIENT_FINAL_MESSAGE' }>, response: Buffer): Buffer {
    const clientFinal = parseScramClientFinalMessage(response);
    // Ends with the whole nonce, the client's and ours, as Kafka checks it: librdkafka sends its own
    // nonce again before it. A proof made for another exchange (a replay) ends with another nonce.
    if (!clientFinal.nonce.endsWith(state.nonce)) throw invalidCredentials(this.#context, 'Invalid client nonce in the final client message.');
    // Kafka does not check c= against the gs2 header either: without channel binding it adds
    // nothing, since the proof signs c= as part of the AuthMessage.
    const message = authMessage(state.clientFirst.bare, state.serverFirst, clientFinal.withoutProof);
    const computed = storedKeyFromProof(this.#scram, state.credential.storedKey, message, clientFinal.proof);
    if (computed === undefined || !timingSafeEqual(computed, state.credential.storedKey)) {
      throw invalidCredentials(this.#context, `Invalid client credentials for user ${state.username}`);
    }
    const signature = serverSignature(this.#scram, state.credential.serverKey, message);
    this.#state = { name: 'COMPLETE', username: state.username };
    return Buffer.from(encodeScramServerFinalMessage({ serverSignature: signature }), 'utf8');
  }

  authorizationId(): string {
    if (this.#state.name !== 'COMPLETE') throw new Error('Authentication exchange has not completed');
    return this.#state.username;
  }
}
