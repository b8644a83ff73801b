/**
 * The client's side of one SASL exchange (Java's javax.security.sasl.SaslClient as Kafka's clients
 * use it): the first token goes in the first SaslAuthenticate, each answer's auth bytes come back
 * through evaluateChallenge, until it returns null.
 */
export interface SaslClient {
  readonly mechanism: string;
  initialResponse(): Promise<Buffer>;
  /** The next token for the server, or null when the exchange is done. Throws SaslClientError on a refusal. */
  evaluateChallenge(challenge: Buffer): Promise<Buffer | null>;
  readonly complete: boolean;
}

/** The client refuses the exchange (a server that cannot prove itself, a bad message); Kafka's texts. */
export class SaslClientError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SaslClientError';
  }
}

/** A bearer token and the SASL extensions sent with it (KIP-342). */
export interface OAuthBearerClientToken {
  readonly value: string;
  readonly extensions?: Readonly<Record<string, string>>;
}

/** What a client authenticates with: Kafka's sasl.mechanism and what sasl.jaas.config gives it. */
export interface SaslClientConfig {
  readonly mechanism: 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512' | 'OAUTHBEARER';
  readonly username?: string;
  readonly password?: string;
  /** OAUTHBEARER: a token for each (re-)authentication. */
  readonly oauthBearerProvider?: () => Promise<OAuthBearerClientToken>;
}
