import type { SecurityProtocol } from '../config.ts';
import type { KafkaPrincipal } from './kafka-principal.ts';

/**
 * What the broker knows of the party behind a request (Kafka's RequestContext and Session): the
 * principal the connection authenticated as, the address it came from, and the listener it reached.
 * The authorizer and the quota manager decide from it.
 */
export interface Session {
  readonly principal: KafkaPrincipal;
  /** The client's IP address, as ACL hosts and quotas match it. */
  readonly clientAddress: string;
  readonly listenerName: string;
  readonly securityProtocol: SecurityProtocol;
  /** The SASL mechanism the connection authenticated with, when it did. */
  readonly saslMechanism?: string | undefined;
}
