import { connect, type Socket } from 'node:net';
import { connect as connectTls, type ConnectionOptions as TlsConnectionOptions } from 'node:tls';
import { isIP } from 'node:net';
import { ErrorCode } from '../protocol/errors.ts';
import { requestHeader, requestHeaderVersion } from '../protocol/generated/request-header.ts';
import { responseHeader, responseHeaderVersion } from '../protocol/generated/response-header.ts';
import { Reader } from '../protocol/primitives/reader.ts';
import { Writer } from '../protocol/primitives/writer.ts';
import { Apis, type ClientApi } from './apis.ts';
import { KafkaClientError, networkError, unsupportedApi } from './errors.ts';
import { FrameReader } from './frame-reader.ts';
import { packageVersion } from './package-version.ts';
import { usesSasl, usesTls, type ClientSecurity } from './client-security.ts';
import { authenticate, type SaslSession } from './sasl-authentication.ts';

/** Sent in ApiVersions v3+ (KIP-511), as Java's client sends its AppInfoParser version: brokers show it per connection. */
const CLIENT_SOFTWARE_VERSION = packageVersion();

export interface ConnectionOptions {
  readonly host: string;
  readonly port: number;
  readonly clientId: string;
  /** How long a request may wait for its response (request.timeout.ms). */
  readonly requestTimeoutMs: number;
  readonly connectTimeoutMs: number;
  /** For messages: "broker 1 (127.0.0.1:9092)". */
  readonly label?: string;
  /**
   * Memory for response frames (default: a fresh buffer each). A caller that knows when it is done
   * with an answer's bytes (the replica fetcher, once they are in its log) hands out and takes back
   * pooled memory, so a stream of 1 MiB answers does not drive V8's full collections.
   */
  readonly allocateFrame?: (size: number) => Buffer;
  /** security.protocol with its TLS and SASL settings; PLAINTEXT when not given. */
  readonly security?: ClientSecurity;
}

export interface SendOptions {
  /** Extra time on top of requestTimeoutMs: a Fetch may legitimately wait maxWaitMs in the broker. */
  readonly extraTimeoutMs?: number;
  /** false for Produce with acks=0: the broker never answers, the promise settles once written. */
  readonly expectResponse?: boolean;
  /** Use this version instead of the negotiated one (must be inside both ranges). */
  readonly version?: number;
}

interface Pending {
  readonly apiKey: number;
  readonly version: number;
  readonly decode: (r: Reader) => unknown;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: Error) => void;
  readonly timer: NodeJS.Timeout;
  readonly operation: string;
}

const MAX_FRAME_BYTES = 512 * 1024 * 1024;

/**
 * One TCP connection to one broker. Requests are pipelined; responses are matched by correlation
 * id. Writes honour back-pressure: when the socket's buffer is full, later requests wait for
 * 'drain' before they are written. Any socket failure fails every pending request with a
 * retriable NETWORK_EXCEPTION and the connection is dead for good (the pool makes a new one).
 */
export class Connection {
  readonly options: ConnectionOptions;
  readonly #socket: Socket;
  readonly #pending = new Map<number, Pending>();
  #versions = new Map<number, { minVersion: number; maxVersion: number }>();
  /** The cluster's finalized features (ApiVersions v3+): name to max version level. */
  #finalizedFeatures = new Map<string, number>();
  #nextCorrelationId = 1;
  #drain: Promise<void> | null = null;
  #closed = false;
  #closeError: KafkaClientError | null = null;
  readonly #closeListeners: Array<() => void> = [];

