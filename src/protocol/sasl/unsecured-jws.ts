import { SaslMessageError } from './sasl-message-error.ts';

/**
 * Kafka's unsecured OAUTHBEARER tokens (OAuthBearerUnsecuredJws): a JWS with `"alg":"none"` and
 * an empty signature, `base64url(header).base64url(claims).`, for development only. The client
 * makes one from its JAAS options (OAuthBearerUnsecuredLoginCallbackHandler); the broker's
 * unsecured validator reads it back. The error texts are Kafka's.
 */
export interface UnsecuredJws {
  readonly value: string;
  readonly header: Readonly<Record<string, unknown>>;
  readonly claims: Readonly<Record<string, unknown>>;
  readonly principalName: string;
  /** The `exp` claim in milliseconds: when the token, and a session made with it, ends. */
  readonly lifetimeMs: number;
  /** The `iat` claim in milliseconds, when present. */
  readonly startTimeMs: number | undefined;
  readonly scope: ReadonlySet<string>;
}

function decodePart(part: string): Record<string, unknown> {
  if (!/^[A-Za-z0-9_\-+/]*=*$/.test(part)) throw new SaslMessageError('malformed Base64 URL encoded value');
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  } catch {
    throw new SaslMessageError('malformed JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new SaslMessageError('malformed JSON');
  return parsed as Record<string, unknown>;
}

/** Java's simple type names, as Kafka's claim type errors print them. */
function javaTypeName(value: unknown): string {
  if (typeof value === 'number') return Number.isInteger(value) ? 'Integer' : 'Double';
  if (Array.isArray(value)) return 'ArrayList';
  return 'String';
}

function numberClaim(claims: Record<string, unknown>, name: string): number | undefined {
  const value = claims[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number') throw new SaslMessageError(`The '${name}' claim was not of type Number: ${javaTypeName(value)}`);
  return value;
}

function scopeOf(claims: Record<string, unknown>, scopeClaimName: string): Set<string> {
  const value = claims[scopeClaimName];
  if (typeof value === 'string') return value.trim() === '' ? new Set() : new Set([value.trim()]);
  if (value === undefined || value === null) return new Set();
  if (!Array.isArray(value)) throw new SaslMessageError(`The '${scopeClaimName}' claim was not of type List: ${javaTypeName(value)}`);
  return new Set(value.map((item) => String(item).trim()).filter((item) => item !== ''));
}

/** Reads an unsecured JWS; throws SaslMessageError with Kafka's reason when it is not one. */
export function parseUnsecuredJws(value: string, principalClaimName = 'sub', scopeClaimName = 'scope'): UnsecuredJws {
  if (value.includes('..')) throw new SaslMessageError("Malformed compact serialization contains '..'");
  const parts = value.split('.');
  if (parts.length !== 3) throw new SaslMessageError('Unsecured JWS compact serializations must have 3 dot-separated Base64URL-encoded values');
  const header = decodePart(parts[0]!);
  const claims = decodePart(parts[1]!);
  if (header['alg'] === undefined || header['alg'] === null) throw new SaslMessageError('JWS header must have an Algorithm value');
  if (String(header['alg']) !== 'none') throw new SaslMessageError("Unsecured JWS must have 'none' for an algorithm");
  if (parts[2] !== '') throw new SaslMessageError('Unsecured JWS must not contain a digital signature');
  const scope = scopeOf(claims, scopeClaimName.trim());
  const expirationTime = numberClaim(claims, 'exp');
  if (expirationTime === undefined) throw new SaslMessageError('No expiration time in JWT');
  const principal = claims[principalClaimName.trim()];
  if (principal !== undefined && principal !== null && typeof principal !== 'string') {
    throw new SaslMessageError(`The '${principalClaimName}' claim was not of type String: ${javaTypeName(principal)}`);
  }
  if (typeof principal !== 'string' || principal.trim() === '') throw new SaslMessageError(`No principal name in JWT claim: ${principalClaimName}`);
  const issuedAt = numberClaim(claims, 'iat');
  return {
    value,
    header,
    claims,
    principalName: principal,
    lifetimeMs: Math.round(expirationTime * 1000),
    startTimeMs: issuedAt === undefined ? undefined : Math.round(issuedAt * 1000),
    scope,
  };
}

/** An unsecured JWS of these claims: `{"alg":"none"}` as header, no signature. */
export function encodeUnsecuredJws(claims: Readonly<Record<string, unknown>>): string {
  const encode = (json: unknown) => Buffer.from(JSON.stringify(json), 'utf8').toString('base64url');
  return `${encode({ alg: 'none' })}.${encode(claims)}.`;
}
