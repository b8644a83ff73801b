import type { Registry } from 'prom-client';
import { ApiKey, apiSpec } from '../protocol/generated/api-keys.ts';
import type { RequestTimer, RequestTimes } from '../broker/request-times.ts';
import { REQUEST_METRICS } from './kafka-metric-definitions.ts';
import { BYTES_BUCKETS, counterFamily, HistogramData, histogramFamily, TIME_MS_BUCKETS, type HistogramSample, type Sample } from './metric-families.ts';

/** Kafka's RequestMetrics of one request name: an API ("Produce"), or FetchConsumer / FetchFollower. */
class ApiRequestStats {
  readonly request: string;
  /** Requests answered, by API version. */
  readonly requestsByVersion: number[] = [];
  readonly totalTime = new HistogramData(TIME_MS_BUCKETS);
  readonly requestQueueTime = new HistogramData(TIME_MS_BUCKETS);
  readonly localTime = new HistogramData(TIME_MS_BUCKETS);
  readonly remoteTime = new HistogramData(TIME_MS_BUCKETS);
  readonly throttleTime = new HistogramData(TIME_MS_BUCKETS);
  readonly responseQueueTime = new HistogramData(TIME_MS_BUCKETS);
  readonly responseSendTime = new HistogramData(TIME_MS_BUCKETS);
  readonly requestBytes = new HistogramData(BYTES_BUCKETS);

  constructor(request: string) {
    this.request = request;
  }

  record(times: TimedRequest, writtenMs: number): void {
    this.requestsByVersion[times.version] = (this.requestsByVersion[times.version] ?? 0) + 1;
    this.requestQueueTime.observe(times.dispatchedMs - times.receivedMs);
    this.localTime.observe(times.localDoneMs - times.dispatchedMs);
    this.remoteTime.observe(times.completedMs - times.localDoneMs);
    this.throttleTime.observe(times.throttleMs);
    this.responseQueueTime.observe(times.sendStartMs - times.completedMs);
    this.responseSendTime.observe(writtenMs - times.sendStartMs);
    this.totalTime.observe(writtenMs - times.receivedMs);
    this.requestBytes.observe(times.bytes);
  }
}

/** The record a connection fills in for one request (see RequestTimes). */
class TimedRequest implements RequestTimes {
  receivedMs = 0;
  dispatchedMs = 0;
  localDoneMs = 0;
  completedMs = 0;
  sendStartMs = 0;
  throttleMs = 0;
  fromFollower = false;
  readonly stats: ApiRequestStats;
  readonly version: number;
  readonly bytes: number;

  constructor(stats: ApiRequestStats, version: number, bytes: number) {
    this.stats = stats;
    this.version = version;
    this.bytes = bytes;
  }
}

/**
 * Kafka's RequestMetrics: requests by API and version, and each stage's time per API as
 * histograms, recorded when the response is written. As in Kafka, a Fetch counts as "Fetch" and
 * also as "FetchConsumer" or "FetchFollower". A request the broker refuses by closing the
 * connection (unknown API, unsupported version, bad header) is not recorded.
 */
export class RequestMetrics implements RequestTimer {
  readonly #byApiKey: Array<ApiRequestStats | undefined> = [];
  readonly #fetchConsumer = new ApiRequestStats('FetchConsumer');
  readonly #fetchFollower = new ApiRequestStats('FetchFollower');

  start(frame: Buffer, expectsRawSaslToken: boolean): RequestTimes | undefined {
    if (expectsRawSaslToken || frame.length < 4) return undefined;
    const stats = this.#stats(frame.readInt16BE(0));
    return stats === undefined ? undefined : new TimedRequest(stats, frame.readInt16BE(2), frame.length);
  }

  written(times: RequestTimes, writtenMs: number): void {
    const timed = times as TimedRequest;
    timed.stats.record(timed, writtenMs);
    if (timed.stats === this.#byApiKey[ApiKey.Fetch]) (timed.fromFollower ? this.#fetchFollower : this.#fetchConsumer).record(timed, writtenMs);
  }

  #stats(apiKey: number): ApiRequestStats | undefined {
    if (apiKey < 0) return undefined;
    const known = this.#byApiKey[apiKey];
    if (known !== undefined) return known;
    const spec = apiSpec(apiKey);
    if (spec === undefined) return undefined;
    return (this.#byApiKey[apiKey] = new ApiRequestStats(spec.name));
  }

  #all(): ApiRequestStats[] {
    const all = this.#byApiKey.filter((stats) => stats !== undefined);
    return [...all, this.#fetchConsumer, this.#fetchFollower].filter((stats) => stats.totalTime.count > 0);
  }

  register(registry: Registry): void {
    const definitions = REQUEST_METRICS;
    counterFamily(registry, definitions.requests, () => {
      const samples: Sample[] = [];
      for (const stats of this.#all()) {
        stats.requestsByVersion.forEach((count, version) => samples.push({ labels: { request: stats.request, version }, value: count }));
      }
      return samples;
    });
    const histogram = (name: Exclude<keyof typeof definitions, 'requests'>, field: Exclude<keyof ApiRequestStats, 'request' | 'requestsByVersion' | 'record'>) =>
      histogramFamily(registry, definitions[name], field === 'requestBytes' ? BYTES_BUCKETS : TIME_MS_BUCKETS,
        (): HistogramSample[] => this.#all().map((stats) => ({ labels: { request: stats.request }, data: stats[field] })));
    histogram('totalTime', 'totalTime');
    histogram('requestQueueTime', 'requestQueueTime');
    histogram('localTime', 'localTime');
    histogram('remoteTime', 'remoteTime');
    histogram('throttleTime', 'throttleTime');
    histogram('responseQueueTime', 'responseQueueTime');
    histogram('responseSendTime', 'responseSendTime');
    histogram('requestBytes', 'requestBytes');
  }
}