  private constructor(socket: Socket, options: ConnectionOptions) {
    this.#socket = socket;
    this.options = options;
    socket.setNoDelay(true);
    socket.on('error', (error) => this.#fail(networkError(this.label, error.message, error)));
    socket.on('close', () => this.#fail(networkError(this.label, 'connection closed')));
  }

  get label(): string { return this.options.label ?? `${this.options.host}:${this.options.port}`; }
  get closed(): boolean { return this.#closed; }
  /** Requests written whose responses have not arrived. */
  get inFlight(): number { return this.#pending.size; }

  /** Connects and negotiates API versions (ApiVersions, falling back to v0 when the broker refuses ours). */
  static async open(options: ConnectionOptions): Promise<Connection> {
    let connection: Connection | undefined;
    // Nothing arrives before our first request, so `connection` is set by the time frames do.
    const reader = new FrameReader({
      maxFrameBytes: MAX_FRAME_BYTES,
      // Every answer starts with its correlation id.
      minFrameBytes: 4,
      onFrame: (frame) => connection!.#onFrame(frame),
      onBadSize: (size) => connection!.#badFrameSize(size),
      allocateFrame: options.allocateFrame,
    });
    const tls = usesTls(options.security);
    const socket = await new Promise<Socket>((resolve, reject) => {
      const target = `${options.host}:${options.port}`;
      // Both read through `onread`: a TLS socket decrypts each record straight into the answer's frame.
      const s = tls
        ? connectTls({
          host: options.host, port: options.port, ...options.security?.ssl,
          ...(isIP(options.host) === 0 ? { servername: options.security?.ssl?.servername ?? options.host } : {}),
          // Documented for tls.connect (without a `socket`), missing from @types/node.
          onread: reader.onread,
        } as TlsConnectionOptions)
        : connect({ host: options.host, port: options.port, onread: reader.onread });
      const ready = tls ? 'secureConnect' : 'connect';
      const timer = setTimeout(() => { s.destroy(); reject(networkError(`connect to ${target}`, 'timed out')); }, options.connectTimeoutMs);
      s.once(ready, () => { clearTimeout(timer); s.removeAllListeners('error'); resolve(s); });
      s.once('error', (error) => {
        clearTimeout(timer);
        // A failed TLS handshake (an untrusted certificate, a wrong host name) is not retried: it fails the same way again.
        reject(tls && !('code' in error && /^E(CONNREFUSED|CONNRESET|HOSTUNREACH|NETUNREACH|TIMEDOUT)$/.test(String(error.code)))
          ? new KafkaClientError(ErrorCode.NETWORK_EXCEPTION, `TLS connection to ${target}`, `TLS handshake failed: ${error.message}`, { cause: error, retriable: false })
          : networkError(`connect to ${target}`, error.message, error));
      });
    });
    connection = new Connection(socket, options);
    try {
      await connection.#negotiate();
      if (usesSasl(options.security)) await connection.#authenticate();
    } catch (error) {
      connection.close();
      throw error;
    }
    return connection;
  }

  async #negotiate(): Promise<void> {
    const api = Apis.ApiVersions;
    let response = await this.send(api, { clientSoftwareName: 'samsa', clientSoftwareVersion: CLIENT_SOFTWARE_VERSION }, { version: 3 });
    if (response.errorCode === ErrorCode.UNSUPPORTED_VERSION) response = await this.send(api, {}, { version: 0 });
    if (response.errorCode !== ErrorCode.NONE) throw new KafkaClientError(response.errorCode, `ApiVersions to ${this.label}`);
    this.#versions = new Map(response.apiKeys.map((k) => [k.apiKey, { minVersion: k.minVersion, maxVersion: k.maxVersion }]));
    this.#finalizedFeatures = new Map((response.finalizedFeatures ?? []).map((f) => [f.name, f.maxVersionLevel]));
  }

  /**
   * Runs the SASL exchange (SaslHandshake, then SaslAuthenticate until done), and, when the broker
   * gives the session a lifetime (KIP-368), runs it again on this connection before it ends.
   */
  async #authenticate(): Promise<void> {
    const sasl = this.options.security?.sasl;
    if (sasl === undefined) throw new KafkaClientError(ErrorCode.ILLEGAL_SASL_STATE, `SASL to ${this.label}`, 'no sasl.mechanism and credentials configured', { retriable: false });
    const session: SaslSession = await authenticate(this, sasl);
    if (session.lifetimeMs > 0 && !this.#closed) {
      // As the Java client: between 85% and 95% of the lifetime, so many clients do not all come back at once.
      const delayMs = Math.floor(session.lifetimeMs * (0.85 + Math.random() * 0.1));
      const timer = setTimeout(() => {
        this.#authenticate().catch((error: unknown) => this.#fail(networkError(this.label, `re-authentication failed: ${(error as Error).message}`)));
      }, delayMs);
      timer.unref();
      this.onClose(() => clearTimeout(timer));
    }
  }

  /** A finalized feature's level as the broker advertised it (e.g. transaction.version), 0 when not finalized. */
  finalizedFeatureLevel(name: string): number {
    return this.#finalizedFeatures.get(name) ?? 0;
  }

  /** The broker's advertised range for an API, or undefined when it does not serve it. */
  brokerVersions(apiKey: number): { minVersion: number; maxVersion: number } | undefined {
    return this.#versions.get(apiKey);
  }

  supports(api: ClientApi<unknown, unknown>): boolean {
    const broker = this.#versions.get(api.request.apiKey);
    return broker !== undefined && Math.max(broker.minVersion, api.minVersion) <= Math.min(broker.maxVersion, api.maxVersion);
  }

  /** min(our max, broker max); a clear typed error when the ranges do not overlap. */
  versionFor<Req, Res>(api: ClientApi<Req, Res>): number {
    const broker = this.#versions.get(api.request.apiKey);
    if (broker === undefined) throw unsupportedApi(`${api.name} to ${this.label}`, `the broker does not serve ${api.name}`);
    const version = Math.min(broker.maxVersion, api.maxVersion);
    if (version < Math.max(broker.minVersion, api.minVersion)) {
      throw unsupportedApi(`${api.name} to ${this.label}`,
        `no common version: broker ${broker.minVersion}-${broker.maxVersion}, client ${api.minVersion}-${api.maxVersion}`);
    }
    return version;
  }

  /** Encodes, writes (after any pending drain) and waits for the matching response. */
  async send<Req, Res>(api: ClientApi<Req, Res>, body: Req, options: SendOptions = {}): Promise<Res> {
    const apiKey = api.request.apiKey;
    const version = options.version ?? this.versionFor(api);
    const operation = `${api.name} v${version} to ${this.label}`;
    if (this.#closed) throw this.#closeError ?? networkError(operation, 'connection closed');
    const correlationId = this.#nextCorrelationId;
    this.#nextCorrelationId = (this.#nextCorrelationId + 1) & 0x7fffffff;
    const writer = new Writer();
    writer.int32(0);
    requestHeader.encode(writer, { requestApiKey: apiKey, requestApiVersion: version, correlationId, clientId: this.options.clientId },
      requestHeaderVersion(apiKey, version));
    api.request.encode(writer, body, version);
    const buffers = writer.toBuffers();
    buffers[0]!.writeInt32BE(writer.length - 4, 0);
    while (this.#drain !== null) await this.#drain;
    if (this.#closed) throw this.#closeError ?? networkError(operation, 'connection closed');

    const expectResponse = options.expectResponse ?? true;
    const result = expectResponse
      ? new Promise<Res>((resolve, reject) => {
        const timeoutMs = this.options.requestTimeoutMs + (options.extraTimeoutMs ?? 0);
        const timer = setTimeout(() => {
          this.#pending.delete(correlationId);
          reject(new KafkaClientError(ErrorCode.REQUEST_TIMED_OUT, operation, `no response within ${timeoutMs} ms`));
        }, timeoutMs);
        this.#pending.set(correlationId, {
          apiKey, version, operation, timer, reject,
          decode: (r) => api.response.decode(r, version),
          resolve: resolve as (value: unknown) => void,
        });
      })
      : null;
    this.#socket.cork();
    let flushed = true;
    for (const buffer of buffers) flushed = this.#socket.write(buffer);
    this.#socket.uncork();
    if (!flushed) {
      this.#drain = new Promise<void>((resolve) => {
        const done = (): void => { this.#socket.off('drain', done); this.#socket.off('close', done); this.#drain = null; resolve(); };
        this.#socket.on('drain', done);
        this.#socket.on('close', done);
      });
    }
    if (result === null) return undefined as Res;
    return result;
  }

  #badFrameSize(size: number): void {
    this.#fail(networkError(this.label, `bad response frame size ${size}`));
    this.#socket.destroy();
  }

  #onFrame(frame: Buffer): void {
    const correlationId = frame.readInt32BE(0);
    const pending = this.#pending.get(correlationId);
    // A response to a request that already timed out: nothing waits for it any more.
    if (pending === undefined) return;
    // A broker answers a connection's requests in order: an answer that overtakes an older request
    // means that request's answer was lost, and what else was lost cannot be known. As Java's
    // NetworkClient on a correlation id mismatch, the connection is dropped and every request on
    // it fails retriably (an idempotent producer's retries are then deduplicated by the broker).
    const oldest = this.#pending.keys().next().value;
    if (oldest !== correlationId) {
      this.#fail(networkError(this.label, `the answer to request ${correlationId} came before the answer to request ${oldest}`));
      return;
    }
    this.#pending.delete(correlationId);
    clearTimeout(pending.timer);
    try {
      const reader = new Reader(frame);
      responseHeader.decode(reader, responseHeaderVersion(pending.apiKey, pending.version));
      pending.resolve(pending.decode(reader));
    } catch (error) {
      pending.reject(new KafkaClientError(ErrorCode.CORRUPT_MESSAGE, pending.operation, `undecodable response: ${(error as Error).message}`,
        { cause: error, retriable: false }));
    }
  }

  #fail(error: KafkaClientError): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#closeError = error;
    for (const pending of this.#pending.values()) {
      clearTimeout(pending.timer);
      pending.reject(networkError(pending.operation, error.message, error));
    }
    this.#pending.clear();
    this.#socket.destroy();
    for (const listener of this.#closeListeners.splice(0)) listener();
  }

  onClose(listener: () => void): void {
    if (this.#closed) listener();
    else this.#closeListeners.push(listener);
  }

  close(): void {
    this.#fail(networkError(this.label, 'closed by the client'));
  }
}
