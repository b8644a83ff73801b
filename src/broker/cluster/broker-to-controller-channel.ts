import { setTimeout as sleep } from 'node:timers/promises';
import type { ClientApi } from '../../client/apis.ts';
import type { ClientSecurity } from '../../client/client-security.ts';
import { Connection } from '../../client/connection.ts';
import { KafkaClientError } from '../../client/errors.ts';
import { ErrorCode } from '../../protocol/errors.ts';
import type { Logger } from '../logger.ts';

/** The controller as a broker knows it now: its id and inter-broker endpoint. */
export interface ControllerNode {
  readonly id: number;
  readonly host: string;
  readonly port: number;
}

export interface BrokerToControllerChannelOptions {
  readonly brokerId: number;
  /** The controller now (from the metadata cache, or the election's view); undefined while unknown. */
  readonly controllerNode: () => ControllerNode | undefined;
  /** How long one attempt may wait for its answer, and the default time a send keeps trying. */
  readonly requestTimeoutMs: number;
  /** How to reach the controller's inter-broker listener (TLS, SASL); PLAINTEXT when undefined. */
  readonly security?: ClientSecurity | undefined;
  readonly logger: Logger;
  readonly retryBackoffMs?: number;
  readonly now?: () => number;
}

const DEFAULT_RETRY_BACKOFF_MS = 100;

/**
 * A broker's requests to the controller (Kafka's BrokerToControllerChannelManager): AlterPartition
 * from partition leaders, ControlledShutdown from a stopping broker. It sends to whichever broker
 * is the controller at the moment and tries again, after a pause, when there is none, when the
 * connection fails, or when the answer is NOT_CONTROLLER (the controller moved meanwhile), until
 * the deadline passes (then REQUEST_TIMED_OUT). Any other answer is the caller's to read.
 */
export class BrokerToControllerChannel {
  readonly #options: BrokerToControllerChannelOptions;
  readonly #logger: Logger;
  #connection: { readonly node: ControllerNode; readonly connection: Promise<Connection> } | undefined;
  #closed = false;

  constructor(options: BrokerToControllerChannelOptions) {
    this.#options = options;
    this.#logger = options.logger.child({ component: 'broker-to-controller' });
  }

  /**
   * Sends `body`, retrying until it is answered by the controller or `deadlineMs` (a time on `now`)
   * passes. `body` may be a function of the version the connection will use, for requests whose
   * fields differ by version (AlterPartition: newIsr up to v2, newIsrWithEpochs from v3; topic
   * names up to v1, topic ids from v2).
   */
  async send<Req, Res>(api: ClientApi<Req, Res>, body: Req | ((version: number) => Req), deadlineMs?: number): Promise<Res> {
    const now = this.#options.now ?? Date.now;
    const deadline = deadlineMs ?? now() + this.#options.requestTimeoutMs;
    let lastProblem = 'no controller known';
    for (;;) {
      if (this.#closed) throw new KafkaClientError(ErrorCode.NETWORK_EXCEPTION, `${api.name} to the controller`, 'the channel is closed', { retriable: false });
      const node = this.#options.controllerNode();
      if (node !== undefined) {
        try {
          const connection = await this.#connect(node);
          const version = connection.versionFor(api);
          const response = await connection.send(api, typeof body === 'function' ? (body as (version: number) => Req)(version) : body, { version });
          if ((response as { errorCode?: number }).errorCode !== ErrorCode.NOT_CONTROLLER) return response;
          lastProblem = `broker ${node.id} is not the controller any more`;
          this.#disconnect();
        } catch (error) {
          if (!(error instanceof KafkaClientError) || !error.retriable) throw error;
          lastProblem = error.message;
          this.#disconnect();
        }
      }
      if (now() >= deadline) {
        throw new KafkaClientError(ErrorCode.REQUEST_TIMED_OUT, `${api.name} to the controller`, `no answer before the deadline: ${lastProblem}`);
      }
      this.#logger.debug({ api: api.name, problem: lastProblem }, 'request to the controller not answered yet; trying again');
      await sleep(Math.min(this.#options.retryBackoffMs ?? DEFAULT_RETRY_BACKOFF_MS, Math.max(0, deadline - now())));
    }
  }

  close(): void {
    this.#closed = true;
    this.#disconnect();
  }

  async #connect(node: ControllerNode): Promise<Connection> {
    const current = this.#connection;
    if (current !== undefined && current.node.id === node.id && current.node.host === node.host && current.node.port === node.port) {
      const connection = await current.connection;
      if (!connection.closed) return connection;
    }
    this.#disconnect();
    const connection = Connection.open({
      host: node.host,
      port: node.port,
      clientId: `broker-${this.#options.brokerId}-to-controller`,
      requestTimeoutMs: this.#options.requestTimeoutMs,
      connectTimeoutMs: this.#options.requestTimeoutMs,
      label: `controller ${node.id} (${node.host}:${node.port})`,
      ...(this.#options.security === undefined ? {} : { security: this.#options.security }),
    });
    this.#connection = { node, connection };
    connection.catch(() => { if (this.#connection?.connection === connection) this.#connection = undefined; });
    return connection;
  }

  #disconnect(): void {
    const current = this.#connection;
    this.#connection = undefined;
    current?.connection.then((c) => c.close(), () => {});
  }
}
