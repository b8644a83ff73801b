import type { Cluster } from '../client/index.ts';
import { KafkaClientError } from '../client/index.ts';
import { ErrorCode } from '../protocol/errors.ts';
import { log4jLine } from './cli-format.ts';
import type { CliIo } from './cli-io.ts';

/**
 * Kafka's NetworkClient warns "Connection to node N (host:port) could not be established" when a
 * broker cannot be reached; Samsa's client retries silently, so a console tool pointed at a dead
 * broker would print nothing at all. While the tool gets no records, this probes the client's own
 * pooled metadata connection (no new socket while it is up; the pool's reconnect backoff applies)
 * and warns once per run of failures: again only after a connection has succeeded in between.
 */
export class UnreachableBrokerWarning {
  readonly #cluster: Cluster;
  readonly #io: CliIo;
  readonly #context: string;
  #warned = false;
  #probing = false;
  #stopped = false;
  #lastProbeMs = 0;

  /** `context` is the Java client's log prefix, e.g. "[Consumer clientId=console-consumer, groupId=g]". */
  constructor(cluster: Cluster, io: CliIo, context: string) {
    this.#cluster = cluster;
    this.#io = io;
    this.#context = context;
  }

  /** Called when a poll returned nothing; probes at most once a second, in the background. */
  idle(): void {
    if (this.#probing || this.#stopped || Date.now() - this.#lastProbeMs < 1_000) return;
    this.#probing = true;
    this.#lastProbeMs = Date.now();
    this.#cluster.anyConnection('admin').then(
      () => { this.#warned = false; },
      (error: unknown) => this.#failed(error),
    ).finally(() => { this.#probing = false; });
  }

  /** Before the client closes, whose closing would look like a failure. */
  stop(): void {
    this.#stopped = true;
  }

  #failed(error: unknown): void {
    if (this.#stopped || this.#warned) return;
    if (!(error instanceof KafkaClientError) || error.code !== ErrorCode.NETWORK_EXCEPTION) return;
    const address = /^connect to (.+:\d+)$/.exec(error.operation)?.[1];
    if (address === undefined) return;
    const node = [...this.#cluster.metadata.brokers.values()].find((b) => `${b.host}:${b.port}` === address);
    this.#warned = true;
    this.#io.stderr(log4jLine('WARN', `${this.#context} Connection to node ${node?.nodeId ?? -1} (${address}) could not be established. Node may not be available.`,
      'org.apache.kafka.clients.NetworkClient'));
  }
}
