import { ApiKey } from '../../../protocol/generated/api-keys.ts';
import type { ClientQuotaManager } from './client-quota-manager.ts';
import type { QuotaManagers } from './quota-managers.ts';

/**
 * APIs exempt from the request quota, as Kafka's: the cluster actions brokers and controllers send
 * one another (ApiKeys with clusterAction) and SASL's, which come before the client is known.
 */
const REQUEST_QUOTA_EXEMPT: ReadonlySet<number> = new Set([
  ApiKey.LeaderAndIsr, ApiKey.StopReplica, ApiKey.UpdateMetadata, ApiKey.ControlledShutdown,
  ApiKey.WriteTxnMarkers, ApiKey.AlterPartition, ApiKey.AllocateProducerIds, ApiKey.Envelope,
  ApiKey.BrokerRegistration, ApiKey.BrokerHeartbeat, ApiKey.SaslHandshake, ApiKey.SaslAuthenticate,
]);

/** Nanoseconds of handler time as a percentage of one second (ClientRequestQuotaManager.nanosToPercentage). */
const NANOS_TO_PERCENTAGE_PER_SECOND = 100 / 1e9;

export interface HandledRequest {
  readonly apiKey: number;
  /** The decoded request body (read for Fetch's replica id). */
  readonly request: unknown;
  readonly apiVersion: number;
  /** The request frame's size: what a Produce counts against producer_byte_rate (Kafka's request.sizeInBytes). */
  readonly requestBytes: number;
  /** The answer, or null when none is sent (acks=0 Produce). */
  readonly response: unknown;
  /** Time the handler spent on the event loop for this request. */
  readonly handlerTimeNanos: number;
  /** The principal's name and the header's client id. */
  readonly user: string;
  readonly clientId: string;
  readonly nowMs: number;
}

/** Whether the request quota should time this request's handler at all. */
export function requestQuotaApplies(quotas: QuotaManagers, apiKey: number): boolean {
  return quotas.request.quotasEnabled && !REQUEST_QUOTA_EXEMPT.has(apiKey);
}

/**
 * How long the client's connection is muted after this request, by Kafka's rules (KafkaApis and
 * RequestHandlerHelper.sendMaybeThrottle): Produce records its request bytes once appended, and
 * the request quota counts unless acks=0; Fetch from a consumer has its byte throttle, and that of a
 * request quota it was already over, in the answer (fetch-quota.ts empties a throttled answer) and
 * counts the request quota, a follower's counts neither; exempt APIs count nothing; any other API counts the request
 * quota. The larger throttle wins, and a throttle the handler put in the answer (a controller
 * mutation quota) counts too. The winner is recorded as its quota's throttle-time (the request
 * quota's on a tie, as Kafka); a throttle already in the answer was recorded by whoever put it there.
 */
export function throttleTimeAfter(quotas: QuotaManagers, handled: HandledRequest): number {
  const { apiKey, user, clientId, nowMs } = handled;
  if (REQUEST_QUOTA_EXEMPT.has(apiKey)) return 0;
  if (apiKey === ApiKey.Fetch && isFollowerFetch(handled.request, handled.apiVersion)) return 0;
  const answeredMs = answeredThrottleMs(handled.response);
  let throttleMs = answeredMs;
  let imposedBy: ClientQuotaManager | undefined;
  const throttled = (by: ClientQuotaManager, ms: number): void => {
    throttleMs = ms;
    imposedBy = by;
  };
  if (apiKey === ApiKey.Produce) {
    const produceMs = quotas.produce.maybeRecordAndGetThrottleTimeMs(user, clientId, handled.requestBytes, nowMs);
    if (produceMs > throttleMs) throttled(quotas.produce, produceMs);
  }
  if (apiKey !== ApiKey.Produce || handled.response !== null) {
    const percentage = handled.handlerTimeNanos * NANOS_TO_PERCENTAGE_PER_SECOND;
    const requestMs = quotas.request.maybeRecordAndGetThrottleTimeMs(user, clientId, percentage, nowMs);
    if (requestMs > 0 && requestMs >= throttleMs) throttled(quotas.request, requestMs);
  }
  if (answeredMs === 0) imposedBy?.recordThrottle(user, clientId, throttleMs, nowMs);
  return throttleMs;
}

/** Puts the throttle into an answer that has the field (every answer to a client API but a few). */
export function setThrottleTimeMs(response: unknown, throttleMs: number): void {
  if (typeof response === 'object' && response !== null && 'throttleTimeMs' in response) {
    (response as { throttleTimeMs: number }).throttleTimeMs = throttleMs;
  }
}

function answeredThrottleMs(response: unknown): number {
  if (typeof response !== 'object' || response === null || !('throttleTimeMs' in response)) return 0;
  const value = (response as { throttleTimeMs: unknown }).throttleTimeMs;
  return typeof value === 'number' && value > 0 ? value : 0;
}

/** Fetch v15 moved the replica id into ReplicaState. */
const FIRST_REPLICA_STATE_VERSION = 15;

/** A fetch from a follower replica (replica id >= 0): exempt from client quotas, as in Kafka. */
export function isFollowerFetch(request: unknown, apiVersion: number): boolean {
  const fetch = request as { replicaId?: number; replicaState?: { replicaId: number } };
  const replicaId = apiVersion >= FIRST_REPLICA_STATE_VERSION ? fetch.replicaState?.replicaId ?? -1 : fetch.replicaId ?? -1;
  return replicaId >= 0;
}
