import { ErrorCode, errorName, isRetriable } from '../protocol/errors.ts';

/**
 * Every failure the client reports: Kafka's error code and name (or a client-side code such as
 * NETWORK_EXCEPTION / REQUEST_TIMED_OUT / UNSUPPORTED_VERSION), whether retrying can help, and
 * what the client was doing, so that one line says what happened.
 */
export class KafkaClientError extends Error {
  readonly code: number;
  readonly errorName: string;
  readonly retriable: boolean;
  /** What the client was doing, e.g. "Produce to orders-3 on broker 1". */
  readonly operation: string;
  /** What went wrong without the operation: the error's name and the broker's or client's detail. */
  readonly reason: string;

  constructor(code: number, operation: string, detail?: string | null, options?: { cause?: unknown; retriable?: boolean }) {
    const name = errorName(code);
    const reason = `${name}${detail ? ` (${detail})` : ''}`;
    super(`${operation}: ${reason}`, options?.cause === undefined ? undefined : { cause: options.cause });
    this.reason = reason;
    this.name = 'KafkaClientError';
    this.code = code;
    this.errorName = name;
    this.retriable = options?.retriable ?? isRetriable(code);
    this.operation = operation;
  }
}

/**
 * A connection to a broker the metadata no longer lists (it died, or left the cluster): retried
 * as LEADER_NOT_AVAILABLE once the metadata is refreshed; a group member looks its coordinator up
 * again, since a new FindCoordinator is the only way to the coordinator that replaced it.
 */
export class BrokerNotInMetadataError extends KafkaClientError {
  constructor(nodeId: number) {
    super(ErrorCode.LEADER_NOT_AVAILABLE, `connect to broker ${nodeId}`, 'broker not in metadata');
  }
}

/** Throws a KafkaClientError when `code` is not NONE. */
export function throwIfError(code: number, operation: string, detail?: string | null): void {
  if (code !== ErrorCode.NONE) throw new KafkaClientError(code, operation, detail);
}

/** A lost or refused connection: always retriable, the next attempt reconnects. */
export function networkError(operation: string, detail: string, cause?: unknown): KafkaClientError {
  return new KafkaClientError(ErrorCode.NETWORK_EXCEPTION, operation, detail, { cause, retriable: true });
}

/** The broker does not serve an API (or no version both sides speak): retrying cannot help. */
export function unsupportedApi(operation: string, detail: string): KafkaClientError {
  return new KafkaClientError(ErrorCode.UNSUPPORTED_VERSION, operation, detail, { retriable: false });
}

/** The client errors that mean "your metadata is stale": refresh and retry. */
export function isMetadataError(code: number): boolean {
  return code === ErrorCode.NOT_LEADER_OR_FOLLOWER || code === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION ||
    code === ErrorCode.LEADER_NOT_AVAILABLE || code === ErrorCode.FENCED_LEADER_EPOCH ||
    code === ErrorCode.UNKNOWN_LEADER_EPOCH || code === ErrorCode.KAFKA_STORAGE_ERROR ||
    code === ErrorCode.REPLICA_NOT_AVAILABLE;
}

/**
 * The errors that say the broker asked is gone or is not the one to ask (any more): the leader,
 * controller or coordinator died or moved. Kafka's clients refresh their metadata (or look the
 * coordinator up again) and retry these until their timeout, not a count of attempts; a
 * connection to a broker the metadata no longer lists is LEADER_NOT_AVAILABLE. REQUEST_TIMED_OUT is
 * not one: a broker may answer it for work it could not finish (a topic not created in time), and
 * a retry would not find the same state.
 */
export function nodeGoneOrMoved(error: KafkaClientError): boolean {
  return NODE_GONE_OR_MOVED.has(error.code);
}

const NODE_GONE_OR_MOVED: ReadonlySet<number> = new Set([
  ErrorCode.NETWORK_EXCEPTION, ErrorCode.NOT_LEADER_OR_FOLLOWER, ErrorCode.LEADER_NOT_AVAILABLE,
  ErrorCode.FENCED_LEADER_EPOCH, ErrorCode.UNKNOWN_LEADER_EPOCH, ErrorCode.NOT_CONTROLLER, ErrorCode.NOT_COORDINATOR,
  ErrorCode.COORDINATOR_NOT_AVAILABLE, ErrorCode.COORDINATOR_LOAD_IN_PROGRESS,
]);
