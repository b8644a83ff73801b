import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { createLocalJWKSet, createRemoteJWKSet, jwtVerify, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose';
import type { Clock, OAuthBearerToken, OAuthBearerValidationResult, OAuthBearerValidator } from './oauthbearer-validators.ts';

/**
 * Kafka's OAuthBearerValidatorCallbackHandler (KIP-768): tokens are signed JWTs, checked against
 * the identity provider's public keys (a JWKS) with `jose`. As Kafka's jose4j consumer: the
 * signature must verify with a key of the set (never alg none), `exp` and `iat` must be present,
 * `exp` not passed and `nbf` reached (both within the clock skew), `aud` one of the expected
 * audiences and `iss` the expected issuer when those are configured; the subject comes from the
 * sub claim (sasl.oauthbearer.sub.claim.name) and the scope from sasl.oauthbearer.scope.claim.name.
 * Every refusal is `{"status":"invalid_token"}` to the client, as in Kafka.
 */
export interface JwksValidatorConfig {
  /** sasl.oauthbearer.jwks.endpoint.url: https:// or http:// (fetched, cached, refreshed) or file: (read once). */
  readonly jwksEndpointUrl: string;
  /** sasl.oauthbearer.expected.audience (a list; empty = any). */
  readonly expectedAudience?: readonly string[] | undefined;
  /** sasl.oauthbearer.expected.issuer. */
  readonly expectedIssuer?: string | undefined;
  /** sasl.oauthbearer.sub.claim.name, default sub. */
  readonly subClaimName?: string | undefined;
  /** sasl.oauthbearer.scope.claim.name, default scope. */
  readonly scopeClaimName?: string | undefined;
  /** sasl.oauthbearer.clock.skew.seconds, default 30. */
  readonly clockSkewSeconds?: number | undefined;
  /** sasl.oauthbearer.jwks.endpoint.refresh.ms, default one hour: how long fetched keys are kept. */
  readonly jwksEndpointRefreshMs?: number | undefined;
  readonly clock?: Clock | undefined;
}

export const DEFAULT_SASL_OAUTHBEARER_CLOCK_SKEW_SECONDS = 30;
export const DEFAULT_SASL_OAUTHBEARER_JWKS_ENDPOINT_REFRESH_MS = 60 * 60 * 1000;

/**
 * Where the keys come from. The URL is checked now (a bad one fails the broker's start); a file:
 * JWKS is read once, at once, as Kafka's JwksFileVerificationKeyResolver does.
 */
function keyResolver(config: JwksValidatorConfig): Promise<JWTVerifyGetKey> {
  let url: URL;
  try {
    url = new URL(config.jwksEndpointUrl);
  } catch {
    throw new Error(`The OAuth configuration option sasl.oauthbearer.jwks.endpoint.url contains a URL (${config.jwksEndpointUrl}) that is malformed`);
  }
  if (url.protocol === 'file:') {
    const path = fileURLToPath(url);
    return (async () => {
      try {
        return createLocalJWKSet(JSON.parse(await readFile(path, 'utf8')) as JSONWebKeySet);
      } catch (error) {
        throw new Error(`Could not read the JWKS file ${path} named by sasl.oauthbearer.jwks.endpoint.url: ${(error as Error).message}`, { cause: error });
      }
    })();
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new Error(`The OAuth configuration option sasl.oauthbearer.jwks.endpoint.url contains a URL (${config.jwksEndpointUrl}) that contains an invalid protocol (${url.protocol.slice(0, -1)})`);
  }
  return Promise.resolve(createRemoteJWKSet(url, { cacheMaxAge: config.jwksEndpointRefreshMs ?? DEFAULT_SASL_OAUTHBEARER_JWKS_ENDPOINT_REFRESH_MS }));
}

/** Kafka's ClaimValidationUtils.validateString: present, non-empty, not only whitespace; trimmed. */
function validString(name: string, value: unknown): string {
  if (value === undefined || value === null) throw new Error(`${name} value must be non-null`);
  if (typeof value !== 'string') throw new Error(`Could not extract the '${name}' claim from the access token`);
  if (value === '') throw new Error(`${name} value must be non-empty`);
  const trimmed = value.trim();
  if (trimmed === '') throw new Error(`${name} value must not contain only whitespace`);
  return trimmed;
}

/** Kafka's scope reading: a string is one scope item (not split), a list its items, anything else none. */
function scopesOf(name: string, raw: unknown): Set<string> {
  const items = typeof raw === 'string' ? [raw] : Array.isArray(raw) ? raw : [];
  const scopes = new Set<string>();
  for (const item of items) {
    const scope = validString(name, item);
    if (scopes.has(scope)) throw new Error(`${name} value must not contain duplicates - ${scope} already present`);
    scopes.add(scope);
  }
  return scopes;
}

/** A validator that can say, before the first login, whether its keys could be had. */
export interface JwksOAuthBearerValidator extends OAuthBearerValidator {
  /** Rejects when a file: JWKS could not be read or parsed; the broker awaits it at start. */
  ready(): Promise<void>;
}

/**
 * The validator. An http(s) JWKS is fetched at the first token and refreshed when its cache ages
 * out or a token names a key id the set lacks (jose's cooldown limits the fetches). A bad URL
 * throws here; a file that cannot be read fails ready() and refuses every token.
 */
export function jwksOAuthBearerValidator(config: JwksValidatorConfig): JwksOAuthBearerValidator {
  const keysPromise = keyResolver(config);
  keysPromise.catch(() => {}); // Reported by ready() and by each validate(), never as an unhandled rejection.
  const subClaimName = config.subClaimName ?? 'sub';
  const scopeClaimName = config.scopeClaimName ?? 'scope';
  const audience = config.expectedAudience !== undefined && config.expectedAudience.length > 0 ? [...config.expectedAudience] : undefined;
  const clock = config.clock;
  return {
    async ready() {
      await keysPromise;
    },
    async validate(tokenValue: string): Promise<OAuthBearerValidationResult> {
      let token: OAuthBearerToken;
      try {
        const keys = await keysPromise;
        const { payload } = await jwtVerify(tokenValue, keys, {
          audience,
          issuer: config.expectedIssuer,
          clockTolerance: config.clockSkewSeconds ?? DEFAULT_SASL_OAUTHBEARER_CLOCK_SKEW_SECONDS,
          requiredClaims: ['exp', 'iat'],
          ...(clock === undefined ? {} : { currentDate: new Date(clock.now()) }),
        });
        const expiration = payload.exp!;
        const issuedAt = payload.iat!;
        if (expiration < 0) throw new Error(`exp value must be non-negative; value given was "${expiration * 1000}"`);
        if (issuedAt < 0) throw new Error(`iat value must be null or non-negative; value given was "${issuedAt * 1000}"`);
        token = {
          value: tokenValue,
          principalName: validString(subClaimName, payload[subClaimName]),
          lifetimeMs: expiration * 1000,
          startTimeMs: issuedAt * 1000,
          scope: scopesOf(scopeClaimName, payload[scopeClaimName]),
        };
      } catch (error) {
        // As in Kafka, whatever stops the check (a bad token, or keys that could not be fetched)
        // refuses the token; the reason goes to the broker's log only.
        return { error: { status: 'invalid_token' }, reason: `Could not validate the access token: ${error instanceof Error ? error.message : String(error)}` };
      }
      return { token };
    },
  };
}
