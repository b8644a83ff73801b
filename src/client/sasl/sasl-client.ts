import { randomBytes as cryptoRandomBytes } from 'node:crypto';
import {
  OAUTHBEARER_LOGIN_MODULE,
  parseSingleJaasConfigEntry,
  PLAIN_LOGIN_MODULE,
  SCRAM_LOGIN_MODULE,
} from '../../protocol/sasl/jaas-config.ts';
import { scramMechanism, type RandomBytes } from '../../protocol/sasl/scram.ts';
import { OAuthBearerSaslClient, unsecuredLoginTokenProvider } from './oauthbearer-client.ts';
import { PlainSaslClient } from './plain-client.ts';
import { ScramSaslClient } from './scram-client.ts';
import { SaslClientError, type SaslClient, type SaslClientConfig } from './sasl-client-types.ts';

export { SaslClientError, type OAuthBearerClientToken, type SaslClient, type SaslClientConfig } from './sasl-client-types.ts';
export { unsecuredLoginTokenProvider } from './oauthbearer-client.ts';

/** The mechanisms our client speaks. */
export const CLIENT_SASL_MECHANISMS: readonly SaslClientConfig['mechanism'][] = Object.freeze(['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512', 'OAUTHBEARER']);

function credentials(config: SaslClientConfig): { username: string; password: string } {
  if (config.username === undefined || config.password === undefined) {
    throw new SaslClientError(`SASL mechanism ${config.mechanism} needs a username and a password`);
  }
  return { username: config.username, password: config.password };
}

/** A SaslClient for one (re-)authentication; each exchange needs a new one. */
export function createSaslClient(config: SaslClientConfig, randomBytes: RandomBytes = cryptoRandomBytes): SaslClient {
  if (config.mechanism === 'PLAIN') {
    const { username, password } = credentials(config);
    return new PlainSaslClient(username, password);
  }
  if (config.mechanism === 'OAUTHBEARER') {
    if (config.oauthBearerProvider === undefined) throw new SaslClientError('SASL mechanism OAUTHBEARER needs a token provider');
    return new OAuthBearerSaslClient(config.oauthBearerProvider);
  }
  const scram = scramMechanism(config.mechanism);
  if (scram === undefined) throw new SaslClientError(`Unsupported SASL mechanism ${String(config.mechanism)}`);
  return new ScramSaslClient(scram, credentials(config), randomBytes);
}

function isClientMechanism(mechanism: string): mechanism is SaslClientConfig['mechanism'] {
  return (CLIENT_SASL_MECHANISMS as readonly string[]).includes(mechanism);
}

/**
 * A SaslClientConfig from Kafka's client properties sasl.mechanism and sasl.jaas.config, e.g.
 *
 *   org.apache.kafka.common.security.scram.ScramLoginModule required username="alice" password="secret";
 *   org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required unsecuredLoginStringClaim_sub="alice";
 *
 * PLAIN and SCRAM take PlainLoginModule's or ScramLoginModule's username and password (as in
 * Kafka, either module serves either mechanism); OAUTHBEARER takes OAuthBearerLoginModule's
 * unsecured login options and makes unsecured tokens as Kafka's default login handler does (an
 * identity provider's tokens come through SaslClientConfig.oauthBearerProvider instead).
 * Errors name what is wrong and never quote a password.
 */
export function saslClientConfigFromProperties(mechanism: string, jaasConfig: string, options: { now?: () => number } = {}): SaslClientConfig {
  if (!isClientMechanism(mechanism)) {
    throw new SaslClientError(`SASL mechanism ${mechanism} is not supported; use one of ${CLIENT_SASL_MECHANISMS.join(', ')}`);
  }
  const entry = parseSingleJaasConfigEntry(jaasConfig);
  if (mechanism === 'OAUTHBEARER') {
    if (entry.loginModuleName !== OAUTHBEARER_LOGIN_MODULE) {
      throw new SaslClientError(`SASL mechanism OAUTHBEARER needs ${OAUTHBEARER_LOGIN_MODULE}, not ${entry.loginModuleName}`);
    }
    return { mechanism, oauthBearerProvider: unsecuredLoginTokenProvider(entry.options, options.now) };
  }
  if (entry.loginModuleName !== PLAIN_LOGIN_MODULE && entry.loginModuleName !== SCRAM_LOGIN_MODULE) {
    throw new SaslClientError(`SASL mechanism ${mechanism} needs ${mechanism === 'PLAIN' ? PLAIN_LOGIN_MODULE : SCRAM_LOGIN_MODULE}, not ${entry.loginModuleName}`);
  }
  const username = entry.options.get('username');
  const password = entry.options.get('password');
  if (username === undefined || password === undefined) {
    throw new SaslClientError(`${entry.loginModuleName} needs the options username and password for SASL mechanism ${mechanism}`);
  }
  return { mechanism, username, password };
}
