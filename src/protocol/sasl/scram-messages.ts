import { SaslMessageError } from './sasl-message-error.ts';

/**
 * The four SCRAM messages (RFC 5802 section 7) as Kafka exchanges them: only the gs2 header "n"
 * (no channel binding), extensions after the nonce in the client's first message (Kafka's
 * `tokenauth=true` for delegation tokens), other extensions tolerated and ignored.
 *
 * Each parsed message keeps its own text, because the AuthMessage both sides sign is made of the
 * messages exactly as they were sent (RFC 5802 section 3), not of a re-encoding.
 */

// Character classes of RFC 5802's grammar. A name may hold any character but NUL, ',' and '='
// (those two travel as =2C and =3D); Kafka's own pattern takes ASCII only, we also take UTF-8.
const SAFE_CHAR = '[\\u0001-\\u002B\\u002D-\\u003C\\u003E-\\u{10FFFF}]';
const SASLNAME = `(?:${SAFE_CHAR}|=2C|=3D)+`;
const VALUE = '[\\u0001-\\u002B\\u002D-\\u{10FFFF}]+';
const VALUE_SAFE = `${SAFE_CHAR}+`;
const PRINTABLE = '[\\u0021-\\u002B\\u002D-\\u007E]+';
const BASE64 = '(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{2}==)?';
const RESERVED = `(?:m=${VALUE},)?`;
const EXTENSIONS = `(?:,[A-Za-z]+=${VALUE})*`;

const CLIENT_FIRST = new RegExp(`^n,(?:a=(${SASLNAME}))?,(${RESERVED}n=(${SASLNAME}),r=(${PRINTABLE})(${EXTENSIONS}))$`, 'u');
const SERVER_FIRST = new RegExp(`^${RESERVED}r=(${PRINTABLE}),s=(${BASE64}),i=([0-9]+)${EXTENSIONS}$`, 'u');
const CLIENT_FINAL = new RegExp(`^(c=(${BASE64}),r=(${PRINTABLE})${EXTENSIONS}),p=(${BASE64})$`, 'u');
const SERVER_FINAL = new RegExp(`^(?:e=(${VALUE_SAFE})|v=(${BASE64}))${EXTENSIONS}$`, 'u');

/** Kafka's ScramLoginModule.TOKEN_AUTH_CONFIG: the client authenticates with a delegation token. */
export const SCRAM_TOKEN_AUTH_EXTENSION = 'tokenauth';

/** `n,,n=user,r=nonce[,ext=value...]`: the client's first message. */
export interface ScramClientFirstMessage {
  /** The gs2 header's `a=` authorization id, '' when absent (Kafka requires it to be the username). */
  readonly authorizationId: string;
  /** The username as escaped on the wire (=2C, =3D); see scramUsername. */
  readonly saslName: string;
  readonly nonce: string;
  readonly extensions: ReadonlyMap<string, string>;
  /** client-first-message-bare: everything after the gs2 header, part of the AuthMessage. */
  readonly bare: string;
  /** The gs2 header (`n,,` or `n,a=...,`), which the client-final message's `c=` carries in base64. */
  readonly gs2Header: string;
}

/** `r=nonce,s=salt,i=iterations`: the server's first message. */
export interface ScramServerFirstMessage {
  /** The client's nonce followed by the server's. */
  readonly nonce: string;
  readonly salt: Buffer;
  readonly iterations: number;
  readonly text: string;
}

/** `c=biws,r=nonce,p=proof`: the client's final message. */
export interface ScramClientFinalMessage {
  readonly channelBinding: Buffer;
  readonly nonce: string;
  readonly proof: Buffer;
  /** client-final-message-without-proof, the last part of the AuthMessage. */
  readonly withoutProof: string;
}

/** `v=signature` on success or `e=error` on failure: the server's final message. */
export type ScramServerFinalMessage = { readonly serverSignature: Buffer; readonly error?: undefined } | { readonly error: string; readonly serverSignature?: undefined };

/** Escapes a username for `n=` (RFC 5802 section 5.1): '=' as =3D, ',' as =2C (Kafka's ScramFormatter.saslName). */
export function scramSaslName(username: string): string {
  return username.replaceAll('=', '=3D').replaceAll(',', '=2C');
}

