import { ErrorCode, KafkaError } from '../../protocol/errors.ts';
import type { DelayedOperationPurgatory } from './delayed-operation-purgatory.ts';
import type { Partition } from './partition.ts';

/** A settled completion shared by every append that waits for nothing: no promise per batch. */
export const APPEND_DONE: Promise<void> = Promise.resolve();

/**
 * When an append may be answered (Kafka's DelayedProduce, one per partition append). acks=0 and
 * acks=1: once appended, and once any fsync the topic's flush policy asked for has ended. acks=-1:
 * once the high watermark passes the append's last offset, which on a leader alone is at once (or
 * after that fsync). Otherwise it waits in the produce purgatory, woken whenever the partition's
 * high watermark moves or its leadership changes, until `timeoutMs`: REQUEST_TIMED_OUT, the
 * records written but not known to be replicated. A partition whose leadership moved answers
 * NOT_LEADER_OR_FOLLOWER; one whose ISR fell below min.insync.replicas meanwhile answers
 * NOT_ENOUGH_REPLICAS_AFTER_APPEND.
 */
export function appendCompletion(
  purgatory: DelayedOperationPurgatory,
  partition: Partition,
  isCurrent: () => boolean,
  append: { readonly lastOffset: number; readonly durable?: Promise<void> },
  requiredAcks: number,
  timeoutMs: number,
): Promise<void> {
  if (requiredAcks !== -1) return append.durable ?? APPEND_DONE;
  const requiredOffset = append.lastOffset + 1;
  const replicated = (): Promise<void> => {
    const now = progress(partition, isCurrent, requiredOffset);
    if (now !== undefined) return now === ErrorCode.NONE ? APPEND_DONE : rejected(now, partition, requiredOffset);
    return new Promise<void>((resolve, reject) => {
      let outcome: ErrorCode | undefined;
      purgatory.tryCompleteElseWatch({
        tryComplete: () => (outcome = progress(partition, isCurrent, requiredOffset)) !== undefined,
        onComplete: () => {
          const errorCode = outcome ?? ErrorCode.REQUEST_TIMED_OUT;
          if (errorCode === ErrorCode.NONE) resolve();
          else reject(error(errorCode, partition, requiredOffset));
        },
      }, [partition.key], timeoutMs);
    });
  };
  const completion = append.durable === undefined ? replicated() : append.durable.then(replicated);
  // Callers that only care about the append (acks=1 semantics) may drop it: never an unhandled rejection.
  completion.catch(() => undefined);
  return completion;
}

function progress(partition: Partition, isCurrent: () => boolean, requiredOffset: number): ErrorCode | undefined {
  if (!isCurrent()) return ErrorCode.NOT_LEADER_OR_FOLLOWER;
  const state = partition.acksAllProgress(requiredOffset);
  return state.done ? state.errorCode : undefined;
}

function rejected(errorCode: ErrorCode, partition: Partition, requiredOffset: number): Promise<void> {
  const promise = Promise.reject(error(errorCode, partition, requiredOffset));
  promise.catch(() => undefined);
  return promise;
}

function error(errorCode: ErrorCode, partition: Partition, requiredOffset: number): KafkaError {
  switch (errorCode) {
    case ErrorCode.REQUEST_TIMED_OUT:
      return new KafkaError(errorCode, `the in-sync replicas of ${partition.key} did not reach offset ${requiredOffset} in time`);
    case ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND:
      return new KafkaError(errorCode, `${partition.key} has ${partition.inSyncReplicaCount} in-sync replicas, below min.insync.replicas ${partition.minInSyncReplicas}, after the append`);
    case ErrorCode.NOT_LEADER_OR_FOLLOWER:
      return new KafkaError(errorCode, `this broker stopped leading ${partition.key} before offset ${requiredOffset} was replicated`);
    default:
      return new KafkaError(errorCode, `append to ${partition.key} failed`);
  }
}
