/**
 * A typed request/response client over a RawKafkaConnection, encoding with the generated codecs:
 * for API tests that need exact control of versions and fields (what real clients cannot express)
 * and that send requests pipelined on one connection. raw-kafka.ts stays the codec-independent
 * path for malformed-input tests.
 */
import { apiSpec } from '../../src/protocol/generated/api-keys.ts';
import { requestHeader, requestHeaderVersion } from '../../src/protocol/generated/request-header.ts';
import { responseHeader, responseHeaderVersion } from '../../src/protocol/generated/response-header.ts';
import type { MessageCodec } from '../../src/protocol/primitives/message-codec.ts';
import { Reader } from '../../src/protocol/primitives/reader.ts';
import { Writer } from '../../src/protocol/primitives/writer.ts';
import { RawKafkaConnection } from './raw-kafka.ts';

export interface ApiCodecs<Req, Res> {
  readonly request: MessageCodec<Req>;
  readonly response: MessageCodec<Res>;
}

/** The request and response codecs of an API as one value, e.g. `api(fetchRequest, fetchResponse)`. */
export function api<Req, Res>(request: MessageCodec<Req>, response: MessageCodec<Res>): ApiCodecs<Req, Res> {
  return { request, response };
}

/** A sent request whose response has not been read yet. */
export interface PendingRequest<Res> {
  readonly correlationId: number;
  /** Reads the next response frame, which must be this request's (the broker answers in order). */
  readonly response: (timeoutMs?: number) => Promise<Res>;
}

export class KafkaApiClient {
  readonly connection: RawKafkaConnection;
  /** The header's client id: who quotas and logs count the requests against. */
  readonly clientId: string;
  private nextCorrelationId = 1;

  private constructor(connection: RawKafkaConnection, clientId: string) {
    this.connection = connection;
    this.clientId = clientId;
  }

  static async open(host: string, port: number, { clientId = 'samsa-api-test' }: { clientId?: string } = {}): Promise<KafkaApiClient> {
    return new KafkaApiClient(await RawKafkaConnection.open(host, port), clientId);
  }

  /** Encodes and sends one request without waiting for its response. */
  send<Req, Res>(codecs: ApiCodecs<Req, Res>, version: number, body: Req): PendingRequest<Res> {
    const apiKey = codecs.request.apiKey;
    if (apiSpec(apiKey) === undefined) throw new Error(`unknown API key ${apiKey}`);
    const correlationId = this.nextCorrelationId++;
    const writer = new Writer();
    requestHeader.encode(writer, {
      requestApiKey: apiKey, requestApiVersion: version, correlationId, clientId: this.clientId,
    }, requestHeaderVersion(apiKey, version));
    codecs.request.encode(writer, body, version);
    this.connection.sendFrame(writer.toBuffer());
    return {
      correlationId,
      response: async (timeoutMs = 10_000) => {
        const frame = await this.connection.readFrame(timeoutMs);
        const reader = new Reader(frame);
        const header = responseHeader.decode(reader, responseHeaderVersion(apiKey, version));
        if (header.correlationId !== correlationId) {
          throw new Error(`expected the response to correlation id ${correlationId}, got ${header.correlationId}`);
        }
        const response = codecs.response.decode(reader, version);
        if (!reader.isAtEnd()) throw new Error(`${codecs.response.name} v${version} has ${reader.remaining} trailing bytes`);
        return response;
      },
    };
  }

  /** Sends one request and reads its response. */
  async call<Req, Res>(codecs: ApiCodecs<Req, Res>, version: number, body: Req, timeoutMs?: number): Promise<Res> {
    return this.send(codecs, version, body).response(timeoutMs);
  }

  close(): void {
    this.connection.close();
  }
}
