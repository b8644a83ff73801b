/**
 * Typed storage errors. Each is a KafkaError carrying the code the broker answers with, so a
 * handler needs no storage-specific mapping: KAFKA_STORAGE_ERROR for I/O failures and inconsistent
 * files, OFFSET_OUT_OF_RANGE, CORRUPT_MESSAGE, INCONSISTENT_CLUSTER_ID.
 */
import { ErrorCode, KafkaError } from '../protocol/errors.ts';

/** An I/O failure or an inconsistent file on disk: Kafka's KAFKA_STORAGE_ERROR unless a subclass says otherwise. */
export class StorageError extends KafkaError {
  constructor(message: string, options?: { cause?: unknown; code?: number }) {
    super(options?.code ?? ErrorCode.KAFKA_STORAGE_ERROR, message,
      options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
  }
}

/** A fetch or truncation asked for an offset outside [logStartOffset, logEndOffset]. */
export class OffsetOutOfRangeError extends StorageError {
  readonly offset: number;
  readonly logStartOffset: number;
  readonly logEndOffset: number;

  constructor(offset: number, logStartOffset: number, logEndOffset: number, where: string) {
    super(`offset ${offset} is out of range [${logStartOffset}, ${logEndOffset}] of ${where}`,
      { code: ErrorCode.OFFSET_OUT_OF_RANGE });
    this.offset = offset;
    this.logStartOffset = logStartOffset;
    this.logEndOffset = logEndOffset;
  }
}

/** Bytes handed to the log do not split into whole v2 batches with sane offsets. */
export class CorruptRecordError extends StorageError {
  constructor(message: string) {
    super(message, { code: ErrorCode.CORRUPT_MESSAGE });
  }
}

/** meta.properties in a log dir names another cluster or node than the one starting. */
export class InconsistentClusterIdError extends StorageError {
  constructor(message: string) {
    super(message, { code: ErrorCode.INCONSISTENT_CLUSTER_ID });
  }
}

/**
 * A system call on a log dir's files failed (EIO, ENOSPC, EROFS, a vanished directory...): the
 * failure Kafka answers by taking the whole log dir offline. `errno` is the fs error code.
 */
export class FileIoError extends StorageError {
  readonly errno: string | undefined;

  constructor(message: string, cause: unknown) {
    super(message, { cause });
    this.errno = (cause as NodeJS.ErrnoException | undefined)?.code;
  }
}

/** Wraps an fs failure so callers see one typed error with the cause attached. */
export function ioError(action: string, path: string, cause: unknown): StorageError {
  if (cause instanceof StorageError) return cause;
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new FileIoError(`${action} ${path} failed: ${reason}`, cause);
}
