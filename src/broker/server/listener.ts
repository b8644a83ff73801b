import { createServer } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import type { TLSSocket, TlsOptions } from 'node:tls';
import type { FrameReader } from '../../client/frame-reader.ts';
import type { Logger } from '../logger.ts';
import type { SecurityProtocol } from '../config.ts';
import { ANONYMOUS, type KafkaPrincipal } from '../security/kafka-principal.ts';
import { adoptAcceptedSocket, readTlsSocketInto } from './adopt-socket.ts';
import { Connection } from './connection.ts';
import type { AcceptGate } from './accept-gate.ts';
import type { ConnectionOptions, RequestHandler } from './connection.ts';
import type { RequestTimer } from '../request-times.ts';

export interface ListenerOptions {
  /** Kafka listener name, e.g. PLAINTEXT. */
  readonly listenerName: string;
  /** listener.security.protocol.map's protocol for this listener (PLAINTEXT when not given). */
  readonly securityProtocol?: SecurityProtocol;
  /** SSL and SASL_SSL listeners: the TLS server options (key, certificates, client authentication). */
  readonly tls?: TlsOptions;
  /** TLS listeners: the principal of a client by its certificate (ANONYMOUS without one). */
  readonly tlsPrincipal?: (socket: TLSSocket) => KafkaPrincipal;
  /** SASL listeners: each connection's authenticator. */
  readonly saslAuthenticator?: ConnectionOptions['saslAuthenticator'];
  /** Empty string binds every interface, as in Kafka's `PLAINTEXT://:9092`. */
  readonly host: string;
  /** 0 picks a free port; read the bound one from `port` after `listen()`. */
  readonly port: number;
  readonly handler: RequestHandler;
  readonly logger: Logger;
  /** socket.request.max.bytes (Kafka's default 100 MiB). */
  readonly maxRequestBytes?: number;
  /** Per connection; Kafka itself handles one at a time, clients pipeline a few. */
  readonly maxInFlightRequests?: number;
  /** Per connection: response bytes the broker buffers for a slow reader before it stops reading. */
  readonly maxWriteBufferBytes?: number;
  /** Called with a response's chunks once the socket is done with them. */
  readonly onResponseWritten?: (chunks: readonly Buffer[]) => void;
  readonly allocateFrame?: (size: number) => Buffer;
  /** Connection limits (max.connections, max.connections.per.ip, creation rate): who is admitted, and when. */
  readonly acceptGate?: AcceptGate;
  /** Times every connection's requests (metrics on). */
  readonly requestTimer?: RequestTimer;
}

export const DEFAULT_MAX_REQUEST_BYTES = 104857600;
export const DEFAULT_MAX_IN_FLIGHT_REQUESTS = 100;
export const DEFAULT_MAX_WRITE_BUFFER_BYTES = 4 * 1024 * 1024;

/** Accepts connections on one host:port and hands each a Connection that frames requests. */
export class Listener {
  readonly listenerName: string;
  readonly #options: ListenerOptions;
  readonly #logger: Logger;
  readonly #server: Server;
  readonly #tls: boolean;
  readonly #connections = new Set<Connection>();
  #nextConnectionIndex = 0;
  #listening = false;

