import type { ClientSecurity } from '../../client/client-security.ts';
import { saslClientConfigFromProperties } from '../../client/sasl/sasl-client.ts';
import type { BrokerConfig } from '../config.ts';
import { ConfigError } from '../config-definition.ts';
import { listenerMechanismSetting, listenerSetting } from '../listener-configs.ts';
import { sslMaterial } from './ssl-context.ts';

/**
 * inter.broker.listener.name; else the listener that security.inter.broker.protocol names, when
 * that one exists; else the first advertised listener: where brokers connect to one another.
 */
export function interBrokerListenerName(config: BrokerConfig): string {
  if (config.interBrokerListenerName !== null) return config.interBrokerListenerName;
  const byProtocol = config.listeners.find((listener) => listener.name === config.securityInterBrokerProtocol);
  return byProtocol?.name ?? config.advertisedListeners[0]?.name ?? config.listeners[0]!.name;
}

/**
 * How this broker connects to others (replica fetchers, the controller's channel, the channel to
 * the controller, transaction markers and verification): as a client of the inter-broker listener,
 * with that listener's TLS trust (and its keystore, for brokers that ask for client certificates)
 * and sasl.mechanism.inter.broker.protocol with the login in the listener's JAAS config, as Kafka's
 * brokers do. Undefined for a PLAINTEXT inter-broker listener.
 */
export function interBrokerSecurity(config: BrokerConfig): ClientSecurity | undefined {
  const listener = interBrokerListenerName(config);
  const securityProtocol = config.listenerSecurityProtocolMap[listener] ?? 'PLAINTEXT';
  if (securityProtocol === 'PLAINTEXT') return undefined;
  let ssl: ClientSecurity['ssl'];
  if (securityProtocol === 'SSL' || securityProtocol === 'SASL_SSL') {
    const material = sslMaterial(config, listener);
    const identification = listenerSetting(config, listener, 'ssl.endpoint.identification.algorithm');
    ssl = {
      ...(material.ca === undefined ? {} : { ca: material.ca }),
      ...(material.key === undefined ? {} : { key: material.key, cert: material.cert }),
      ...(material.passphrase === undefined ? {} : { passphrase: material.passphrase }),
      minVersion: material.minVersion,
      maxVersion: material.maxVersion,
      ...(identification === '' ? { checkServerIdentity: () => undefined } : {}),
    };
  }
  let sasl: ClientSecurity['sasl'];
  if (securityProtocol === 'SASL_PLAINTEXT' || securityProtocol === 'SASL_SSL') {
    const mechanism = config.saslMechanismInterBrokerProtocol;
    const key = `listener.name.${listener.toLowerCase()}.${mechanism.toLowerCase()}.sasl.jaas.config`;
    const jaas = listenerMechanismSetting(config, listener, mechanism, 'sasl.jaas.config') ?? config.saslJaasConfig;
    if (jaas === null) throw new ConfigError(key, `brokers authenticate to one another with ${mechanism} (sasl.mechanism.inter.broker.protocol) but no login is configured`);
    try {
      sasl = saslClientConfigFromProperties(mechanism, jaas);
    } catch (error) {
      throw new ConfigError(key, (error as Error).message);
    }
  }
  return { securityProtocol, ...(ssl === undefined ? {} : { ssl }), ...(sasl === undefined ? {} : { sasl }) };
}
