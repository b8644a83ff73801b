import {
  encodeOAuthBearerClientInitialResponse,
  OAUTHBEARER_CONTROL_A,
  OAUTHBEARER_MECHANISM,
  validateOAuthBearerExtensions,
} from '../../protocol/sasl/oauthbearer.ts';
import { encodeUnsecuredJws, parseUnsecuredJws } from '../../protocol/sasl/unsecured-jws.ts';
import { SaslClientError, type OAuthBearerClientToken, type SaslClient } from './sasl-client-types.ts';

type State = 'SEND_CLIENT_FIRST_MESSAGE' | 'RECEIVE_SERVER_FIRST_MESSAGE' | 'RECEIVE_SERVER_MESSAGE_AFTER_FAILURE' | 'COMPLETE' | 'FAILED';

/**
 * Kafka's OAuthBearerSaslClient: sends the token at once. An empty answer means it was accepted;
 * an answer with the server's error JSON is acknowledged with 0x01 (RFC 7628 section 3.2.3), after
 * which the server refuses the authentication with that JSON as its message.
 */
export class OAuthBearerSaslClient implements SaslClient {
  readonly mechanism = OAUTHBEARER_MECHANISM;
  readonly #provider: () => Promise<OAuthBearerClientToken>;
  #state: State = 'SEND_CLIENT_FIRST_MESSAGE';
  #serverError: string | undefined;

  constructor(provider: () => Promise<OAuthBearerClientToken>) {
    this.#provider = provider;
  }

  get complete(): boolean {
    return this.#state === 'COMPLETE';
  }

  /** The server's error JSON, when it refused the token. */
  get serverError(): string | undefined {
    return this.#serverError;
  }

  async initialResponse(): Promise<Buffer> {
    if (this.#state !== 'SEND_CLIENT_FIRST_MESSAGE') throw this.#fail(`Unexpected initial response in Sasl client state ${this.#state}`);
    let token: OAuthBearerClientToken;
    try {
      token = await this.#provider();
    } catch (error) {
      throw this.#fail(`OAUTHBEARER token could not be obtained: ${(error as Error).message}`);
    }
    this.#state = 'RECEIVE_SERVER_FIRST_MESSAGE';
    try {
      return encodeOAuthBearerClientInitialResponse({ tokenValue: token.value, extensions: new Map(Object.entries(token.extensions ?? {})) });
    } catch (error) {
      throw this.#fail((error as Error).message);
    }
  }

  async evaluateChallenge(challenge: Buffer): Promise<Buffer | null> {
    if (this.#state === 'COMPLETE') return null;
    if (this.#state !== 'RECEIVE_SERVER_FIRST_MESSAGE') throw this.#fail(`Unexpected challenge in Sasl client state ${this.#state}`);
    if (challenge.length !== 0) {
      this.#serverError = challenge.toString('utf8');
      this.#state = 'RECEIVE_SERVER_MESSAGE_AFTER_FAILURE';
      return Buffer.from([OAUTHBEARER_CONTROL_A]);
    }
    this.#state = 'COMPLETE';
    return null;
  }

  #fail(message: string): SaslClientError {
    this.#state = 'FAILED';
    return new SaslClientError(message);
  }
}

const RESERVED_CLAIMS = new Set(['iat', 'exp']);
const STRING_CLAIM_PREFIX = 'unsecuredLoginStringClaim_';
const NUMBER_CLAIM_PREFIX = 'unsecuredLoginNumberClaim_';
const LIST_CLAIM_PREFIX = 'unsecuredLoginListClaim_';
const EXTENSION_PREFIX = 'unsecuredLoginExtension_';

function claimName(key: string, prefix: string): string {
  const name = key.slice(prefix.length);
  if (RESERVED_CLAIMS.has(name)) throw new SaslClientError(`Cannot explicitly set the '${name}' claim`);
  return name;
}

/** A list claim's text: its first character is the delimiter of the items that follow (",a,b"). */
function listClaim(value: string): string[] {
  if (value.length <= 1) return [];
  return value.slice(1).split(value[0]!);
}

/**
 * Kafka's OAuthBearerUnsecuredLoginCallbackHandler: a token provider that makes an unsecured JWS
 * from OAuthBearerLoginModule's JAAS options (unsecuredLoginStringClaim_sub="alice",
 * unsecuredLoginLifetimeSeconds, unsecuredLoginPrincipalClaimName, unsecuredLoginScopeClaimName,
 * unsecuredLoginNumberClaim_<n>, unsecuredLoginListClaim_<n>, unsecuredLoginExtension_<n>), with a
 * fresh iat and exp at every login. Bad options throw here, once, with Kafka's messages.
 */
export function unsecuredLoginTokenProvider(options: ReadonlyMap<string, string>, now: () => number = Date.now): () => Promise<OAuthBearerClientToken> {
  const option = (name: string) => {
    const value = options.get(name)?.trim();
    return value === undefined || value === '' ? undefined : value;
  };
  if (options.size === 0) throw new SaslClientError('OAUTHBEARER login needs a token: OAuthBearerLoginModule has no unsecuredLogin options');
  if ([...options.keys()].every((key) => key.startsWith(EXTENSION_PREFIX))) throw new SaslClientError('Extensions provided in login context without a token');
  const principalClaimName = option('unsecuredLoginPrincipalClaimName') ?? 'sub';
  const scopeClaimName = option('unsecuredLoginScopeClaimName') ?? 'scope';
  const lifetimeText = options.get('unsecuredLoginLifetimeSeconds') ?? '3600';
  if (!/^-?\d+$/.test(lifetimeText.trim())) throw new SaslClientError(`For input string: "${lifetimeText}"`);
  const lifetimeSeconds = Number(lifetimeText.trim());
  const claims: Record<string, unknown> = {};
  const extensions: Record<string, string> = {};
  for (const [key, value] of options) {
    if (key.startsWith(STRING_CLAIM_PREFIX) && key.length > STRING_CLAIM_PREFIX.length) claims[claimName(key, STRING_CLAIM_PREFIX)] = value;
    else if (key.startsWith(NUMBER_CLAIM_PREFIX) && key.length > NUMBER_CLAIM_PREFIX.length) {
      const number = Number(value);
      if (value.trim() === '' || Number.isNaN(number)) throw new SaslClientError(`For input string: "${value}"`);
      claims[claimName(key, NUMBER_CLAIM_PREFIX)] = number;
    } else if (key.startsWith(LIST_CLAIM_PREFIX) && key.length > LIST_CLAIM_PREFIX.length) claims[claimName(key, LIST_CLAIM_PREFIX)] = listClaim(value);
    else if (key.startsWith(EXTENSION_PREFIX)) extensions[key.slice(EXTENSION_PREFIX.length)] = value;
  }
  try {
    validateOAuthBearerExtensions(new Map(Object.entries(extensions)));
  } catch (error) {
    throw new SaslClientError((error as Error).message);
  }
  const token = (): OAuthBearerClientToken => {
    const nowSeconds = now() / 1000;
    const value = encodeUnsecuredJws({ exp: nowSeconds + lifetimeSeconds, iat: nowSeconds, ...claims });
    try {
      // As Kafka, a token the broker's unsecured validator could not read is refused here.
      parseUnsecuredJws(value, principalClaimName, scopeClaimName);
    } catch (error) {
      throw new SaslClientError((error as Error).message);
    }
    return { value, extensions };
  };
  token(); // Fails now on options that can never make a token.
  return async () => token();
}
