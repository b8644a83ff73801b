import { ErrorCode, KafkaError } from '../../../protocol/errors.ts';
import type { Logger } from '../../logger.ts';

/**
 * The error code a coordinator operation's failure is answered with (Kafka's
 * CoordinatorOperationExceptionHelper): failures of the internal topic's log become the
 * coordinator errors clients know how to retry; anything unexpected is logged and becomes
 * UNKNOWN_SERVER_ERROR.
 */
export function coordinatorErrorCode(error: unknown, logger: Logger, operation: string): number {
  if (!(error instanceof KafkaError)) {
    logger.error({ err: error, operation }, 'coordinator operation failed unexpectedly');
    return ErrorCode.UNKNOWN_SERVER_ERROR;
  }
  switch (error.code) {
    case ErrorCode.UNKNOWN_TOPIC_OR_PARTITION:
    case ErrorCode.NOT_ENOUGH_REPLICAS:
    // A replicated write the ISR shrank under (acks=-1), as Kafka's offset manager maps it.
    case ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND:
    case ErrorCode.REQUEST_TIMED_OUT:
      return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    case ErrorCode.NOT_LEADER_OR_FOLLOWER:
    case ErrorCode.KAFKA_STORAGE_ERROR:
      return ErrorCode.NOT_COORDINATOR;
    case ErrorCode.MESSAGE_TOO_LARGE:
    case ErrorCode.RECORD_LIST_TOO_LARGE:
    case ErrorCode.INVALID_FETCH_SIZE:
      return ErrorCode.UNKNOWN_SERVER_ERROR;
    default:
      return error.code;
  }
}
