import type { OAuthBearerErrorChallenge } from '../../../protocol/sasl/oauthbearer.ts';
import { parseUnsecuredJws } from '../../../protocol/sasl/unsecured-jws.ts';
import { SaslMessageError } from '../../../protocol/sasl/sasl-message-error.ts';

/**
 * How the broker checks an OAUTHBEARER token (Kafka's validator callback handlers): the unsecured
 * validator for development (OAuthBearerUnsecuredValidatorCallbackHandler, the default) and the
 * JWKS one for signed tokens (OAuthBearerValidatorCallbackHandler, KIP-768; oauthbearer-jwks.ts).
 */

/** Kafka's OAuthBearerToken: what a valid token says. */
export interface OAuthBearerToken {
  readonly value: string;
  readonly principalName: string;
  /** Expiry, epoch milliseconds (the `exp` claim). */
  readonly lifetimeMs: number;
  readonly startTimeMs: number | undefined;
  readonly scope: ReadonlySet<string>;
}

/**
 * A token, or why there is none: the challenge the server sends back (RFC 7628's error JSON) and,
 * for the broker's log only, the reason.
 */
export type OAuthBearerValidationResult =
  | { readonly token: OAuthBearerToken; readonly error?: undefined }
  | { readonly error: OAuthBearerErrorChallenge; readonly reason: string; readonly token?: undefined };

export interface OAuthBearerValidator {
  /** Throws only on a bug; a token that cannot be checked is refused. */
  validate(tokenValue: string): Promise<OAuthBearerValidationResult>;
}

export interface Clock {
  now(): number;
}

const systemClock: Clock = { now: () => Date.now() };

/** Kafka's validator class names, as `listener.name.<l>.oauthbearer.sasl.server.callback.handler.class` names them. */
export const OAUTHBEARER_UNSECURED_VALIDATOR_CLASS = 'org.apache.kafka.common.security.oauthbearer.internals.unsecured.OAuthBearerUnsecuredValidatorCallbackHandler';
export const OAUTHBEARER_VALIDATOR_CLASS = 'org.apache.kafka.common.security.oauthbearer.OAuthBearerValidatorCallbackHandler';
/** The name Kafka 3.1 to 3.x documented, still accepted. */
export const OAUTHBEARER_VALIDATOR_CLASS_SECURED = 'org.apache.kafka.common.security.oauthbearer.secured.OAuthBearerValidatorCallbackHandler';

/** Kafka's OAuthBearerScopeUtils.parseScope: space-separated scope items of RFC 6749's characters. */
function parseScope(spaceDelimited: string): string[] {
  const items = spaceDelimited.split(' ').filter((item) => item !== '');
  for (const item of items) {
    if (!/^[\u0021\u0023-\u005B\u005D-\u007E]+$/.test(item)) throw new Error(`Invalid scope value: ${item}`);
  }
  return items;
}

/** Java's %f: six decimals. */
function seconds(value: number): string {
  return value.toFixed(6);
}

/**
 * Kafka's OAuthBearerUnsecuredValidatorCallbackHandler, configured by the OAuthBearerLoginModule's
 * JAAS options: unsecuredValidatorPrincipalClaimName (default sub), unsecuredValidatorScopeClaimName
 * (default scope), unsecuredValidatorRequiredScope (space-separated) and
 * unsecuredValidatorAllowableClockSkewMs (default 0). Bad options throw here, at configuration.
 */
export function unsecuredOAuthBearerValidator(options: ReadonlyMap<string, string>, clock: Clock = systemClock): OAuthBearerValidator {
  const option = (name: string) => {
    const value = options.get(name)?.trim();
    return value === undefined || value === '' ? undefined : value;
  };
  const principalClaimName = option('unsecuredValidatorPrincipalClaimName') ?? 'sub';
  const scopeClaimName = option('unsecuredValidatorScopeClaimName') ?? 'scope';
  const requiredScope = parseScope(option('unsecuredValidatorRequiredScope') ?? '');
  const skewText = option('unsecuredValidatorAllowableClockSkewMs') ?? '0';
  const allowableClockSkewMs = Number(skewText);
  if (!/^-?\d+$/.test(skewText) || !Number.isSafeInteger(allowableClockSkewMs)) throw new Error(`For input string: "${skewText}"`);
  if (allowableClockSkewMs < 0) throw new Error(`Allowable clock skew millis must not be negative: ${skewText}`);

  const refuse = (reason: string, scope?: string): OAuthBearerValidationResult => ({
    error: { status: scope === undefined ? 'invalid_token' : 'insufficient_scope', scope },
    reason,
  });

  return {
    async validate(tokenValue: string): Promise<OAuthBearerValidationResult> {
      let jws;
      try {
        jws = parseUnsecuredJws(tokenValue, principalClaimName, scopeClaimName);
      } catch (error) {
        if (error instanceof SaslMessageError) return refuse(error.message);
        throw error;
      }
      const now = clock.now();
      const issuedAt = jws.claims['iat'] as number | undefined;
      const expirationTime = jws.claims['exp'] as number;
      if (issuedAt !== undefined && 1000 * issuedAt > now + allowableClockSkewMs) {
        return refuse(
          `The Issued At value (${seconds(issuedAt)} seconds) was after the indicated time (${now} ms) plus allowable clock skew (${allowableClockSkewMs} ms)`,
        );
      }
      if (now - allowableClockSkewMs >= 1000 * expirationTime) {
        return refuse(
          `The indicated time (${now} ms) minus allowable clock skew (${allowableClockSkewMs} ms) was on or after the Expiration Time value (${seconds(expirationTime)} seconds)`,
        );
      }
      if (issuedAt !== undefined && expirationTime <= issuedAt) {
        return refuse(`The Expiration Time time (${seconds(expirationTime)} seconds) was not after the Issued At time (${seconds(issuedAt)} seconds)`);
      }
      for (const required of requiredScope) {
        if (!jws.scope.has(required)) {
          const all = `[${requiredScope.join(', ')}]`;
          return refuse(
            `The provided scope ([${[...jws.scope].join(', ')}]) was missing a required scope (${required}).  All required scope elements: ${all}`,
            all,
          );
        }
      }
      return {
        token: { value: jws.value, principalName: jws.principalName, lifetimeMs: jws.lifetimeMs, startTimeMs: jws.startTimeMs, scope: jws.scope },
      };
    },
  };
}
