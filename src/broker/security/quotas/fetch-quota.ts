import { ErrorCode } from '../../../protocol/errors.ts';
import type { FetchRequest, FetchResponse } from '../../../protocol/generated/fetch.ts';
import type { FetchContext } from '../../replica/fetch-manager.ts';
import type { RequestContext } from '../../handlers/handler.ts';
import { isFollowerFetch } from './request-throttle.ts';

/** An incremental fetch names its session with an epoch above 0 (KIP-227). */
const INITIAL_EPOCH = 0;

/**
 * consumer_byte_rate on a consumer's Fetch, as Kafka's KafkaApis does it (KIP-219):
 * - the fetch's maxBytes is capped to what the quota allows in quota.window.num - 1 windows, so one
 *   answer alone never needs a throttle (getMaxValueInQuotaWindow);
 * - the answer's size is recorded; over the quota, the bytes are taken back and the client gets an
 *   empty answer with throttleTimeMs at once (its connection is then muted for that long by the
 *   dispatcher), and the session does not record what was not sent (getThrottledResponse).
 * A follower's fetch, or a broker with no consumer_byte_rate set, gets `fetchContext` unchanged.
 */
export function withFetchQuota(context: RequestContext, request: FetchRequest, fetchContext: FetchContext): FetchContext {
  const quota = context.broker.quotas?.fetch;
  if (quota === undefined || !quota.quotasEnabled || isFollowerFetch(request, context.apiVersion)) return fetchContext;
  if (fetchContext.errorCode !== ErrorCode.NONE) return fetchContext;
  const user = context.session.principal.name;
  const clientId = context.clientId;
  const maxInWindow = quota.maxValueInQuotaWindow(user, clientId);
  if (maxInWindow < (request.maxBytes ?? Number.MAX_SAFE_INTEGER)) request.maxBytes = Math.max(1, Math.floor(maxInWindow));
  return {
    errorCode: fetchContext.errorCode,
    topics: fetchContext.topics,
    respond(read: FetchResponse): FetchResponse {
      const nowMs = context.broker.time.now();
      const size = responseBytes(read);
      const throttleMs = quota.recordAndGetThrottleTimeMs(user, clientId, size, nowMs);
      if (throttleMs <= 0) return fetchContext.respond(read);
      quota.unrecord(user, clientId, size, nowMs);
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