  constructor(options: ListenerOptions) {
    this.listenerName = options.listenerName;
    this.#options = options;
    this.#logger = options.logger.child({ listener: options.listenerName });
    this.#tls = options.tls !== undefined;
    if (options.tls !== undefined) {
      // Node hands each connection over once its TLS handshake is done.
      // Decrypted bytes land in the request frames through `onread`, as on plaintext listeners.
      const server = createTlsServer({ ...options.tls, pauseOnConnect: true }, (socket) => this.#accept(socket, (reader) => {
        const { adopted, buffered } = readTlsSocketInto(socket, reader.onread);
        for (const chunk of buffered) reader.push(chunk);
        if (!adopted) socket.on('data', (chunk: Buffer) => reader.push(chunk));
        return socket;
      }));
      // A plaintext client, a bad certificate, a handshake left half done: one line, and only that connection closes.
      server.on('tlsClientError', (error, socket) => {
        this.#logger.info({ remoteAddress: socket.remoteAddress, reason: error.message }, 'TLS handshake failed, connection closed');
      });
      this.#gateBeforeHandshake(server);
      this.#server = server;
    } else {
      // Paused: each connection is adopted by a socket that reads into the broker's own memory.
      this.#server = createServer({ pauseOnConnect: true }, (socket) => this.#accept(socket, (reader) => adoptAcceptedSocket(socket, reader.onread)));
    }
    this.#server.on('error', (error) => this.#logger.error({ err: error }, 'listener error'));
  }

  /** Binds and starts accepting; rejects if the address is in use or not available. */
  listen(): Promise<void> {
    const { host, port } = this.#options;
    return new Promise((resolve, reject) => {
      const onError = (error: Error) => reject(error);
      this.#server.once('error', onError);
      this.#server.listen({ host: host === '' ? undefined : host, port }, () => {
        this.#server.off('error', onError);
        this.#listening = true;
        this.#logger.info({ host: this.host, port: this.port }, 'listening');
        resolve();
      });
    });
  }

  /** The bound port (the chosen one when configured with port 0). */
  get port(): number {
    return this.#address().port;
  }

  /** The bound address. */
  get host(): string {
    return this.#address().address;
  }

  /** Open connections, for shutdown, metrics and tests. */
  get connections(): ReadonlySet<Connection> {
    return this.#connections;
  }

  /** Stops accepting, destroys every connection, and resolves once the server is closed. */
  close(): Promise<void> {
    if (!this.#listening) return Promise.resolve();
    this.#listening = false;
    return new Promise((resolve) => {
      this.#server.close(() => {
        this.#logger.info('listener closed');
        resolve();
      });
      this.#options.acceptGate?.close();
      for (const connection of this.#connections) connection.close();
    });
  }

  #address(): AddressInfo {
    const address = this.#server.address();
    if (address === null || typeof address === 'string') throw new Error(`listener ${this.listenerName} is not listening`);
    return address;
  }

  /** TLS listeners: the certificates for connections from now on (a keystore replaced while running). */
  setSecureContext(options: TlsOptions): void {
    if (!this.#tls) throw new Error(`listener ${this.listenerName} does not use TLS`);
    (this.#server as ReturnType<typeof createTlsServer>).setSecureContext(options);
  }

  /**
   * Connection limits count a TLS connection when it is accepted, as Kafka's acceptor does, not once
   * its handshake is done: a flood of handshakes from one address is refused before it costs the
   * broker a handshake each. The server accepts paused, and Node's own TLS wrapping of a raw
   * connection (its 'connection' listener) runs only once the gate admits it; the raw socket's close
   * gives its slot back, whether the handshake failed or the connection ended.
   */
  #gateBeforeHandshake(server: ReturnType<typeof createTlsServer>): void {
    const gate = this.#options.acceptGate;
    const [wrapTls] = server.listeners('connection') as Array<(raw: Socket) => void>;
    // net.Server's option, read at each accept (and by Node's TLS wrapping); not in @types/node.
    const accepting = server as unknown as { pauseOnConnect: boolean };
    if (gate === undefined || wrapTls === undefined) {
      // Nothing to wait for: Node wraps at once, reading as it does.
      accepting.pauseOnConnect = false;
      return;
    }
    server.removeListener('connection', wrapTls);
    server.on('connection', (raw: Socket) => {
      raw.once('close', () => gate.release(raw));
      gate.offer(raw, () => {
        // The TLS socket Node makes reads from the start; the raw one stays paused until then.
        accepting.pauseOnConnect = false;
        try {
          wrapTls.call(server, raw);
        } finally {
          accepting.pauseOnConnect = true;
        }
      });
    });
  }

  #accept(socket: Socket, openSocket: (reader: FrameReader) => Socket): void {
    if (!this.#listening) {
      socket.destroy();
      return;
    }
    // TLS connections passed the gate before their handshake.
    const gate = this.#tls ? undefined : this.#options.acceptGate;
    if (gate !== undefined && !gate.admitted(socket)) {
      gate.offer(socket, () => this.#accept(socket, openSocket));
      return;
    }
    const index = this.#nextConnectionIndex++;
    const id = `${socket.localAddress}:${socket.localPort}-${socket.remoteAddress}:${socket.remotePort}-${index}`;
    let principal = ANONYMOUS;
    if (this.#tls && this.#options.tlsPrincipal !== undefined) {
      try {
        principal = this.#options.tlsPrincipal(socket as TLSSocket);
      } catch (error) {
        // A certificate no ssl.principal.mapping.rules rule maps fails authentication, as in Kafka.
        this.#logger.info({ remoteAddress: socket.remoteAddress, reason: (error as Error).message }, 'TLS client refused, connection closed');
        gate?.release(socket);
        socket.destroy();
        return;
      }
    }
    const connection = new Connection(openSocket, {
      id,
      listenerName: this.listenerName,
      initialSession: (clientAddress) => ({
        principal, clientAddress, listenerName: this.listenerName, securityProtocol: this.#options.securityProtocol ?? 'PLAINTEXT',
      }),
      saslAuthenticator: this.#options.saslAuthenticator,
      handler: this.#options.handler,
      logger: this.#logger,
      maxRequestBytes: this.#options.maxRequestBytes ?? DEFAULT_MAX_REQUEST_BYTES,
      maxInFlightRequests: this.#options.maxInFlightRequests ?? DEFAULT_MAX_IN_FLIGHT_REQUESTS,
      maxWriteBufferBytes: this.#options.maxWriteBufferBytes ?? DEFAULT_MAX_WRITE_BUFFER_BYTES,
      onResponseWritten: this.#options.onResponseWritten,
      allocateFrame: this.#options.allocateFrame,
      ...(this.#options.requestTimer === undefined ? {} : { requestTimer: this.#options.requestTimer }),
      onClose: (closed) => {
        this.#connections.delete(closed);
        gate?.release(socket);
      },
    });
    this.#connections.add(connection);
    this.#logger.debug({ connectionId: id }, 'connection accepted');
  }
}
