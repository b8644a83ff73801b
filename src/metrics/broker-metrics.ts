import type { ELDHistogram } from 'node:perf_hooks';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { parseHttpListener } from '../broker/config-definition.ts';
import type { Logger } from '../broker/logger.ts';
import { registerBrokerStateMetrics, type BrokerState } from './broker-state-metrics.ts';
import { registerClientQuotaMetrics } from './client-quota-metrics.ts';
import { ControllerStats } from './controller-stats.ts';
import { BrokerTopicMetrics } from './broker-topic-metrics.ts';
import { PROM_CLIENT_EVENT_LOOP_PRECISION_MS, registerEventLoopMetrics } from './event-loop-metrics.ts';
import { committedPartitions, registerGroupMetrics } from './group-metrics.ts';
import { remoteHighWatermarks, type RemoteHighWatermarks } from './remote-high-watermarks.ts';
import { LOG_METRICS } from './kafka-metric-definitions.ts';
import { HistogramData, histogramFamily, TIME_MS_BUCKETS } from './metric-families.ts';
import { startMetricsServer, type MetricsServer } from './metrics-server.ts';
import { RequestErrorMetrics } from './request-error-metrics.ts';
import { RequestMetrics } from './request-metrics.ts';

export type { BrokerState } from './broker-state-metrics.ts';

/**
 * One broker's metrics: its own prom-client registry (never prom-client's global one, so brokers
 * in one process keep theirs apart), the counts the hot paths add to (per batch, per request), the
 * gauges read at each scrape, Node's own process metrics, and the metrics listener serving them.
 *
 * Built before the broker's parts (the log manager reports flushes to it), given the broker's
 * state once everything is built (`serve`), closed with the broker.
 */
export class BrokerMetrics {
  readonly registry = new Registry();
  /** Produce and fetch counts per topic (Kafka's BrokerTopicMetrics). */
  readonly brokerTopics = new BrokerTopicMetrics();
  /** Times every request: what the broker's listeners are given as their request timer. */
  readonly requests = new RequestMetrics();
  /** Error codes of the responses, per API (Kafka's ErrorsPerSec). */
  readonly requestErrors = new RequestErrorMetrics();
  /** What this broker's controller counts while active (Kafka's ControllerStats). */
  readonly controllerStats = new ControllerStats();
  readonly #logFlushTime = new HistogramData(TIME_MS_BUCKETS);
  readonly #eventLoop: ELDHistogram;
  #state: BrokerState | undefined;
  /** The leaders' high watermarks of committed partitions hosted elsewhere, asked at each scrape. */
  #remoteHighWatermarks: RemoteHighWatermarks = new Map();
  #server: MetricsServer | undefined;

  constructor() {
    const registry = this.registry;
    // Heap and its spaces, GC pauses by kind, CPU, memory, handles, file descriptors; event loop delay (our sampling).
    collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: PROM_CLIENT_EVENT_LOOP_PRECISION_MS });
    this.#eventLoop = registerEventLoopMetrics(registry);
    this.brokerTopics.register(registry);
    this.requests.register(registry);
    histogramFamily(registry, LOG_METRICS.logFlush, TIME_MS_BUCKETS, () => [{ labels: {}, data: this.#logFlushTime }]);
    registerBrokerStateMetrics(registry, () => this.#state);
    registerGroupMetrics(registry, () => this.#state?.context, () => this.#remoteHighWatermarks);
    this.requestErrors.register(registry);
    this.controllerStats.register(registry);
    registerClientQuotaMetrics(registry, () => this.#state?.context);
  }

  /** A log flush (fsync of segments and directory) took `durationMs` (Kafka's LogFlushRateAndTimeMs). */
  readonly logFlushed = (durationMs: number): void => {
    this.#logFlushTime.observe(durationMs);
  };

  /** A follower appended `bytes` of its leader's records (Kafka's ReplicationBytesInPerSec). */
  readonly replicated = (bytes: number): void => {
    this.brokerTopics.replicationBytesIn += bytes;
  };

  /** The exposition of every metric, as GET /metrics answers it. */
  async scrape(): Promise<{ body: string; contentType: string }> {
    const context = this.#state?.context;
    if (context !== undefined) this.brokerTopics.forgetDeletedTopics((topic) => context.metadata.topic(topic) !== undefined);
    const send = this.#state?.sendToBroker;
    if (context !== undefined && send !== undefined) this.#remoteHighWatermarks = await remoteHighWatermarks(context, committedPartitions(context), send);
    return { body: await this.registry.metrics(), contentType: this.registry.contentType };
  }

  /** From now on the gauges read `state`, and `listener` (metrics.listener) serves GET /metrics. */
  async serve(state: BrokerState, listener: string, logger: Logger): Promise<MetricsServer> {
    this.#state = state;
    this.#server = await startMetricsServer(parseHttpListener(listener, 'metrics.listener'), () => this.scrape(), logger);
    return this.#server;
  }

  async close(): Promise<void> {
    await this.#server?.close();
    this.#eventLoop.disable();
    this.#server = undefined;
    this.#state = undefined;
  }
}
