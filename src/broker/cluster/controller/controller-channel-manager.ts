import { setTimeout as sleep } from 'node:timers/promises';
import type { ClientApi } from '../../../client/apis.ts';
import { Connection } from '../../../client/connection.ts';
import type { ClientSecurity } from '../../../client/client-security.ts';
import type { Logger } from '../../logger.ts';

/**
 * The controller's connections to the brokers (Kafka's ControllerChannelManager and its
 * RequestSendThreads): one connection and one queue per live broker, this controller's own broker
 * included (through the network, like any other: one code path). What must stay true:
 * - a broker gets the controller's requests in the order they were queued, one at a time: a
 *   LeaderAndIsr is never overtaken by an older one;
 * - a request that fails on the network is sent again, after a reconnect, until it is answered or
 *   the broker is removed (it died, or came back with a new epoch and a new queue);
 * - nothing is sent once the controller has resigned (close()).
 */
export interface ControllerChannelOptions {
  readonly controllerId: number;
  /** Where a broker is reached now (its inter-broker endpoint); undefined while unknown. */
  readonly endpointOf: (brokerId: number) => { readonly host: string; readonly port: number } | undefined;
  /** controller.socket.timeout.ms. */
  readonly requestTimeoutMs: number;
  /** How to reach brokers' inter-broker listeners (TLS, SASL); PLAINTEXT when undefined. */
  readonly security?: ClientSecurity | undefined;
  readonly logger: Logger;
  /** Pause before reconnecting after a failure. */
  readonly retryBackoffMs?: number;
}

interface QueuedRequest {
  readonly api: ClientApi<unknown, unknown>;
  readonly body: unknown;
  readonly onResponse: ((response: unknown) => void) | undefined;
}

const DEFAULT_RETRY_BACKOFF_MS = 100;

export class ControllerChannelManager {
  readonly #options: ControllerChannelOptions;
  readonly #brokers = new Map<number, BrokerQueue>();
  #closed = false;

  constructor(options: ControllerChannelOptions) {
    this.#options = options;
  }

  get brokerIds(): number[] {
    return [...this.#brokers.keys()];
  }

  addBroker(brokerId: number): void {
    if (this.#closed || this.#brokers.has(brokerId)) return;
    this.#brokers.set(brokerId, new BrokerQueue(brokerId, this.#options));
  }

  /** The broker died or came back as a new instance: what was queued for it is dropped. */
  removeBroker(brokerId: number): void {
    this.#brokers.get(brokerId)?.close();
    this.#brokers.delete(brokerId);
  }

  /** Queues a request for `brokerId`; `onResponse` gets its answer. Dropped when the broker is not known. */
  send<Req, Res>(brokerId: number, api: ClientApi<Req, Res>, body: Req, onResponse?: (response: Res) => void): void {
    const queue = this.#brokers.get(brokerId);
    if (queue === undefined) {
      this.#options.logger.debug({ brokerId, api: api.name }, 'not sending to a broker that is not alive');
      return;
    }
    queue.enqueue({ api: api as ClientApi<unknown, unknown>, body, onResponse: onResponse as ((response: unknown) => void) | undefined });
  }

  close(): void {
    this.#closed = true;
    for (const queue of this.#brokers.values()) queue.close();
    this.#brokers.clear();
  }
}

class BrokerQueue {
  readonly #brokerId: number;
  readonly #options: ControllerChannelOptions;
  readonly #logger: Logger;
  readonly #queue: QueuedRequest[] = [];
  #connection: Connection | undefined;
  #running = false;
  #closed = false;

  constructor(brokerId: number, options: ControllerChannelOptions) {
    this.#brokerId = brokerId;
    this.#options = options;
    this.#logger = options.logger.child({ targetBrokerId: brokerId });
  }

  enqueue(request: QueuedRequest): void {
    this.#queue.push(request);
    if (!this.#running) void this.#run();
  }

  close(): void {
    this.#closed = true;
    this.#queue.length = 0;
    this.#connection?.close();
    this.#connection = undefined;
  }

  /** Sends failed in a row; the first is logged as a warning, the rest at debug. */
  #failures = 0;

  async #run(): Promise<void> {
    this.#running = true;
    try {
      while (!this.#closed && this.#queue.length > 0) {
        const request = this.#queue[0]!;
        const response = await this.#sendOnce(request);
        if (this.#closed) return;
        if (response === FAILED) {
          await sleep(this.#options.retryBackoffMs ?? DEFAULT_RETRY_BACKOFF_MS);
          continue;
        }
        this.#queue.shift();
        try {
          request.onResponse?.(response.value);
        } catch (error) {
          this.#logger.error({ err: error, api: request.api.name }, 'handling a broker\'s answer to the controller failed');
        }
      }
    } finally {
      this.#running = false;
    }
  }

  async #sendOnce(request: QueuedRequest): Promise<{ value: unknown } | typeof FAILED> {
    try {
      const connection = await this.#connect();
      const value = await connection.send(request.api, request.body);
      if (this.#failures > 0) this.#logger.info({ api: request.api.name, failures: this.#failures }, 'controller requests reach the broker again');
      this.#failures = 0;
      return { value };
    } catch (error) {
      if (this.#closed) return FAILED;
      // Once per streak of failures: a dead broker is retried every backoff until it returns or leaves.
      if (this.#failures++ === 0) this.#logger.warn({ err: error, api: request.api.name }, 'controller request to a broker failed; sending it again until it is answered');
      else this.#logger.debug({ err: error, api: request.api.name, failures: this.#failures }, 'controller request to a broker failed again');
      this.#connection?.close();
      this.#connection = undefined;
      return FAILED;
    }
  }

  async #connect(): Promise<Connection> {
    if (this.#connection !== undefined && !this.#connection.closed) return this.#connection;
    const endpoint = this.#options.endpointOf(this.#brokerId);
    if (endpoint === undefined) throw new Error(`no inter-broker endpoint known for broker ${this.#brokerId}`);
    const connection = await Connection.open({
      host: endpoint.host,
      port: endpoint.port,
      clientId: `controller-${this.#options.controllerId}`,
      requestTimeoutMs: this.#options.requestTimeoutMs,
      connectTimeoutMs: this.#options.requestTimeoutMs,
      label: `broker ${this.#brokerId} (${endpoint.host}:${endpoint.port})`,
      ...(this.#options.security === undefined ? {} : { security: this.#options.security }),
    });
    if (this.#closed) {
      connection.close();
      throw new Error('closed');
    }
    this.#connection = connection;
    return connection;
  }
}

const FAILED = Symbol('failed');
