import type { MessageCodec } from '../../protocol/primitives/message-codec.ts';
import type { BrokerContext } from '../broker-context.ts';
import type { Session } from '../security/session.ts';
import type { SaslAuthenticator } from '../security/sasl-authenticator.ts';
import type { RequestTimes } from '../request-times.ts';

/** What a handler knows about the request beyond its body. */
export interface RequestContext {
  readonly apiVersion: number;
  readonly correlationId: number;
  readonly clientId: string;
  readonly connectionId: string;
  /** The listener the request arrived on: Metadata and the like answer with its endpoints, as Kafka. */
  readonly listenerName: string;
  /** Who sent the request (the connection's authenticated principal) and from where. */
  readonly session: Session;
  /** The connection's SASL exchange; undefined on a listener without SASL. */
  readonly sasl?: SaslAuthenticator | undefined;
  readonly broker: BrokerContext;
  /** The request's record for metrics, when requests are timed (metrics on). */
  readonly requestTimes?: RequestTimes | undefined;
}

/**
 * One Kafka API: its codecs, the versions Samsa serves, and the function that answers it.
 * A handler returns the response body, or null when the protocol sends none (Produce with acks=0).
 * Handlers turn KafkaErrors into the error code of what they concern (a partition, a topic);
 * anything they throw escapes as a broken request and closes the connection.
 */
export interface ApiHandler<Request = any, Response = any> {
  readonly request: MessageCodec<Request>;
  readonly response: MessageCodec<Response>;
  readonly minVersion: number;
  readonly maxVersion: number;
  /**
   * True when nothing keeps a view of the request's bytes once it is answered, so the memory of its
   * frame may serve the next request. False by default: many handlers keep decoded views (a
   * JoinGroup's member metadata lives on in the group).
   */
  readonly requestFreedOnAnswer?: boolean;
  /**
   * Served in cluster mode only: the controller-to-broker and broker-to-controller APIs, which a
   * single node neither sends nor advertises.
   */
  readonly clusterOnly?: boolean;
  handle(request: Request, context: RequestContext): Promise<Response | null> | Response | null;
}

export function defineHandler<Request, Response>(handler: ApiHandler<Request, Response>): ApiHandler<Request, Response> {
  if (handler.minVersion < handler.request.minVersion || handler.maxVersion > handler.request.maxVersion) {
    throw new Error(`${handler.request.name}: versions ${handler.minVersion}-${handler.maxVersion} outside the spec's`);
  }
  return Object.freeze(handler);
}
