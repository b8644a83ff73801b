import { DecodeError, Reader } from '../protocol/primitives/reader.ts';
import { Writer } from '../protocol/primitives/writer.ts';
import { requestHeader, requestHeaderVersion } from '../protocol/generated/request-header.ts';
import { responseHeader, responseHeaderVersion } from '../protocol/generated/response-header.ts';
import { ApiKey } from '../protocol/generated/api-keys.ts';
import { apiVersionsResponse } from '../protocol/generated/api-versions.ts';
import { ErrorCode } from '../protocol/errors.ts';
import type { ApiHandler, RequestContext } from './handlers/handler.ts';
import type { BrokerContext } from './broker-context.ts';
import { supportedApiVersions } from './handlers/api-versions.ts';
import type { Session } from './security/session.ts';
import { requestQuotaApplies, setThrottleTimeMs, throttleTimeAfter } from './security/quotas/request-throttle.ts';
import { IllegalSaslStateError, type SaslAuthenticator } from './security/sasl-authenticator.ts';
import type { RequestTimes } from './request-times.ts';

/** What the dispatcher knows of the connection a frame came from. */
export interface DispatchedConnection {
  readonly id: string;
  readonly listenerName: string;
  readonly session: Session;
  /** The connection's SASL exchange, on SASL listeners. */
  readonly sasl?: SaslAuthenticator | undefined;
  /** Mutes the connection for a quota's throttle (ConnectionContext.throttle). */
  throttle?(delayMs: number): void;
}

/**
 * Thrown for a request Kafka would not answer: an unknown API key or version, a header or body
 * that does not parse. The connection layer closes the connection on any thrown error, which is
 * what Kafka does for broken framing; other connections carry on.
 */
export class InvalidRequestError extends Error {
  override readonly name = 'InvalidRequestError';
}

/**
 * Turns one request frame into one response frame body (header + body, without the size prefix):
 * reads the API key and version, decodes the header and body with the generated codecs, calls the
 * handler and encodes its answer with the response header version the API version asks for.
 */
export class RequestDispatcher {
  private readonly handlers: ReadonlyMap<number, ApiHandler>;
  private readonly broker: BrokerContext;

  constructor(handlers: readonly ApiHandler[], broker: BrokerContext) {
    this.handlers = new Map(handlers.map((handler) => [handler.request.apiKey, handler]));
    this.broker = broker;
  }

  /** Whether the memory of this request's frame may be reused once it is answered (its handler's say). */
  requestFreedOnAnswer(frame: Buffer): boolean {
    return frame.length >= 2 && this.handlers.get(frame.readInt16BE(0))?.requestFreedOnAnswer === true;
  }

  /** `times`: the request's record for metrics, when requests are timed (handlers add what only they know). */
  async dispatch(frame: Buffer, connection: DispatchedConnection, times?: RequestTimes): Promise<Buffer[] | null> {
    const connectionId = connection.id;
    const sasl = connection.sasl;
    // After a v0 SaslHandshake the client sends its SASL tokens as bare frames, not requests.
    if (sasl?.expectsRawToken === true) return sasl.rawToken(frame).catch((error: unknown) => {
      throw new InvalidRequestError((error as Error).message, { cause: error });
    });
    if (frame.length < 8) throw new InvalidRequestError(`a ${frame.length}-byte frame is too short for a request header`);
    const apiKey = frame.readInt16BE(0);
    const apiVersion = frame.readInt16BE(2);
    const handler = this.handlers.get(apiKey);
    if (handler === undefined) throw new InvalidRequestError(`unknown API key ${apiKey}`);
    if (apiVersion < handler.minVersion || apiVersion > handler.maxVersion) {
      if (apiKey === ApiKey.ApiVersions) return this.unsupportedApiVersions(frame.readInt32BE(4));
      throw new InvalidRequestError(`${handler.request.name} version ${apiVersion} is not supported`);
    }
    try {
      sasl?.checkRequest(apiKey, handler.request.name);
    } catch (error) {
      if (error instanceof IllegalSaslStateError) throw new InvalidRequestError(error.message, { cause: error });
      throw error;
    }

    const reader = new Reader(frame);
    let request: unknown;
    let header;
    try {
      header = requestHeader.decode(reader, requestHeaderVersion(apiKey, apiVersion));
      request = handler.request.decode(reader, apiVersion);
    } catch (error) {
      if (error instanceof DecodeError) {
        throw new InvalidRequestError(`malformed ${handler.request.name} v${apiVersion}: ${error.message}`);
      }
      throw error;
    }
    if (!reader.isAtEnd()) {
      // Kafka parses the body its version defines and does not refuse what follows it (librdkafka
      // 2.15 writes Metadata v12 with 3 extra bytes); every other check on the frame still holds.
      this.broker.logger.debug(
        { api: handler.request.name, apiVersion, trailingBytes: reader.remaining, clientId: header.clientId, connectionId },
        'request has bytes after its body; ignored',
      );
    }

    const context: RequestContext = {
      apiVersion,
      correlationId: header.correlationId,
      clientId: header.clientId ?? '',
      connectionId,
      listenerName: connection.listenerName,
      session: connection.session,
      sasl,
      broker: this.broker,
      requestTimes: times,
    };
    const quotas = this.broker.quotas;
    const timed = quotas !== undefined && requestQuotaApplies(quotas, apiKey);
    const startNs = timed ? process.hrtime.bigint() : 0n;
    const pending = handler.handle(request, context);
    // The handler's time on the event loop: what the request quota shares out (Kafka's request thread time).
    const handlerTimeNanos = timed ? Number(process.hrtime.bigint() - startNs) : 0;
    const response = await pending;
    if (quotas !== undefined) {
      const throttleMs = throttleTimeAfter(quotas, {
        apiKey, apiVersion, request, requestBytes: frame.length, response, handlerTimeNanos,
        user: context.session.principal.name, clientId: context.clientId, nowMs: this.broker.time.now(),
      });
      // KIP-219: the answer goes out at once with the throttle, and the connection is muted for it.
      if (throttleMs > 0) {
        setThrottleTimeMs(response, throttleMs);
        connection.throttle?.(throttleMs);
        if (times !== undefined) times.throttleMs = throttleMs;
      }
    }
    if (response === null) return null;
    // Kafka's ErrorsPerSec: each error code in the answer, under its API.
    this.broker.metrics?.requestErrors.responded(apiKey, response);
    return encodeResponse(handler, apiVersion, header.correlationId, response);
  }

  /**
   * KIP-511: a client may send ApiVersions at a version newer than ours. Kafka answers with a v0
   * body carrying UNSUPPORTED_VERSION and its supported ranges, so the client can retry lower.
   */
  private unsupportedApiVersions(correlationId: number): Buffer[] {
    const writer = new Writer();
    responseHeader.encode(writer, { correlationId }, 0);
    apiVersionsResponse.encode(
      writer,
      { errorCode: ErrorCode.UNSUPPORTED_VERSION, apiKeys: supportedApiVersions([...this.handlers.values()]) },
      0,
    );
    return writer.toBuffers();
  }
}

function encodeResponse(handler: ApiHandler, apiVersion: number, correlationId: number, response: unknown): Buffer[] {
  const writer = new Writer();
  responseHeader.encode(writer, { correlationId }, responseHeaderVersion(handler.request.apiKey, apiVersion));
  handler.response.encode(writer, response, apiVersion);
  return writer.toBuffers();
}
