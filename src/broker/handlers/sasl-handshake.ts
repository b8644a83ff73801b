import { saslHandshakeRequest, saslHandshakeResponse } from '../../protocol/generated/sasl-handshake.ts';
import { ErrorCode } from '../../protocol/errors.ts';
import { defineHandler } from './handler.ts';

/**
 * Starts (or, KIP-368, restarts) a SASL exchange with the mechanism the client names. Served on
 * every listener, as Kafka advertises it everywhere; where there is no SASL, or once a connection
 * has authenticated and is not re-authenticating, it is ILLEGAL_SASL_STATE, as Kafka's KafkaApis answers.
 */
export const saslHandshakeHandler = defineHandler({
  request: saslHandshakeRequest,
  response: saslHandshakeResponse,
  minVersion: 0,
  maxVersion: 1,
  handle(request, context) {
    if (context.sasl === undefined) return { errorCode: ErrorCode.ILLEGAL_SASL_STATE, mechanisms: [] };
    return context.sasl.handshake(request.mechanism, context.apiVersion);
  },
});
