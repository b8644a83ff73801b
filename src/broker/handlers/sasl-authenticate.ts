import { saslAuthenticateRequest, saslAuthenticateResponse } from '../../protocol/generated/sasl-authenticate.ts';
import { ErrorCode } from '../../protocol/errors.ts';
import { defineHandler } from './handler.ts';

/** One step of the connection's SASL exchange (after SaslHandshake v1); its answer carries the mechanism's challenge. */
export const saslAuthenticateHandler = defineHandler({
  request: saslAuthenticateRequest,
  response: saslAuthenticateResponse,
  minVersion: 0,
  maxVersion: 2,
  async handle(request, context) {
    if (context.sasl === undefined) {
      return { errorCode: ErrorCode.ILLEGAL_SASL_STATE, errorMessage: 'SASL is not enabled on this listener', authBytes: Buffer.alloc(0), sessionLifetimeMs: 0n };
    }
    // Copied: the request frame's memory may serve the next request once this one is answered.
    return context.sasl.authenticate(Buffer.from(request.authBytes));
  },
});