/** Unescapes `n=`'s value; any other '=' sequence is an invalid name (Kafka's ScramFormatter.username). */
export function scramUsername(saslName: string): string {
  const withCommas = saslName.replaceAll('=2C', ',');
  if (withCommas.replaceAll('=3D', '').includes('=')) throw new SaslMessageError(`Invalid username: ${saslName}`);
  return withCommas.replaceAll('=3D', '=');
}

function text(message: Buffer | string): string {
  return typeof message === 'string' ? message : message.toString('utf8');
}

function parseExtensions(extensions: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const pair of extensions.split(',')) {
    if (pair === '') continue;
    const equals = pair.indexOf('=');
    map.set(pair.slice(0, equals), pair.slice(equals + 1));
  }
  return map;
}

export function parseScramClientFirstMessage(message: Buffer | string): ScramClientFirstMessage {
  const value = text(message);
  const match = CLIENT_FIRST.exec(value);
  if (match === null) throw new SaslMessageError(`Invalid SCRAM client first message format: ${value}`);
  const bare = match[2]!;
  return {
    authorizationId: match[1] ?? '',
    saslName: match[3]!,
    nonce: match[4]!,
    extensions: parseExtensions(match[5]!),
    bare,
    gs2Header: value.slice(0, value.length - bare.length),
  };
}

export function encodeScramClientFirstMessage(saslName: string, nonce: string, extensions: ReadonlyMap<string, string> = new Map()): string {
  let bare = `n=${saslName},r=${nonce}`;
  for (const [key, value] of extensions) bare += `,${key}=${value}`;
  return `n,,${bare}`;
}

export function parseScramServerFirstMessage(message: Buffer | string): ScramServerFirstMessage {
  const value = text(message);
  const match = SERVER_FIRST.exec(value);
  if (match === null) throw new SaslMessageError(`Invalid SCRAM server first message format: ${value}`);
  const iterations = Number(match[3]);
  if (!Number.isSafeInteger(iterations) || iterations <= 0 || iterations > 0x7fffffff) {
    throw new SaslMessageError(`Invalid SCRAM server first message format: invalid iterations ${match[3]}`);
  }
  return { nonce: match[1]!, salt: Buffer.from(match[2]!, 'base64'), iterations, text: value };
}

export function encodeScramServerFirstMessage(nonce: string, salt: Buffer, iterations: number): string {
  return `r=${nonce},s=${salt.toString('base64')},i=${iterations}`;
}

export function parseScramClientFinalMessage(message: Buffer | string): ScramClientFinalMessage {
  const value = text(message);
  const match = CLIENT_FINAL.exec(value);
  // The message carries the proof: it is not quoted, even to a log.
  if (match === null) throw new SaslMessageError('Invalid SCRAM client final message format');
  return {
    withoutProof: match[1]!,
    channelBinding: Buffer.from(match[2]!, 'base64'),
    nonce: match[3]!,
    proof: Buffer.from(match[4]!, 'base64'),
  };
}

/** `c=` is the gs2 header in base64: `biws` for `n,,`. */
export function encodeScramClientFinalMessageWithoutProof(gs2Header: string, nonce: string): string {
  return `c=${Buffer.from(gs2Header, 'utf8').toString('base64')},r=${nonce}`;
}

export function encodeScramClientFinalMessage(withoutProof: string, proof: Buffer): string {
  return `${withoutProof},p=${proof.toString('base64')}`;
}

export function parseScramServerFinalMessage(message: Buffer | string): ScramServerFinalMessage {
  const value = text(message);
  const match = SERVER_FINAL.exec(value);
  if (match === null) throw new SaslMessageError(`Invalid SCRAM server final message format: ${value}`);
  if (match[1] !== undefined) return { error: match[1] };
  return { serverSignature: Buffer.from(match[2]!, 'base64') };
}

export function encodeScramServerFinalMessage(final: ScramServerFinalMessage): string {
  return final.error !== undefined ? `e=${final.error}` : `v=${final.serverSignature.toString('base64')}`;
}
