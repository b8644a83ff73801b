import { ErrorCode, errorName } from '../protocol/errors.ts';
import { Apis } from './apis.ts';
import type { Connection } from './connection.ts';
import { KafkaClientError } from './errors.ts';
import { createSaslClient, type SaslClientConfig } from './sasl/sasl-client.ts';

/** What the broker said of the session it authenticated. */
export interface SaslSession {
  /** KIP-368: the client must authenticate again within this many ms; 0 for never. */
  readonly lifetimeMs: number;
}

/**
 * One SASL exchange on an open connection, as Kafka's clients run it since KIP-152: SaslHandshake
 * names the mechanism, then SaslAuthenticate carries each token until the mechanism is done. A
 * refusal is final (not retried): the broker's message says why.
 */
export async function authenticate(connection: Connection, config: SaslClientConfig): Promise<SaslSession> {
  const client = createSaslClient(config);
  const mechanism = client.mechanism;
  const handshake = await connection.send(Apis.SaslHandshake, { mechanism });
  if (handshake.errorCode !== ErrorCode.NONE) {
    const detail = handshake.errorCode === ErrorCode.UNSUPPORTED_SASL_MECHANISM
      ? `the broker does not enable ${mechanism} (it enables ${handshake.mechanisms.join(', ') || 'none'})`
      : errorName(handshake.errorCode);
    throw new KafkaClientError(handshake.errorCode, `SaslHandshake to ${connection.label}`, detail, { retriable: false });
  }
  let token: Buffer | null = await client.initialResponse();
  let lifetimeMs = 0;
  while (token !== null) {
    const response = await connection.send(Apis.SaslAuthenticate, { authBytes: token });
    if (response.errorCode !== ErrorCode.NONE) {
      throw new KafkaClientError(response.errorCode, `SASL ${mechanism} authentication to ${connection.label}`,
        response.errorMessage ?? errorName(response.errorCode), { retriable: false });
    }
    lifetimeMs = Number(response.sessionLifetimeMs ?? 0n);
    token = await client.evaluateChallenge(response.authBytes);
  }
  return { lifetimeMs };
}
