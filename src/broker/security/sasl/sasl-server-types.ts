import type { RandomBytes, ScramCredential, ScramMechanismName } from '../../../protocol/sasl/scram.ts';
import type { OAuthBearerValidator } from './oauthbearer-validators.ts';

/**
 * The broker's side of one SASL exchange (Java's javax.security.sasl.SaslServer as Kafka uses it):
 * the authenticator hands it each SaslAuthenticate auth_bytes and sends back what it returns, until
 * it is complete. A new SaslServer serves each authentication and each re-authentication.
 */
export interface SaslServer {
  readonly mechanism: string;
  /**
   * The answer to the client's next message. Throws SaslAuthenticationError when the client may
   * not in; its message is what SaslAuthenticate's errorMessage carries.
   */
  evaluateResponse(response: Buffer): Promise<Buffer>;
  readonly complete: boolean;
  /** The authenticated user name (for the principal User:<name>); throws until complete. */
  authorizationId(): string;
  /** When the credential stops being valid (OAUTHBEARER's token expiry), for KIP-368's session lifetime. */
  sessionExpiresAtMs?(): number | undefined;
}

/**
 * A refused authentication. `message` is exactly what Kafka sends the client in SaslAuthenticate's
 * errorMessage: a mechanism's own text where Kafka's mechanism throws SaslAuthenticationException
 * (e.g. PLAIN's "Authentication failed: Invalid username or password"), otherwise Kafka's
 * SaslServerAuthenticator text that says nothing of why ("Authentication failed during
 * authentication due to invalid credentials with SASL mechanism SCRAM-SHA-256"), so a client
 * cannot learn which users exist. `reason` is for the broker's log: it may say which check
 * failed, and never holds a password, proof or token.
 */
export class SaslAuthenticationError extends Error {
  readonly reason: string;

  constructor(message: string, reason: string = message, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SaslAuthenticationError';
    this.reason = reason;
  }
}

/** Kafka's SaslServerAuthenticator message for failures whose cause it keeps from the client. */
export function invalidCredentialsMessage(mechanism: string, reauthenticating: boolean): string {
  return `Authentication failed during ${reauthenticating ? 're-authentication' : 'authentication'} due to invalid credentials with SASL mechanism ${mechanism}`;
}

/** What the mechanisms need to know when they refuse: the generic error for this (re-)authentication. */
export interface SaslServerContext {
  readonly mechanism: string;
  readonly reauthenticating: boolean;
}

export function invalidCredentials(context: SaslServerContext, reason: string, cause?: unknown): SaslAuthenticationError {
  return new SaslAuthenticationError(invalidCredentialsMessage(context.mechanism, context.reauthenticating), reason, cause === undefined ? undefined : { cause });
}

/** Looks a user's SCRAM credential up (H5's credential store); undefined for an unknown user. */
export type ScramCredentialLookup = (username: string, mechanism: ScramMechanismName) => ScramCredential | undefined;

/**
 * What a listener's SASL mechanisms authenticate against. The authenticator builds it once per
 * listener (from `listener.name.<l>.<mechanism>.sasl.jaas.config` and the `sasl.oauthbearer.*`
 * configs) and passes it to createSaslServer for every exchange.
 */
export interface SaslServerConfig {
  /** PLAIN: user name -> password, from the PlainLoginModule's `user_<name>` options (see plainUsersFromJaasConfig). */
  readonly plainUsers?: ReadonlyMap<string, string>;
  /** SCRAM-SHA-256 and SCRAM-SHA-512. */
  readonly scramCredential?: ScramCredentialLookup;
  /** OAUTHBEARER: the unsecured validator (development) or the JWKS one (see oauthbearer-validators.ts). */
  readonly oauthBearerValidator?: OAuthBearerValidator;
  /** Where SCRAM's server nonces come from; crypto.randomBytes unless a test passes its own. */
  readonly randomBytes?: RandomBytes;
}

export interface SaslServerOptions {
  /** Re-authentication (KIP-368) only changes the text of the generic refusal. */
  readonly reauthenticating?: boolean;
}

/** Kafka's mechanism names this broker serves. */
export const SASL_MECHANISMS: readonly string[] = Object.freeze(['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512', 'OAUTHBEARER']);
