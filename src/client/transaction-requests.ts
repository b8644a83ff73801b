import { setTimeout as sleep } from 'node:timers/promises';
import { ErrorCode, errorName, isRetriable } from '../protocol/errors.ts';
import { Apis } from './apis.ts';
import type { Cluster } from './cluster.ts';
import type { Connection } from './connection.ts';
import { BrokerNotInMetadataError, KafkaClientError } from './errors.ts';
import type { ConsumerGroupMetadata, TopicPartitionOffset } from './group-requests.ts';
import type { TopicPartition } from './topic-partition.ts';
import { tpKey } from './topic-partition.ts';
import type { TransactionManager } from './transaction-manager.ts';

/** What a response handler decides: done, send again (after `number` ms, or the usual backoff), or find the coordinator first. */
type Outcome = 'done' | 'retry' | 'lookup' | number;

interface CoordinatorKey { readonly keyType: 0 | 1; readonly key: string }

/**
 * Retrying the first AddPartitionsToTxn of a transaction on CONCURRENT_TRANSACTIONS: the last one's
 * markers are nearly written (a millisecond or two on one machine). Java waits 20 ms at once; this
 * starts at 1 ms and doubles up to those 20, so back-to-back transactions do not idle 20 ms each.
 */
const ADD_PARTITIONS_RETRY_BACKOFF_MS = 20;
/** An idempotent producer's id never expires by a transaction timeout. */
const NO_TRANSACTION_TIMEOUT = 2_147_483_647;

/**
 * The requests of an idempotent or transactional producer to its transaction coordinator (and to
 * the group coordinator for TxnOffsetCommit), one at a time in order, as Java's sender sends them:
 * each is retried until it succeeds (finding the coordinator again when it moved or a connection
 * broke), or an error decides otherwise. The handlers classify every error code as Java's
 * TransactionManager does: retriable, abortable (the transaction must be aborted), or fatal (the
 * producer is done); the transaction manager holds the outcome, so the sender sees it too.
 */
export class TransactionRequests {
  readonly #cluster: Cluster;
  readonly #tm: TransactionManager;
  readonly #onChange: () => void;
  readonly #coordinators = new Map<string, number>();
  /** Errors whose meaning the handlers have already given to the transaction manager. */
  readonly #decided = new WeakSet<Error>();
  readonly #closing = new AbortController();
  #chain: Promise<unknown> = Promise.resolve();
  #initializing = false;
  #addingPartitions = false;
  /** The coordinator can run KIP-890's transaction protocol v2 (known once InitProducerId has reached it). */
  transactionV2Available = false;

  /** `onChange`: told when a request changed what the sender may do (a producer id arrived, partitions joined). */
  constructor(cluster: Cluster, tm: TransactionManager, onChange: () => void) {
    this.#cluster = cluster;
    this.#tm = tm;
    this.#onChange = onChange;
  }

  close(): void {
    this.#closing.abort();
  }

