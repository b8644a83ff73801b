import { bool, doc, int, list, long, nullableClass, nullablePassword, nullableStr, str } from './config-definition.ts';
import type { ConfigDefinition } from './config-definition.ts';

/** The class names that select Samsa's ACL authorizer: Kafka's ZooKeeper-mode and KRaft-mode authorizers both do. */
export const ACL_AUTHORIZER_CLASSES = ['kafka.security.authorizer.AclAuthorizer', 'org.apache.kafka.metadata.authorizer.StandardAuthorizer'];

/**
 * Kafka's security configs (TLS, SASL, authorization), by their Kafka names. Every TLS and SASL key
 * may also be set for one listener as `listener.name.<listener>.<key>` (see listener-configs.ts),
 * which is how a server.properties with several secured listeners gives each its own.
 */
export const securityConfigDefinitions = Object.freeze({
  // TLS
  'ssl.keystore.type': doc(str<'JKS' | 'PKCS12' | 'PEM'>('JKS', ['JKS', 'PKCS12', 'PEM']), 'The format of the keystore: Samsa reads PEM (a private key and its certificate chain).'),
  'ssl.keystore.location': doc(nullableStr(), 'The file holding the listener\'s private key (PKCS#8) and certificate chain, in PEM.'),
  'ssl.keystore.password': doc(nullablePassword(), 'The keystore\'s password (for PEM, the key\'s, when ssl.key.password is unset).'),
  'ssl.keystore.certificate.chain': doc(nullablePassword(), 'The certificate chain in PEM, given inline instead of ssl.keystore.location.'),
  'ssl.keystore.key': doc(nullablePassword(), 'The private key in PEM, given inline instead of ssl.keystore.location.'),
  'ssl.key.password': doc(nullablePassword(), 'The password of an encrypted private key.'),
  'ssl.truststore.type': doc(str<'JKS' | 'PKCS12' | 'PEM'>('JKS', ['JKS', 'PKCS12', 'PEM']), 'The format of the truststore: Samsa reads PEM certificates.'),
  'ssl.truststore.location': doc(nullableStr(), 'The file of PEM certificates that client certificates (and, between brokers, server certificates) must chain to.'),
  'ssl.truststore.password': doc(nullablePassword(), 'The truststore\'s password (unused for PEM).'),
  'ssl.truststore.certificates': doc(nullablePassword(), 'Trusted certificates in PEM, given inline instead of ssl.truststore.location.'),
  'ssl.client.auth': doc(str<'required' | 'requested' | 'none'>('none', ['required', 'requested', 'none']), 'Whether a TLS client must (required), may (requested) or does not (none) present a certificate.'),
  'ssl.enabled.protocols': doc(list(['TLSv1.2', 'TLSv1.3'], ['TLSv1.2', 'TLSv1.3']), 'The TLS versions the listener accepts.'),
  'ssl.protocol': doc(str('TLSv1.3'), 'The TLS version clients of other brokers start with.'),
  'ssl.cipher.suites': doc(list([]), 'The cipher suites the listener accepts (OpenSSL or IANA names); empty for Node\'s defaults.'),
  'ssl.principal.mapping.rules': doc(str('DEFAULT'), 'Rules that turn a client certificate\'s subject into the principal\'s name, as RULE:pattern/replacement/[LU] entries.'),
  'ssl.endpoint.identification.algorithm': doc(str<string>('https'), 'With https a broker checks the host name in the certificate of the broker it connects to; empty turns the check off.'),
  // SASL
  'sasl.enabled.mechanisms': doc(list(['GSSAPI']), 'The SASL mechanisms SASL listeners offer: PLAIN, SCRAM-SHA-256, SCRAM-SHA-512, OAUTHBEARER.'),
  'sasl.mechanism.inter.broker.protocol': doc(str('GSSAPI'), 'The SASL mechanism brokers authenticate to one another with.'),
  'sasl.jaas.config': doc(nullablePassword(), 'Login settings in JAAS syntax; on a broker set per listener and mechanism as listener.name.<l>.<mechanism>.sasl.jaas.config.'),
  'sasl.server.callback.handler.class': doc(nullableStr(), 'Set per listener and mechanism to org.apache.kafka.common.security.oauthbearer.OAuthBearerValidatorCallbackHandler to validate signed OAUTHBEARER tokens against a JWKS.'),
  'sasl.server.max.receive.size': doc(int(524288, 1), 'The largest SASL token a client may send before it is authenticated.'),
  'connections.max.reauth.ms': doc(long(0, 0), 'How long a SASL session lasts before the client must re-authenticate (KIP-368); 0 for ever.'),
  'connection.failed.authentication.delay.ms': doc(int(100, 0), 'How long the broker waits before answering a failed authentication, to slow down guessing.'),
  'sasl.oauthbearer.jwks.endpoint.url': doc(nullableStr(), 'Where the JSON Web Key Set that signs OAUTHBEARER tokens is (http, https or file URL).'),
  'sasl.oauthbearer.jwks.endpoint.refresh.ms': doc(long(3600000, 1), 'How often the JWKS is fetched again.'),
  'sasl.oauthbearer.expected.audience': doc(list([]), 'Audiences a token must name one of; empty does not check.'),
  'sasl.oauthbearer.expected.issuer': doc(nullableStr(), 'The issuer a token must name; unset does not check.'),
  'sasl.oauthbearer.sub.claim.name': doc(str('sub'), 'The token claim that names the principal.'),
  'sasl.oauthbearer.scope.claim.name': doc(str('scope'), 'The token claim that holds its scopes.'),
  'sasl.oauthbearer.clock.skew.seconds': doc(int(30, 0), 'How far the token issuer\'s clock may be from the broker\'s.'),
  // Authorization
  'authorizer.class.name': doc(nullableClass(ACL_AUTHORIZER_CLASSES), 'The authorizer that decides every request from ACLs; unset allows everything.'),
  'super.users': doc(nullableStr(), 'Principals allowed everything, as User:name separated by semicolons.'),
  'allow.everyone.if.no.acl.found': doc(bool(false), 'Whether a resource with no ACL at all is open to everyone.'),
} satisfies Record<string, ConfigDefinition<unknown>>);

/** The keys `listener.name.<listener>.<key>` may set for one listener. */
export const LISTENER_SECURITY_KEYS: ReadonlySet<string> = new Set(Object.keys(securityConfigDefinitions).filter((key) => key.startsWith('ssl.') || key.startsWith('sasl.') || key.startsWith('connections.')));
