import { ErrorCode } from '../../../protocol/errors.ts';
import type { FetchRequest, FetchResponse } from '../../../protocol/generated/fetch.ts';
import type { FetchContext } from '../../replica/fetch-manager.ts';
import type { RequestContext } from '../../handlers/handler.ts';
import { isFollowerFetch } from './request-throttle.ts';

/** An incremental fetch names its session with an epoch above 0 (KIP-227). */
const INITIAL_EPOCH = 0;

/**
 * consumer_byte_rate and request_percentage on a consumer's Fetch, as Kafka's KafkaApis does them (KIP-219):
 * - the fetch's maxBytes is capped to what the byte quota allows in quota.window.num - 1 windows, so
 *   one answer alone never needs a throttle (getMaxValueInQuotaWindow);
 * - the answer's size is recorded; over either quota, the bytes are taken back and the client gets
 *   an empty answer with throttleTimeMs at once (its connection is then muted for that long by the
 *   dispatcher), and the session does not record what was not sent (getThrottledResponse).
 * Kafka records the request quota before it answers; here the dispatcher records the handler's
 * time after the answer is built, so a fetch sees the request quota as it stands: a client already
 * over it is answered empty without a read, and one that got over while its fetch waited is
 * answered empty too. Either way the dispatcher then records the fetch's own time as for any request.
 * A follower's fetch, or a broker with neither quota set, gets `fetchContext` unchanged.
 */
export function withFetchQuota(context: RequestContext, request: FetchRequest, fetchContext: FetchContext): FetchContext {
  const quotas = context.broker.quotas;
  if (quotas === undefined) return fetchContext;
  const byteQuota = quotas.fetch.quotasEnabled ? quotas.fetch : undefined;
  const requestQuota = quotas.request.quotasEnabled ? quotas.request : undefined;
  if (byteQuota === undefined && requestQuota === undefined) return fetchContext;
  if (fetchContext.errorCode !== ErrorCode.NONE || isFollowerFetch(request, context.apiVersion)) return fetchContext;
  const user = context.session.principal.name;
  const clientId = context.clientId;
  if (byteQuota !== undefined) {
    const maxInWindow = byteQuota.maxValueInQuotaWindow(user, clientId);
    if (maxInWindow < (request.maxBytes ?? Number.MAX_SAFE_INTEGER)) request.maxBytes = Math.max(1, Math.floor(maxInWindow));
  }
  const requestThrottleMs = (): number => requestQuota?.throttleTimeIfExceeded(user, clientId, context.broker.time.now()) ?? 0;
  // Already over the request quota: nothing is read (no topics) and the answer is the throttled one.
  const throttledBeforeRead = requestThrottleMs();
  return {
    errorCode: fetchContext.errorCode,
    topics: throttledBeforeRead > 0 ? [] : fetchContext.topics,
    respond(read: FetchResponse): FetchResponse {
      const nowMs = context.broker.time.now();
      const size = responseBytes(read);
      const bytesThrottleMs = byteQuota?.recordAndGetThrottleTimeMs(user, clientId, size, nowMs) ?? 0;
      const requestMs = throttledBeforeRead > 0 ? throttledBeforeRead : requestThrottleMs();
      const throttleMs = Math.max(bytesThrottleMs, requestMs);
      if (throttleMs <= 0) return fetchContext.respond(read);
      // Recorded as the throttle-time of the quota that imposed it (the request quota's on a tie, as Kafka).
      (bytesThrottleMs > requestMs ? byteQuota : requestQuota)?.recordThrottle(user, clientId, throttleMs, nowMs);
      byteQuota?.unrecord(user, clientId, size, nowMs);
      const incremental = (request.sessionEpoch ?? -1) > INITIAL_EPOCH;
      return { throttleTimeMs: throttleMs, errorCode: ErrorCode.NONE, sessionId: incremental ? request.sessionId ?? 0 : 0, responses: [] };
    },
  };
}

/** The bytes an answer carries: its records, which dwarf the rest (Kafka counts the whole response). */
function responseBytes(response: FetchResponse): number {
  let bytes = 0;
  for (const topic of response.responses) {
    for (const partition of topic.partitions) bytes += partition.records?.length ?? 0;
  }
  return bytes;
}