  /** Runs `op` after every request queued before it. */
  #serially<T>(op: () => Promise<T>): Promise<T> {
    const run = this.#chain.then(op, op);
    this.#chain = run.catch(() => {});
    return run;
  }

  #fatal(error: Error): Error {
    this.#tm.transitionToFatalError(error);
    this.#decided.add(error);
    return error;
  }

  #abortable(error: Error): Error {
    this.#tm.transitionToAbortableError(error);
    this.#decided.add(error);
    return error;
  }

  #abortableIfPossible(error: Error): Error {
    this.#tm.abortableErrorIfPossible(error);
    this.#decided.add(error);
    return error;
  }

  #error(code: number, operation: string, detail?: string | null): KafkaClientError {
    return new KafkaClientError(code, `${operation} for ${this.#tm.label}`, detail ?? null, { retriable: false });
  }

  /** PRODUCER_FENCED however the coordinator says it (older ones say INVALID_PRODUCER_EPOCH). */
  #fenced(operation: string): Error {
    return this.#fatal(this.#error(ErrorCode.PRODUCER_FENCED, operation, 'fenced by a newer producer with the same transactional id'));
  }

  /**
   * Sends until `handle` says done. A lost connection or a timeout looks the coordinator up again;
   * any other transport error (no common API version) is fatal. `terminateOnError`: a request
   * that meets the producer in an error state fails with that error unsent (Java's
   * maybeTerminateRequestWithError).
   */
  async #call<Res>(operation: string, target: CoordinatorKey | null, send: (connection: Connection) => Promise<Res>, handle: (response: Res) => Outcome): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      if (this.#closing.signal.aborted) throw this.#error(ErrorCode.UNKNOWN_SERVER_ERROR, operation, 'the producer is closed');
      if (this.#tm.hasError) throw this.#tm.currentError();
      let outcome: Outcome;
      try {
        const nodeId = target === null ? undefined : await this.#coordinator(target);
        const connection = nodeId === undefined ? await this.#cluster.anyConnection('group') : await this.#cluster.connection(nodeId, 'group');
        outcome = handle(await send(connection));
      } catch (error) {
        if (error instanceof Error && this.#decided.has(error)) throw error;
        if (!(error instanceof KafkaClientError) || !error.retriable) throw this.#fatal(error as Error);
        outcome = 'lookup';
      }
      if (outcome === 'done') return;
      if (outcome === 'lookup' && target !== null) this.#coordinators.delete(`${target.keyType}\0${target.key}`);
      await sleep(typeof outcome === 'number' ? outcome : this.#cluster.retryBackoff.backoff(attempt), undefined, { signal: this.#closing.signal }).catch(() => {});
    }
  }

  /** FindCoordinator: key type 1 finds the transaction coordinator of a transactional id, 0 a group's. */
  async #coordinator(target: CoordinatorKey): Promise<number> {
    const cacheKey = `${target.keyType}\0${target.key}`;
    const known = this.#coordinators.get(cacheKey);
    if (known !== undefined) return known;
    const what = target.keyType === 1 ? `transactional id ${target.key}` : `group ${target.key}`;
    for (let attempt = 0; ; attempt++) {
      const response = await this.#cluster.send(undefined, 'group', Apis.FindCoordinator, { key: target.key, keyType: target.keyType });
      const code = response.errorCode ?? ErrorCode.NONE;
      if (code === ErrorCode.NONE) {
        // The coordinator may be a broker the metadata does not list yet.
        if (!this.#cluster.metadata.brokers.has(response.nodeId!)) await this.#cluster.refreshMetadata();
        if (!this.#cluster.metadata.brokers.has(response.nodeId!)) throw new BrokerNotInMetadataError(response.nodeId!);
        this.#coordinators.set(cacheKey, response.nodeId!);
        return response.nodeId!;
      }
      const error = this.#error(code, `FindCoordinator for ${what}`, response.errorMessage);
      if (code === ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED) throw this.#fatal(error);
      if (code === ErrorCode.GROUP_AUTHORIZATION_FAILED) throw this.#abortable(error);
      if (!isRetriable(code)) throw this.#fatal(error);
      if (this.#closing.signal.aborted) throw error;
      await sleep(this.#cluster.retryBackoff.backoff(attempt), undefined, { signal: this.#closing.signal }).catch(() => {});
    }
  }

  get #transactionCoordinator(): CoordinatorKey {
    return { keyType: 1, key: this.#tm.transactionalId! };
  }

  /** For an idempotent producer with no producer id (first use, or its epoch used up): fetches one in the background. */
  maybeInitIdempotent(): void {
    if (this.#initializing) return;
    this.#initializing = true;
    this.#tm.transitionTo('INITIALIZING');
    this.initProducerId(false).catch(() => {}).finally(() => {
      this.#initializing = false;
      this.#onChange();
    });
  }

  /**
   * InitProducerId, in state INITIALIZING: a new producer id (`bump` false), or the current id
   * with a new epoch (`bump`, KIP-360).
   */
  initProducerId(bump: boolean): Promise<void> {
    return this.#serially(() => this.#initProducerId(bump));
  }

  async #initProducerId(bump: boolean): Promise<void> {
    const tm = this.#tm;
    const operation = 'InitProducerId';
    await this.#call(operation, tm.isTransactional ? this.#transactionCoordinator : null, async (connection) => {
      const version = connection.versionFor(Apis.InitProducerId);
      if (tm.isTransactional) {
        tm.coordinatorSupportsBumpingEpoch = version >= 3;
        this.transactionV2Available = supportsTransactionV2(connection);
      }
      return connection.send(Apis.InitProducerId, {
        transactionalId: tm.transactionalId,
        transactionTimeoutMs: tm.isTransactional ? tm.transactionTimeoutMs : NO_TRANSACTION_TIMEOUT,
        ...(version >= 3 ? { producerId: BigInt(bump ? tm.producerId : -1), producerEpoch: bump ? tm.producerEpoch : -1 } : {}),
      }, { version });
    }, (response) => {
      const code = response.errorCode;
      if (code === ErrorCode.NONE) {
        tm.setProducerIdAndEpoch(Number(response.producerId), response.producerEpoch);
        tm.transitionTo('READY');
        if (bump) tm.resetSequenceNumbers();
        return 'done';
      }
      if (code === ErrorCode.NOT_COORDINATOR || code === ErrorCode.COORDINATOR_NOT_AVAILABLE) return 'lookup';
      if (isRetriable(code)) return 'retry';
      if (code === ErrorCode.INVALID_PRODUCER_EPOCH || code === ErrorCode.PRODUCER_FENCED) throw this.#fenced(operation);
      if (code === ErrorCode.TRANSACTION_ABORTABLE) throw this.#abortable(this.#error(code, operation));
      throw this.#fatal(this.#error(code, operation));
    });
  }

  /** Sends AddPartitionsToTxn for the partitions that sends named since the last one (the sender calls this). */
  maybeAddPartitions(): void {
    if (this.#addingPartitions || !this.#tm.hasNewPartitions) return;
    this.#addingPartitions = true;
    this.#serially(() => this.#addPartitions()).catch(() => {}).finally(() => {
      this.#addingPartitions = false;
      this.#onChange();
    });
  }

  async #addPartitions(): Promise<void> {
    const tm = this.#tm;
    const operation = 'AddPartitionsToTxn';
    let partitions: TopicPartition[] = [];
    const firstOfTransaction = !tm.transactionStarted;
    let concurrentRetries = 0;
    await this.#call(operation, this.#transactionCoordinator, (connection) => {
      partitions = tm.takePartitionsToAdd();
      return connection.send(Apis.AddPartitionsToTxn, {
        v3AndBelowTransactionalId: tm.transactionalId!, v3AndBelowProducerId: BigInt(tm.producerId), v3AndBelowProducerEpoch: tm.producerEpoch,
        v3AndBelowTopics: byTopic(partitions).map(([name, list]) => ({ name, partitions: list.map((p) => p.partition) })),
      });
    }, (response) => {
      const unauthorized = new Set<string>();
      const failed: string[] = [];
      for (const topic of response.resultsByTopicV3AndBelow ?? []) {
        for (const p of topic.resultsByPartition) {
          const code = p.partitionErrorCode;
          if (code === ErrorCode.NONE) continue;
          if (code === ErrorCode.NOT_COORDINATOR || code === ErrorCode.COORDINATOR_NOT_AVAILABLE) return 'lookup';
          // The previous transaction is still writing its markers; the first add of a new one retries soon.
          if (code === ErrorCode.CONCURRENT_TRANSACTIONS) return firstOfTransaction ? Math.min(ADD_PARTITIONS_RETRY_BACKOFF_MS, 2 ** concurrentRetries++) : 'retry';
          if (isRetriable(code)) return 'retry';
          if (code === ErrorCode.INVALID_PRODUCER_EPOCH || code === ErrorCode.PRODUCER_FENCED) throw this.#fenced(operation);
          if (code === ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED || code === ErrorCode.INVALID_TXN_STATE) throw this.#fatal(this.#error(code, operation));
          if (code === ErrorCode.UNKNOWN_PRODUCER_ID || code === ErrorCode.INVALID_PRODUCER_ID_MAPPING) throw this.#abortableIfPossible(this.#error(code, operation));
          if (code === ErrorCode.TRANSACTION_ABORTABLE) throw this.#abortable(this.#error(code, operation));
          if (code === ErrorCode.TOPIC_AUTHORIZATION_FAILED) unauthorized.add(topic.name);
          // OPERATION_NOT_ATTEMPTED: another partition of the request failed.
          else if (code !== ErrorCode.OPERATION_NOT_ATTEMPTED) failed.push(`${topic.name}-${p.partitionIndex}: ${errorName(code)}`);
        }
      }
      const ok = unauthorized.size === 0 && failed.length === 0;
      tm.partitionsAdded(partitions, ok);
      if (unauthorized.size > 0) throw this.#abortable(this.#error(ErrorCode.TOPIC_AUTHORIZATION_FAILED, operation, `topics ${[...unauthorized].join(', ')}`));
      if (failed.length > 0) throw this.#abortable(this.#error(ErrorCode.UNKNOWN_SERVER_ERROR, operation, `Could not add partitions to transaction due to errors: ${failed.join(', ')}`));
      return 'done';
    });
  }

  /**
   * AddOffsetsToTxn to the transaction coordinator (not with protocol v2, where the group
   * coordinator adds them), then TxnOffsetCommit to the group coordinator with the consumer's
   * generation and member id, so a consumer that left the group cannot commit.
   */
  sendOffsets(offsets: readonly TopicPartitionOffset[], group: ConsumerGroupMetadata): Promise<void> {
    return this.#serially(async () => {
      const tm = this.#tm;
      if (!tm.transactionV2) {
        const operation = 'AddOffsetsToTxn';
        await this.#call(operation, this.#transactionCoordinator, (connection) => connection.send(Apis.AddOffsetsToTxn, {
          transactionalId: tm.transactionalId!, producerId: BigInt(tm.producerId), producerEpoch: tm.producerEpoch, groupId: group.groupId,
        }), (response) => {
          const code = response.errorCode;
          if (code === ErrorCode.NONE) return 'done';
          if (code === ErrorCode.NOT_COORDINATOR || code === ErrorCode.COORDINATOR_NOT_AVAILABLE) return 'lookup';
          if (isRetriable(code)) return 'retry';
          if (code === ErrorCode.UNKNOWN_PRODUCER_ID || code === ErrorCode.INVALID_PRODUCER_ID_MAPPING) throw this.#abortableIfPossible(this.#error(code, operation));
          if (code === ErrorCode.INVALID_PRODUCER_EPOCH || code === ErrorCode.PRODUCER_FENCED) throw this.#fenced(operation);
          if (code === ErrorCode.GROUP_AUTHORIZATION_FAILED || code === ErrorCode.TRANSACTION_ABORTABLE) throw this.#abortable(this.#error(code, operation, `group ${group.groupId}`));
          throw this.#fatal(this.#error(code, operation));
        });
      }
      tm.transactionStarted = true;
      await this.#txnOffsetCommit(offsets, group);
    });
  }

  async #txnOffsetCommit(offsets: readonly TopicPartitionOffset[], group: ConsumerGroupMetadata): Promise<void> {
    const tm = this.#tm;
    const operation = `TxnOffsetCommit for group ${group.groupId}`;
    const pending = new Map(offsets.map((o) => [tpKey(o.topic, o.partition), o]));
    await this.#call(operation, { keyType: 0, key: group.groupId }, async (connection) => {
      const version = connection.versionFor(Apis.TxnOffsetCommit);
      return connection.send(Apis.TxnOffsetCommit, {
        transactionalId: tm.transactionalId!, groupId: group.groupId, producerId: BigInt(tm.producerId), producerEpoch: tm.producerEpoch,
        ...(version >= 3 ? { generationId: group.generationId, memberId: group.memberId, groupInstanceId: group.groupInstanceId } : {}),
        topics: byTopic([...pending.values()]).map(([name, list]) => ({
          name, partitions: list.map((o) => ({ partitionIndex: o.partition, committedOffset: BigInt(o.offset), committedLeaderEpoch: o.leaderEpoch ?? -1, committedMetadata: o.metadata ?? '' })),
        })),
      }, { version });
    }, (response) => {
      let lookup = false;
      for (const topic of response.topics) {
        for (const p of topic.partitions) {
          const code = p.errorCode;
          if (code === ErrorCode.NONE) {
            pending.delete(tpKey(topic.name, p.partitionIndex));
          } else if (code === ErrorCode.COORDINATOR_NOT_AVAILABLE || code === ErrorCode.NOT_COORDINATOR || code === ErrorCode.REQUEST_TIMED_OUT) {
            lookup = true;
          } else if (!isRetriable(code)) {
            if (code === ErrorCode.INVALID_PRODUCER_EPOCH || code === ErrorCode.PRODUCER_FENCED) throw this.#fenced(operation);
            if (code === ErrorCode.UNKNOWN_MEMBER_ID || code === ErrorCode.ILLEGAL_GENERATION) {
              throw this.#abortable(this.#error(code, operation, 'Transaction offset Commit failed due to consumer group metadata mismatch'));
            }
            if (code === ErrorCode.GROUP_AUTHORIZATION_FAILED || code === ErrorCode.FENCED_INSTANCE_ID || code === ErrorCode.TRANSACTION_ABORTABLE) {
              throw this.#abortable(this.#error(code, operation));
            }
            throw this.#fatal(this.#error(code, operation, `${topic.name}-${p.partitionIndex}`));
          }
        }
      }
      return pending.size === 0 ? 'done' : lookup ? 'lookup' : 'retry';
    });
  }

  /**
   * EndTxn (none when nothing joined the transaction), then, when an error asked for a new epoch
   * and the protocol does not bump it with every EndTxn, InitProducerId with the current id.
   */
  endTransaction(commit: boolean): Promise<void> {
    return this.#serially(async () => {
      const tm = this.#tm;
      const operation = `EndTxn(${commit ? 'COMMIT' : 'ABORT'})`;
      if (tm.hasError) throw tm.currentError();
      if (tm.transactionStarted) {
        await this.#call(operation, this.#transactionCoordinator, async (connection) => {
          // EndTxn 5 asks for protocol v2, where the coordinator bumps the epoch with every EndTxn.
          const version = Math.min(connection.versionFor(Apis.EndTxn), tm.transactionV2 ? 5 : 4);
          return connection.send(Apis.EndTxn, {
            transactionalId: tm.transactionalId!, producerId: BigInt(tm.producerId), producerEpoch: tm.producerEpoch, committed: commit,
          }, { version });
        }, (response) => {
          const code = response.errorCode;
          if (code === ErrorCode.NONE) {
            if (tm.transactionV2 && response.producerId !== undefined && response.producerId >= 0n) {
              tm.setProducerIdAndEpoch(Number(response.producerId), response.producerEpoch!);
              tm.resetSequenceNumbers();
              tm.epochBumpRequired = false;
            }
            return 'done';
          }
          if (code === ErrorCode.NOT_COORDINATOR || code === ErrorCode.COORDINATOR_NOT_AVAILABLE) return 'lookup';
          if (isRetriable(code)) return 'retry';
          if (code === ErrorCode.INVALID_PRODUCER_EPOCH || code === ErrorCode.PRODUCER_FENCED) throw this.#fenced(operation);
          if (code === ErrorCode.UNKNOWN_PRODUCER_ID || code === ErrorCode.INVALID_PRODUCER_ID_MAPPING) throw this.#abortableIfPossible(this.#error(code, operation));
          if (code === ErrorCode.TRANSACTION_ABORTABLE) throw this.#abortable(this.#error(code, operation));
          throw this.#fatal(this.#error(code, operation));
        });
      }
      tm.completeTransaction();
      if (tm.state === 'INITIALIZING') await this.#initProducerId(true);
    });
  }
}

/**
 * KIP-890 part 2 needs the cluster to have finalized transaction.version 2, and both sides to
 * speak EndTxn 5 and Produce 12 (whose Produce adds a partition to the transaction by itself).
 */
export function supportsTransactionV2(connection: Connection): boolean {
  const inRange = (api: typeof Apis.EndTxn | typeof Apis.Produce, version: number): boolean => {
    const broker = connection.brokerVersions(api.request.apiKey);
    return broker !== undefined && api.maxVersion >= version && broker.maxVersion >= version;
  };
  return connection.finalizedFeatureLevel('transaction.version') >= 2 && inRange(Apis.EndTxn, 5) && inRange(Apis.Produce, 12);
}

function byTopic<T extends TopicPartition>(items: readonly T[]): Array<[string, T[]]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    let list = out.get(item.topic);
    if (list === undefined) out.set(item.topic, list = []);
    list.push(item);
  }
  return [...out];
}

