import { ApiKey } from '../../protocol/generated/api-keys.ts';
import { ErrorCode } from '../../protocol/errors.ts';
import type { SaslAuthenticateResponse } from '../../protocol/generated/sasl-authenticate.ts';
import type { SaslHandshakeResponse } from '../../protocol/generated/sasl-handshake.ts';
import type { Logger } from '../logger.ts';
import type { Time } from '../time.ts';
import { principalToString, userPrincipal } from './kafka-principal.ts';
import { SaslAuthenticationError, type SaslServer } from './sasl/sasl-server-types.ts';
import type { Session } from './session.ts';

/** What the authenticator needs of its connection. */
export interface AuthenticatedConnection {
  readonly id: string;
  session: Session;
  /** Stops reading, writes the responses already dispatched (this one too), then closes. */
  closeAfterResponses(): void;
}

export interface SaslAuthenticatorOptions {
  /** sasl.enabled.mechanisms, as the listener offers them. */
  readonly enabledMechanisms: readonly string[];
  /** A server for one exchange; `reauthenticating` changes only the text of its refusals. */
  readonly newSaslServer: (mechanism: string, reauthenticating: boolean) => SaslServer;
  /** connections.max.reauth.ms: 0 keeps a session for the connection's life. */
  readonly maxReauthMs: number;
  /** connection.failed.authentication.delay.ms */
  readonly failedAuthenticationDelayMs: number;
  readonly time: Time;
  readonly logger: Logger;
  /** Counts authentications, for metrics and tests. */
  readonly stats?: AuthenticationStats;
}

export interface AuthenticationStats {
  successful: number;
  failed: number;
  reauthentications: number;
}

/** A request the authenticator refuses: the connection is closed, as Kafka closes it. */
export class IllegalSaslStateError extends Error {
  override readonly name = 'IllegalSaslStateError';
}

type State =
  | { readonly kind: 'handshake' }
  /** After SaslHandshake v1+: SaslAuthenticate requests carry the tokens. */
  | { readonly kind: 'authenticate'; readonly server: SaslServer; readonly mechanism: string }
  /** After SaslHandshake v0: the next frames are the mechanism's tokens, unframed (Kafka 0.10's form). */
  | { readonly kind: 'raw'; readonly server: SaslServer; readonly mechanism: string }
  | { readonly kind: 'authenticated' }
  | { readonly kind: 'failed' };

/** Before authentication a client may ask only for API versions and authenticate (Kafka's SaslServerAuthenticator). */
const BEFORE_AUTHENTICATION: ReadonlySet<number> = new Set([ApiKey.ApiVersions, ApiKey.SaslHandshake, ApiKey.SaslAuthenticate]);

/**
 * The SASL exchange of one connection on a SASL listener, and its session's lifetime (KIP-368).
 * It starts unauthenticated: only ApiVersions, SaslHandshake and SaslAuthenticate are served;
 * the first authentication sets the connection's principal. With connections.max.reauth.ms the
 * session expires: the client must authenticate again (SaslHandshake, SaslAuthenticate, as the same
 * principal) or its next request closes the connection.
 */
export class SaslAuthenticator {
  readonly #connection: AuthenticatedConnection;
  readonly #options: SaslAuthenticatorOptions;
  #state: State = { kind: 'handshake' };
  #mechanism: string | undefined;
  /** When the authenticated session ends; undefined for never. */
  #expiresAtMs: number | undefined;

  constructor(connection: AuthenticatedConnection, options: SaslAuthenticatorOptions) {
    this.#connection = connection;
    this.#options = options;
  }

  get authenticated(): boolean {
    return this.#mechanism !== undefined;
  }

  /** True when the next frame is a raw token (after a v0 handshake), not a request. */
  get expectsRawToken(): boolean {
    return this.#state.kind === 'raw';
  }

