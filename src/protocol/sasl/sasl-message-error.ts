/**
 * A SASL message that does not follow its mechanism's grammar (Kafka's SaslException from the
 * message parsers). The text may quote the message, so it is for logs and the local party only:
 * the broker never sends it to a client (see SaslAuthenticationError in broker/security/sasl),
 * and no parser here ever quotes a password.
 */
export class SaslMessageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SaslMessageError';
  }
}
