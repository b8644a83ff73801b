import { SaslMessageError } from './sasl-message-error.ts';

/**
 * SASL/PLAIN's one message (RFC 4616): `[authzid] NUL authcid NUL passwd`, UTF-8. Kafka takes
 * an authzid only when it equals the username (authcid).
 */
export interface PlainMessage {
  /** '' when the client asks for no other identity. */
  readonly authorizationId: string;
  readonly username: string;
  readonly password: string;
}

export function encodePlainMessage(message: { username: string; password: string; authorizationId?: string }): Buffer {
  return Buffer.from(`${message.authorizationId ?? ''}\u0000${message.username}\u0000${message.password}`, 'utf8');
}

/**
 * Splits the message in three at its NULs. A message without exactly three parts is refused with
 * Kafka's text (PlainSaslServer.extractTokens), which counts the parts but never quotes them.
 */
export function parsePlainMessage(message: Buffer): PlainMessage {
  const tokens = message.toString('utf8').split('\u0000');
  if (tokens.length !== 3) {
    // Kafka stops counting at four parts.
    throw new SaslMessageError(`Invalid SASL/PLAIN response: expected 3 tokens, got ${Math.min(tokens.length, 4)}`);
  }
  return { authorizationId: tokens[0]!, username: tokens[1]!, password: tokens[2]! };
}
