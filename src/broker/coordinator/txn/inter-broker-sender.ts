import type { ClientApi } from '../../../client/apis.ts';
import { Connection } from '../../../client/connection.ts';
import type { ClientSecurity } from '../../../client/client-security.ts';

export interface InterBrokerSenderOptions {
  /** Shown to the receiving broker as the request's client id. */
  readonly clientId: string;
  /** Where a broker is reached now (its inter-broker endpoint); undefined while unknown. */
  readonly endpointOf: (brokerId: number) => { readonly host: string; readonly port: number } | undefined;
  readonly requestTimeoutMs: number;
  /** How to reach the inter-broker listener (TLS, SASL); PLAINTEXT when undefined. */
  readonly security?: ClientSecurity | undefined;
}

/**
 * One connection per destination broker for a coordinator's requests to partition leaders (the
 * transaction marker sender's NetworkClient), this broker included: a single node writes its own
 * markers through its listener, as a cluster's brokers write one another's. A request that fails
 * closes its connection, so the next one reconnects (perhaps to a new endpoint); retrying is the
 * caller's choice.
 */
export class InterBrokerSender {
  private readonly options: InterBrokerSenderOptions;
  private readonly connections = new Map<number, Promise<Connection>>();
  private closed = false;

  constructor(options: InterBrokerSenderOptions) {
    this.options = options;
  }

  async send<Req, Res>(brokerId: number, api: ClientApi<Req, Res>, body: Req): Promise<Res> {
    const pending = this.connect(brokerId);
    let connection: Connection;
    try {
      connection = await pending;
    } catch (error) {
      if (this.connections.get(brokerId) === pending) this.connections.delete(brokerId);
      throw error;
    }
    try {
      return await connection.send(api, body);
    } catch (error) {
      if (this.connections.get(brokerId) === pending) this.connections.delete(brokerId);
      connection.close();
      throw error;
    }
  }

  close(): void {
    this.closed = true;
    for (const pending of this.connections.values()) pending.then((connection) => connection.close(), () => undefined);
    this.connections.clear();
  }

  private connect(brokerId: number): Promise<Connection> {
    if (this.closed) return Promise.reject(new Error('the sender is closed'));
    const existing = this.connections.get(brokerId);
    if (existing !== undefined) {
      const usable = existing.then((connection) => !connection.closed, () => false);
      return usable.then((ok) => (ok ? existing : this.reconnect(brokerId, existing)));
    }
    return this.reconnect(brokerId, undefined);
  }

  private reconnect(brokerId: number, stale: Promise<Connection> | undefined): Promise<Connection> {
    if (stale !== undefined && this.connections.get(brokerId) !== stale) return this.connect(brokerId);
    const endpoint = this.options.endpointOf(brokerId);
    if (endpoint === undefined) return Promise.reject(new Error(`no inter-broker endpoint known for broker ${brokerId}`));
    const { requestTimeoutMs, clientId } = this.options;
    const opening = Connection.open({
      host: endpoint.host, port: endpoint.port, clientId, requestTimeoutMs, connectTimeoutMs: requestTimeoutMs,
      label: `broker ${brokerId} (${endpoint.host}:${endpoint.port})`,
      ...(this.options.security === undefined ? {} : { security: this.options.security }),
    }).then((connection) => {
      // Closed while connecting: nobody will close this one later.
      if (this.closed) connection.close();
      return connection;
    });
    this.connections.set(brokerId, opening);
    return opening;
  }
}
