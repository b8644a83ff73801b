import type { Registry } from 'prom-client';
import { ErrorCode, errorName, isKnownErrorCode } from '../protocol/errors.ts';
import { ApiKey, apiSpec } from '../protocol/generated/api-keys.ts';
import type { FetchResponse } from '../protocol/generated/fetch.ts';
import type { ProduceResponse } from '../protocol/generated/produce.ts';
import { REQUEST_ERROR_METRICS } from './kafka-metric-definitions.ts';
import { counterFamily, type Sample } from './metric-families.ts';

const HIGHEST_ERROR_CODE = Math.max(...Object.values(ErrorCode));

/** Counts per error code of one API: slot code + 1 (UNKNOWN_SERVER_ERROR is -1). */
type ErrorCounts = Float64Array;

/** Adds one `code`; a code Kafka does not know counts as UNKNOWN_SERVER_ERROR, as Errors.forCode reads it. */
function add(counts: ErrorCounts, code: number): void {
  counts[isKnownErrorCode(code) && code <= HIGHEST_ERROR_CODE ? code + 1 : 0]! += 1;
}

/**
 * Kafka's RequestMetrics ErrorsPerSec: for every response sent, each error code in it (its
 * AbstractResponse.errorCounts, NONE included) counted under the request's API. Counted from the
 * response object, per partition at most: a Fetch's records are never looked at.
 */
export class RequestErrorMetrics {
  readonly #byApiKey: Array<ErrorCounts | undefined> = [];

  /** A response to `apiKey` is about to be sent (or, for acks=0, the connection closed instead). */
  responded(apiKey: number, response: unknown): void {
    let counts = this.#byApiKey[apiKey];
    if (counts === undefined) {
      if (apiKey < 0 || apiSpec(apiKey) === undefined) return;
      counts = this.#byApiKey[apiKey] = new Float64Array(HIGHEST_ERROR_CODE + 2);
    }
    countErrors(apiKey, response, counts);
  }

  register(registry: Registry): void {
    const definition = REQUEST_ERROR_METRICS.errors;
    counterFamily(registry, definition, () => {
      const samples: Sample[] = [];
      this.#byApiKey.forEach((counts, apiKey) => {
        if (counts === undefined) return;
        const request = apiSpec(apiKey)!.name;
        counts.forEach((value, slot) => {
          if (value > 0) samples.push({ labels: definition.labelsFor([request, errorName(slot - 1)]), value });
        });
      });
      return samples;
    });
  }
}

/**
 * What Kafka's errorCounts() of the response counts: where Kafka's response class reads only some
 * of the error codes it holds, as it does; elsewhere every `errorCode` (and AddPartitionsToTxn's
 * `partitionErrorCode`) at any depth, which is what the other classes count.
 */
function countErrors(apiKey: number, response: unknown, counts: ErrorCounts): void {
  if (typeof response !== 'object' || response === null) return;
  switch (apiKey) {
    case ApiKey.Produce:
      for (const topic of (response as ProduceResponse).responses) for (const partition of topic.partitionResponses) add(counts, partition.errorCode);
      return;
    case ApiKey.Fetch: {
      // The top-level code (v7+) counts even when a version has none: Kafka's data object holds 0 then.
      const fetch = response as FetchResponse;
      add(counts, fetch.errorCode ?? ErrorCode.NONE);
      for (const topic of fetch.responses) for (const partition of topic.partitions) add(counts, partition.errorCode);
      return;
    }
    case ApiKey.FindCoordinator: {
      // v4+ answers per key; the top-level code is v0-3's.
      const coordinators = (response as { coordinators?: readonly object[] }).coordinators ?? [];
      if (coordinators.length > 0) countEach(coordinators, counts);
      else add(counts, (response as { errorCode?: number }).errorCode ?? ErrorCode.NONE);
      return;
    }
    case ApiKey.OffsetFetch: {
      // v8+ answers per group; v0-7 have one group's code and topics.
      const { groups = [], topics = [], errorCode } = response as { groups?: readonly object[]; topics?: readonly object[]; errorCode?: number };
      if (groups.length > 0) {
        countAll(groups, counts);
      } else {
        add(counts, errorCode ?? ErrorCode.NONE);
        countAll(topics, counts);
      }
      return;
    }
    case ApiKey.DeleteAcls:
      // The filters' codes; the matching ACLs' own codes are not counted.
      countEach((response as { filterResults: readonly object[] }).filterResults, counts);
      return;
    case ApiKey.DescribeUserScramCredentials:
      countEach((response as { results?: readonly object[] }).results ?? [], counts);
      return;
    default:
      countAll(response, counts);
  }
}

/** The `errorCode` of each element. */
function countEach(elements: readonly object[], counts: ErrorCounts): void {
  for (const element of elements) add(counts, (element as { errorCode?: number }).errorCode ?? ErrorCode.NONE);
}

const isStruct = (value: unknown): value is object => typeof value === 'object' && value !== null && !Array.isArray(value) && !ArrayBuffer.isView(value);

/** Every error code in a response's structs and arrays of structs (never arrays of numbers or bytes). */
function countAll(value: object, counts: ErrorCounts): void {
  if (Array.isArray(value)) {
    if (value.length > 0 && isStruct(value[0])) for (const element of value) countAll(element as object, counts);
    return;
  }
  for (const key in value) {
    const field = (value as Record<string, unknown>)[key];
    if (typeof field === 'number') {
      if (key === 'errorCode' || key === 'partitionErrorCode') add(counts, field);
    } else if (Array.isArray(field) || isStruct(field)) {
      countAll(field, counts);
    }
  }
}
