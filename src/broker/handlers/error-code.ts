import { ErrorCode, KafkaError } from '../../protocol/errors.ts';
import type { RequestContext } from './handler.ts';

export interface ErrorAnswer {
  readonly errorCode: number;
  readonly errorMessage: string | null;
}

/**
 * DESIGN rule 3: typed errors inside, Kafka error codes at the edge. A KafkaError becomes its own
 * code; anything else is a bug or an I/O failure, logged with its cause and answered as
 * UNKNOWN_SERVER_ERROR so the client sees a failure instead of a closed connection.
 */
export function errorAnswer(error: unknown, context: RequestContext): ErrorAnswer {
  if (error instanceof KafkaError) return { errorCode: error.code, errorMessage: error.message };
  context.broker.logger.error({ err: error, clientId: context.clientId, apiVersion: context.apiVersion }, 'unexpected error');
  return { errorCode: ErrorCode.UNKNOWN_SERVER_ERROR, errorMessage: 'Unexpected server error' };
}
