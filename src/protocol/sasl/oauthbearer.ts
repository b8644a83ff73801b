import { SaslMessageError } from './sasl-message-error.ts';

/**
 * SASL/OAUTHBEARER's messages (RFC 7628) as Kafka sends them (OAuthBearerClientInitialResponse):
 *
 *   client initial response:  n,[a=authzid],^Aauth=Bearer <token>^A[key=value^A]...^A
 *   server error challenge:   {"status":"invalid_token"[, "scope":"..."][, "openid-configuration":"..."]}
 *   client answer to it:      ^A  (after which the server fails the authentication)
 *
 * where ^A is the byte 0x01. Extensions are SASL extensions (KIP-342): names of letters only,
 * values of printable ASCII, space, tab, CR and LF; `auth` is reserved.
 */

export const OAUTHBEARER_MECHANISM = 'OAUTHBEARER';
const SEPARATOR = '\u0001';
export const OAUTHBEARER_CONTROL_A = 0x01;
export const OAUTHBEARER_AUTH_KEY = 'auth';

const SASLNAME = '(?:[\\u0001-\\u002B\\u002D-\\u003C\\u003E-\\u007F]|=2C|=3D)+';
const EXTENSION_KEY = /^[A-Za-z]+$/;
const EXTENSION_VALUE = /^[\u0021-\u007E \t\r\n]+$/;
const KEY_VALUE_PAIRS = `(?:[A-Za-z]+=[\\u0021-\\u007E \\t\\r\\n]+${SEPARATOR})*`;
const INITIAL_RESPONSE = new RegExp(`^n,(?:a=(${SASLNAME}))?,${SEPARATOR}(${KEY_VALUE_PAIRS})${SEPARATOR}$`);
const AUTH = /^(\w+) +([-_~+/.a-zA-Z0-9]+=*)$/;

export interface OAuthBearerClientInitialResponse {
  readonly tokenValue: string;
  /** '' when absent; Kafka requires it to equal the token's principal name. */
  readonly authorizationId: string;
  readonly extensions: ReadonlyMap<string, string>;
}

/** Kafka's OAuthBearerClientInitialResponse.validateExtensions, with its messages. */
export function validateOAuthBearerExtensions(extensions: ReadonlyMap<string, string>): void {
  if (extensions.has(OAUTHBEARER_AUTH_KEY)) throw new SaslMessageError(`Extension name ${OAUTHBEARER_AUTH_KEY} is invalid`);
  for (const [name, value] of extensions) {
    if (!EXTENSION_KEY.test(name)) throw new SaslMessageError(`Extension name ${name} is invalid`);
    if (!EXTENSION_VALUE.test(value)) throw new SaslMessageError(`Extension value (${value}) for extension ${name} is invalid`);
  }
}

export function encodeOAuthBearerClientInitialResponse(response: {
  tokenValue: string;
  authorizationId?: string;
  extensions?: ReadonlyMap<string, string>;
}): Buffer {
  const extensions = response.extensions ?? new Map<string, string>();
  validateOAuthBearerExtensions(extensions);
  const authzid = response.authorizationId === undefined || response.authorizationId === '' ? '' : `a=${response.authorizationId}`;
  let pairs = `${OAUTHBEARER_AUTH_KEY}=Bearer ${response.tokenValue}${SEPARATOR}`;
  for (const [name, value] of extensions) pairs += `${name}=${value}${SEPARATOR}`;
  return Buffer.from(`n,${authzid},${SEPARATOR}${pairs}${SEPARATOR}`, 'utf8');
}

/**
 * Parses the client's initial response. The messages are Kafka's; none quotes the token, which is
 * a credential.
 */
export function parseOAuthBearerClientInitialResponse(response: Buffer): OAuthBearerClientInitialResponse {
  const match = INITIAL_RESPONSE.exec(response.toString('utf8'));
  if (match === null) throw new SaslMessageError('Invalid OAUTHBEARER client first message');
  const properties = new Map<string, string>();
  for (const pair of match[2]!.split(SEPARATOR)) {
    if (pair === '') continue;
    const equals = pair.indexOf('=');
    properties.set(pair.slice(0, equals), pair.slice(equals + 1));
  }
  const auth = properties.get(OAUTHBEARER_AUTH_KEY);
  if (auth === undefined) throw new SaslMessageError("Invalid OAUTHBEARER client first message: 'auth' not specified");
  properties.delete(OAUTHBEARER_AUTH_KEY);
  validateOAuthBearerExtensions(properties);
  const authMatch = AUTH.exec(auth);
  if (authMatch === null) throw new SaslMessageError("Invalid OAUTHBEARER client first message: invalid 'auth' format");
  if (authMatch[1]!.toLowerCase() !== 'bearer') {
    throw new SaslMessageError(`Invalid scheme in OAUTHBEARER client first message: ${authMatch[1]}`);
  }
  return { tokenValue: authMatch[2]!, authorizationId: match[1] ?? '', extensions: properties };
}

/** The server's challenge when the token is refused (RFC 7628 section 3.2.2). */
export interface OAuthBearerErrorChallenge {
  /** `invalid_token`, or `insufficient_scope` when a required scope is missing. */
  readonly status: string;
  readonly scope?: string | undefined;
  readonly openidConfiguration?: string | undefined;
}

/**
 * Kafka's OAuthBearerSaslServer.jsonErrorResponse, byte for byte: clients show this text, and
 * Kafka's own client reads it back as the SaslAuthenticate error message.
 */
export function encodeOAuthBearerErrorChallenge(error: OAuthBearerErrorChallenge): string {
  let json = `{"status":"${error.status}"`;
  if (error.scope !== undefined) json += `, "scope":"${error.scope}"`;
  if (error.openidConfiguration !== undefined) json += `, "openid-configuration":"${error.openidConfiguration}"`;
  return `${json}}`;
}

export function parseOAuthBearerErrorChallenge(challenge: Buffer | string): OAuthBearerErrorChallenge {
  const text = typeof challenge === 'string' ? challenge : challenge.toString('utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new SaslMessageError(`Invalid OAUTHBEARER error challenge: ${text}`);
  }
  if (typeof parsed !== 'object' || parsed === null || typeof (parsed as { status?: unknown }).status !== 'string') {
    throw new SaslMessageError(`Invalid OAUTHBEARER error challenge: ${text}`);
  }
  const fields = parsed as Record<string, unknown>;
  return {
    status: fields['status'] as string,
    scope: typeof fields['scope'] === 'string' ? fields['scope'] : undefined,
    openidConfiguration: typeof fields['openid-configuration'] === 'string' ? fields['openid-configuration'] : undefined,
  };
}