  /**
   * Throws IllegalSaslStateError for a request this connection may not make now (its connection is
   * then closed). `requestName` is the codec's (e.g. MetadataRequest), read only for the message.
   */
  checkRequest(apiKey: number, requestName: string): void {
    if (this.#state.kind === 'failed') throw new IllegalSaslStateError('the connection failed authentication');
    if (!this.authenticated) {
      if (!BEFORE_AUTHENTICATION.has(apiKey)) {
        const apiName = requestName.replace(/Request$/, '').toUpperCase();
        throw new IllegalSaslStateError(`Unexpected Kafka request of type ${apiName} during SASL handshake.`);
      }
      return;
    }
    const reauthenticating = apiKey === ApiKey.SaslHandshake || apiKey === ApiKey.SaslAuthenticate;
    if (this.#expiresAtMs !== undefined && this.#options.time.now() >= this.#expiresAtMs && !reauthenticating) {
      throw new IllegalSaslStateError('the SASL session expired and the client did not re-authenticate (connections.max.reauth.ms)');
    }
  }

  handshake(mechanism: string, version: number): SaslHandshakeResponse {
    const mechanisms = [...this.#options.enabledMechanisms];
    const reauthenticating = this.authenticated;
    if (this.#state.kind !== 'handshake' && !(reauthenticating && this.#state.kind === 'authenticated')) {
      return this.#refuse({ errorCode: ErrorCode.ILLEGAL_SASL_STATE, mechanisms }, 'SaslHandshake out of order');
    }
    if (!mechanisms.includes(mechanism)) {
      return this.#refuse({ errorCode: ErrorCode.UNSUPPORTED_SASL_MECHANISM, mechanisms }, `unsupported SASL mechanism ${mechanism}`);
    }
    if (reauthenticating && (version === 0 || mechanism !== this.#mechanism)) {
      return this.#refuse({ errorCode: ErrorCode.ILLEGAL_SASL_STATE, mechanisms }, `re-authentication must use ${this.#mechanism} with SaslAuthenticate`);
    }
    const server = this.#options.newSaslServer(mechanism, reauthenticating);
    this.#state = version === 0 ? { kind: 'raw', server, mechanism } : { kind: 'authenticate', server, mechanism };
    return { errorCode: ErrorCode.NONE, mechanisms };
  }

  async authenticate(authBytes: Buffer): Promise<SaslAuthenticateResponse> {
    const state = this.#state;
    if (state.kind !== 'authenticate') {
      const message = this.authenticated
        ? 'SaslAuthenticate request received after successful authentication'
        : 'Unexpected SaslAuthenticate request before SaslHandshake';
      this.#state = { kind: 'failed' };
      this.#connection.closeAfterResponses();
      return { errorCode: ErrorCode.ILLEGAL_SASL_STATE, errorMessage: message, authBytes: Buffer.alloc(0), sessionLifetimeMs: 0n };
    }
    try {
      const challenge = await state.server.evaluateResponse(authBytes);
      const lifetimeMs = state.server.complete ? this.#complete(state.server, state.mechanism) : 0;
      return { errorCode: ErrorCode.NONE, errorMessage: null, authBytes: challenge, sessionLifetimeMs: BigInt(lifetimeMs) };
    } catch (error) {
      const message = await this.#failed(error, state.mechanism);
      return { errorCode: ErrorCode.SASL_AUTHENTICATION_FAILED, errorMessage: message, authBytes: Buffer.alloc(0), sessionLifetimeMs: 0n };
    }
  }

  /** A raw token after a v0 handshake; the answer is the raw challenge. A failure closes the connection without one. */
  async rawToken(token: Buffer): Promise<Buffer[]> {
    const state = this.#state;
    if (state.kind !== 'raw') throw new IllegalSaslStateError('a raw SASL token outside a v0 SaslHandshake exchange');
    try {
      const challenge = await state.server.evaluateResponse(Buffer.from(token));
      if (state.server.complete) this.#complete(state.server, state.mechanism);
      // Even an empty challenge goes out as a frame (PLAIN's last step): v0 clients wait for one, as Kafka sends it.
      return [challenge];
    } catch (error) {
      await this.#failed(error, state.mechanism);
      throw new IllegalSaslStateError('SASL authentication failed');
    }
  }

  /** The session's principal and lifetime once the mechanism completes. */
  #complete(server: SaslServer, mechanism: string): number {
    const principal = userPrincipal(server.authorizationId());
    const previous = this.#connection.session;
    const reauthentication = this.authenticated;
    if (reauthentication && principalToString(previous.principal) !== principalToString(principal)) {
      throw new SaslAuthenticationError(`Cannot change principals during re-authentication from ${principalToString(previous.principal)}: ${principalToString(principal)}`);
    }
    const now = this.#options.time.now();
    let lifetimeMs = 0;
    if (this.#options.maxReauthMs > 0) {
      // A token that expires first ends the session first (OAUTHBEARER), as in Kafka.
      const credentialExpiresAtMs = server.sessionExpiresAtMs?.();
      lifetimeMs = Math.max(0, Math.min(this.#options.maxReauthMs, credentialExpiresAtMs === undefined ? Infinity : credentialExpiresAtMs - now));
      this.#expiresAtMs = now + lifetimeMs;
    }
    this.#mechanism = mechanism;
    this.#state = { kind: 'authenticated' };
    this.#connection.session = { ...previous, principal, saslMechanism: mechanism };
    if (this.#options.stats !== undefined) {
      if (reauthentication) this.#options.stats.reauthentications += 1;
      else this.#options.stats.successful += 1;
    }
    this.#options.logger.debug({ connectionId: this.#connection.id, principal: principalToString(principal), mechanism, reauthentication }, 'authenticated');
    return lifetimeMs;
  }

  /**
   * Logs and counts a failed authentication, then waits connection.failed.authentication.delay.ms
   * before the answer goes out (and the connection closes), so guessing passwords is slow.
   */
  async #failed(error: unknown, mechanism: string): Promise<string> {
    const message = error instanceof SaslAuthenticationError
      ? error.message
      : `Authentication failed during authentication due to invalid credentials with SASL mechanism ${mechanism}`;
    if (!(error instanceof SaslAuthenticationError)) this.#options.logger.warn({ err: error }, 'SASL mechanism failed unexpectedly');
    this.#state = { kind: 'failed' };
    if (this.#options.stats !== undefined) this.#options.stats.failed += 1;
    this.#options.logger.info(
      { connectionId: this.#connection.id, clientAddress: this.#connection.session.clientAddress, mechanism, reason: error instanceof SaslAuthenticationError ? error.reason : message },
      'failed authentication',
    );
    this.#connection.closeAfterResponses();
    const delayMs = this.#options.failedAuthenticationDelayMs;
    if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
    return message;
  }

  #refuse<T>(response: T, reason: string): T {
    this.#options.logger.info({ connectionId: this.#connection.id, reason }, 'SASL handshake refused; closing the connection');
    this.#state = { kind: 'failed' };
    this.#connection.closeAfterResponses();
    return response;
  }
}
