import type { ConnectionAttempt } from '../client/index.ts';
import { log4jLine } from './cli-format.ts';
import type { CliIo } from './cli-io.ts';

/**
 * Kafka's NetworkClient warns "Connection to node N (host:port) could not be established" when a
 * broker cannot be reached; without it a console tool pointed at a dead broker would print nothing
 * at all. Fed the client's connection attempts (ClusterOptions.onConnectionAttempt), this warns
 * once per run of failures: again only after a connection has succeeded in between.
 */
export class UnreachableBrokerWarning {
  readonly #io: CliIo;
  readonly #context: string;
  #warned = false;
  #stopped = false;

  /** `context` is the Java client's log prefix, e.g. "[Consumer clientId=console-consumer, groupId=g]". */
  constructor(io: CliIo, context: string) {
    this.#io = io;
    this.#context = context;
  }

  /** For ClusterOptions.onConnectionAttempt. */
  readonly onConnectionAttempt = (attempt: ConnectionAttempt): void => {
    if (attempt.error === null) {
      this.#warned = false;
      return;
    }
    if (this.#stopped || this.#warned) return;
    this.#warned = true;
    this.#io.stderr(log4jLine('WARN', `${this.#context} Connection to node ${attempt.nodeId} (${attempt.host}:${attempt.port}) could not be established. Node may not be available.`,
      'org.apache.kafka.clients.NetworkClient'));
  };

  /** Before the client closes, whose closing would look like a failure. */
  stop(): void {
    this.#stopped = true;
  }
}
