import { KafkaClientError } from '../../client/index.ts';
import { ErrorCode, errorName } from '../../protocol/errors.ts';
import type { ApiError, ApiErrorCode } from '../api-types.ts';

/** The HTTP status of each API error code (docs/console-api.md lists the same). */
export const STATUS_OF: Readonly<Record<ApiErrorCode, number>> = Object.freeze({
  BAD_REQUEST: 400, UNAUTHORIZED: 401, READ_ONLY: 403, FORBIDDEN: 403, NOT_FOUND: 404, METHOD_NOT_ALLOWED: 405,
  CONFLICT: 409, PAYLOAD_TOO_LARGE: 413, UNSUPPORTED_MEDIA_TYPE: 415, INTERNAL: 500, UNSUPPORTED: 501,
  KAFKA_ERROR: 502, UNAVAILABLE: 503, TIMEOUT: 504,
});

/** An error the API answers as it is: thrown by validation and by routes that know what went wrong. */
export class ApiHttpError extends Error {
  readonly code: ApiErrorCode;
  readonly kafkaErrorCode: number | undefined;

  constructor(code: ApiErrorCode, message: string, kafkaErrorCode?: number) {
    super(message);
    this.name = 'ApiHttpError';
    this.code = code;
    this.kafkaErrorCode = kafkaErrorCode;
  }

  get status(): number {
    return STATUS_OF[this.code];
  }
}

export function badRequest(message: string): ApiHttpError {
  return new ApiHttpError('BAD_REQUEST', message);
}

export function notFound(message: string): ApiHttpError {
  return new ApiHttpError('NOT_FOUND', message);
}

/** Kafka's error codes by what they mean for a caller of the API; the rest are KAFKA_ERROR (502). */
const KAFKA_CODES: ReadonlyArray<[ApiErrorCode, readonly number[]]> = [
  ['NOT_FOUND', [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, ErrorCode.GROUP_ID_NOT_FOUND, ErrorCode.RESOURCE_NOT_FOUND, ErrorCode.UNKNOWN_TOPIC_ID]],
  ['CONFLICT', [
    ErrorCode.TOPIC_ALREADY_EXISTS, ErrorCode.NON_EMPTY_GROUP, ErrorCode.REBALANCE_IN_PROGRESS, ErrorCode.UNKNOWN_MEMBER_ID,
    ErrorCode.ILLEGAL_GENERATION, ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC, ErrorCode.REASSIGNMENT_IN_PROGRESS, ErrorCode.DUPLICATE_RESOURCE,
    ErrorCode.TOPIC_DELETION_DISABLED, ErrorCode.FENCED_MEMBER_EPOCH, ErrorCode.STALE_MEMBER_EPOCH,
  ]],
  ['BAD_REQUEST', [
    ErrorCode.INVALID_TOPIC_EXCEPTION, ErrorCode.INVALID_PARTITIONS, ErrorCode.INVALID_REPLICATION_FACTOR, ErrorCode.INVALID_REPLICA_ASSIGNMENT,
    ErrorCode.INVALID_CONFIG, ErrorCode.INVALID_REQUEST, ErrorCode.POLICY_VIOLATION, ErrorCode.INVALID_GROUP_ID, ErrorCode.MESSAGE_TOO_LARGE,
    ErrorCode.RECORD_LIST_TOO_LARGE, ErrorCode.INVALID_RECORD, ErrorCode.INVALID_TIMESTAMP, ErrorCode.UNSUPPORTED_SASL_MECHANISM,
    ErrorCode.INVALID_PRINCIPAL_TYPE, ErrorCode.UNACCEPTABLE_CREDENTIAL, ErrorCode.INVALID_COMMIT_OFFSET_SIZE, ErrorCode.OFFSET_METADATA_TOO_LARGE,
  ]],
  ['FORBIDDEN', [
    ErrorCode.TOPIC_AUTHORIZATION_FAILED, ErrorCode.GROUP_AUTHORIZATION_FAILED, ErrorCode.CLUSTER_AUTHORIZATION_FAILED,
    ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, ErrorCode.DELEGATION_TOKEN_AUTHORIZATION_FAILED,
  ]],
  ['UNSUPPORTED', [ErrorCode.UNSUPPORTED_VERSION, ErrorCode.SECURITY_DISABLED, ErrorCode.UNSUPPORTED_FOR_MESSAGE_FORMAT]],
  ['UNAVAILABLE', [
    ErrorCode.NETWORK_EXCEPTION, ErrorCode.LEADER_NOT_AVAILABLE, ErrorCode.BROKER_NOT_AVAILABLE, ErrorCode.COORDINATOR_NOT_AVAILABLE,
    ErrorCode.COORDINATOR_LOAD_IN_PROGRESS, ErrorCode.NOT_COORDINATOR, ErrorCode.NOT_CONTROLLER, ErrorCode.NOT_LEADER_OR_FOLLOWER,
    ErrorCode.NOT_ENOUGH_REPLICAS, ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND, ErrorCode.KAFKA_STORAGE_ERROR, ErrorCode.THROTTLING_QUOTA_EXCEEDED,
  ]],
  ['TIMEOUT', [ErrorCode.REQUEST_TIMED_OUT]],
];

const CODE_OF_KAFKA: ReadonlyMap<number, ApiErrorCode> = new Map(KAFKA_CODES.flatMap(([code, kafka]) => kafka.map((k) => [k, code] as const)));

/** The API's answer for any error: what the API threw as is, the client's errors by their Kafka code, anything else INTERNAL. */
export function apiErrorOf(error: unknown): { status: number; body: ApiError; internal: boolean } {
  if (error instanceof ApiHttpError) {
    return {
      status: error.status, internal: false,
      body: { code: error.code, message: error.message, ...(error.kafkaErrorCode === undefined ? {} : { kafkaErrorCode: error.kafkaErrorCode, kafkaErrorName: errorName(error.kafkaErrorCode) }) },
    };
  }
  if (error instanceof KafkaClientError) {
    const code = CODE_OF_KAFKA.get(error.code) ?? 'KAFKA_ERROR';
    return { status: STATUS_OF[code], internal: false, body: { code, message: error.message, kafkaErrorCode: error.code, kafkaErrorName: error.errorName } };
  }
  return { status: 500, internal: true, body: { code: 'INTERNAL', message: `internal error: ${error instanceof Error ? error.message : String(error)}` } };
}
