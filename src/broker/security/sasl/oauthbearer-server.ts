import {
  encodeOAuthBearerErrorChallenge,
  OAUTHBEARER_CONTROL_A,
  OAUTHBEARER_MECHANISM,
  parseOAuthBearerClientInitialResponse,
} from '../../../protocol/sasl/oauthbearer.ts';
import { parseSingleJaasConfigEntry } from '../../../protocol/sasl/jaas-config.ts';
import { jwksOAuthBearerValidator, type JwksOAuthBearerValidator, type JwksValidatorConfig } from './oauthbearer-jwks.ts';
import {
  OAUTHBEARER_UNSECURED_VALIDATOR_CLASS,
  OAUTHBEARER_VALIDATOR_CLASS,
  OAUTHBEARER_VALIDATOR_CLASS_SECURED,
  unsecuredOAuthBearerValidator,
  type Clock,
  type OAuthBearerToken,
  type OAuthBearerValidator,
} from './oauthbearer-validators.ts';
import { SaslAuthenticationError, invalidCredentials, type SaslServer, type SaslServerContext } from './sasl-server-types.ts';

/**
 * Kafka's OAuthBearerSaslServer. The client sends its token at once; a valid token completes the
 * exchange, an invalid one is answered with RFC 7628's error JSON as a challenge, to which the
 * client answers 0x01 and the server then fails the authentication with that JSON as the message
 * (so the client's SaslAuthenticate error message is `{"status":"invalid_token"}`, as with Kafka).
 */
export class OAuthBearerSaslServer implements SaslServer {
  readonly mechanism = OAUTHBEARER_MECHANISM;
  readonly #validator: OAuthBearerValidator;
  readonly #context: SaslServerContext;
  #token: OAuthBearerToken | undefined;
  #errorMessage: string | undefined;
  #extensions: ReadonlyMap<string, string> = new Map();

  constructor(validator: OAuthBearerValidator, context: SaslServerContext) {
    this.#validator = validator;
    this.#context = context;
  }

  get complete(): boolean {
    return this.#token !== undefined;
  }

  async evaluateResponse(response: Buffer): Promise<Buffer> {
    if (this.#token !== undefined) throw invalidCredentials(this.#context, 'SASL/OAUTHBEARER received a message after it completed');
    if (response.length === 1 && response[0] === OAUTHBEARER_CONTROL_A && this.#errorMessage !== undefined) {
      throw new SaslAuthenticationError(this.#errorMessage);
    }
    this.#errorMessage = undefined;
    let initial;
    try {
      initial = parseOAuthBearerClientInitialResponse(response);
    } catch (error) {
      throw invalidCredentials(this.#context, `SASL/OAUTHBEARER: ${(error as Error).message}`, error);
    }
    let result;
    try {
      result = await this.#validator.validate(initial.tokenValue);
    } catch (error) {
      throw invalidCredentials(
        this.#context,
        `Authentication could not be performed due to an internal error on the server: ${(error as Error).message}`,
        error,
      );
    }
    if (result.error !== undefined) {
      this.#errorMessage = encodeOAuthBearerErrorChallenge(result.error);
      return Buffer.from(this.#errorMessage, 'utf8');
    }
    const token = result.token;
    if (initial.authorizationId !== '' && initial.authorizationId !== token.principalName) {
      throw new SaslAuthenticationError(
        `Authentication failed: Client requested an authorization id (${initial.authorizationId}) that is different from the token's principal name (${token.principalName})`,
      );
    }
    // Both of Kafka's validators accept every extension.
    this.#extensions = initial.extensions;
    this.#token = token;
    return Buffer.alloc(0);
  }

  /** Why the last token was refused, when it was (the challenge sent); for the broker's log. */
  get errorMessage(): string | undefined {
    return this.#errorMessage;
  }

  /** The SASL extensions the client sent with its token (KIP-342). */
  get extensions(): ReadonlyMap<string, string> {
    return this.#extensions;
  }

  authorizationId(): string {
    if (this.#token === undefined) throw new Error('Authentication exchange has not completed');
    return this.#token.principalName;
  }

  sessionExpiresAtMs(): number | undefined {
    return this.#token?.lifetimeMs;
  }
}

/**
 * The settings a listener's OAUTHBEARER validator comes from, under Kafka's names (each may be
 * prefixed `listener.name.<l>.oauthbearer.` in server.properties; the caller resolves that).
 */
export interface OAuthBearerServerSettings {
  /** sasl.server.callback.handler.class: OAuthBearerValidatorCallbackHandler picks JWKS validation; unset, the unsecured validator. */
  readonly serverCallbackHandlerClass?: string | undefined;
  /** sasl.jaas.config (OAuthBearerLoginModule): the unsecured validator's options. */
  readonly jaasConfig?: string | undefined;
  /** The sasl.oauthbearer.* settings of JWKS validation; jwksEndpointUrl is required with it. */
  readonly jwks?: Partial<JwksValidatorConfig> | undefined;
  readonly clock?: Clock | undefined;
}

/**
 * The validator Kafka would configure from these settings; throws with a clear message on bad ones.
 * A JWKS validator's ready() says whether its file: keys could be read (see oauthbearer-jwks.ts).
 */
export function createOAuthBearerValidator(settings: OAuthBearerServerSettings): OAuthBearerValidator | JwksOAuthBearerValidator {
  const handler = settings.serverCallbackHandlerClass;
  if (handler === OAUTHBEARER_VALIDATOR_CLASS || handler === OAUTHBEARER_VALIDATOR_CLASS_SECURED) {
    const url = settings.jwks?.jwksEndpointUrl;
    if (url === undefined || url === '') {
      throw new Error('The OAuth configuration option sasl.oauthbearer.jwks.endpoint.url is required with OAuthBearerValidatorCallbackHandler');
    }
    return jwksOAuthBearerValidator({ ...settings.jwks, jwksEndpointUrl: url, clock: settings.clock });
  }
  if (handler !== undefined && handler !== '' && handler !== OAUTHBEARER_UNSECURED_VALIDATOR_CLASS) {
    throw new Error(`Unsupported OAUTHBEARER server callback handler class ${handler}`);
  }
  const options = settings.jaasConfig === undefined || settings.jaasConfig === '' ? new Map<string, string>() : parseSingleJaasConfigEntry(settings.jaasConfig).options;
  return unsecuredOAuthBearerValidator(options, settings.clock);
}
