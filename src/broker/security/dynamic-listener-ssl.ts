import type { TlsOptions } from 'node:tls';
import { ErrorCode, KafkaError } from '../../protocol/errors.ts';
import type { BrokerConfig } from '../config.ts';
import type { ListenerOverrides } from '../listener-configs.ts';
import type { Logger } from '../logger.ts';
import { sslServerOptions } from './ssl-context.ts';

/**
 * The TLS settings of a listener that change while the broker runs (KIP-226), set as dynamic
 * broker configs `listener.name.<listener>.<key>`: a keystore or truststore replaced with new
 * certificates takes effect for the connections accepted from then on, as in Kafka.
 */
const RELOADABLE_KEYS: ReadonlySet<string> = new Set([
  'ssl.keystore.location', 'ssl.keystore.certificate.chain', 'ssl.keystore.key', 'ssl.key.password', 'ssl.keystore.password',
  'ssl.truststore.location', 'ssl.truststore.certificates',
]);

const LISTENER_KEY = /^listener\.name\.([a-z0-9_]+)\.(ssl\.[a-z.]+)$/i;

/** The listener and key of a dynamic TLS config, or undefined for another key. */
export function dynamicListenerSslKey(name: string): { listener: string; key: string } | undefined {
  const match = LISTENER_KEY.exec(name);
  if (match === null || !RELOADABLE_KEYS.has(match[2]!)) return undefined;
  return { listener: match[1]!.toUpperCase(), key: match[2]! };
}

/** The broker config with dynamic TLS settings laid over its static listener settings. */
export function withDynamicListenerSsl(config: BrokerConfig, dynamicValue: (name: string) => string | undefined, names: Iterable<string>): BrokerConfig {
  const overrides: Record<string, Record<string, string>> = {};
  for (const [listener, settings] of Object.entries(config.listenerOverrides)) overrides[listener] = { ...settings };
  for (const name of names) {
    const parsed = dynamicListenerSslKey(name);
    const value = dynamicValue(name);
    if (parsed === undefined || value === undefined) continue;
    (overrides[parsed.listener] ??= {})[parsed.key] = value;
  }
  return { ...config, listenerOverrides: overrides as ListenerOverrides };
}

/** What reloading needs of the dynamic broker configs and of the TLS listeners. */
export interface DynamicListenerSslSources {
  readonly config: BrokerConfig;
  readonly brokerConfigs: {
    value(name: string): string | undefined;
    names(): string[];
    onChange(listener: () => void): void;
    validateListenerSsl: ((configs: Readonly<Record<string, string>>) => void) | undefined;
  };
  readonly listeners: ReadonlyArray<{ readonly listenerName: string; setSecureContext(options: TlsOptions): void }>;
  readonly logger: Logger;
}

/**
 * Keeps the TLS listeners' certificates as the dynamic broker configs say: new settings are
 * checked before they are written (INVALID_CONFIG when the keystore does not load), and every
 * change, made here or on another broker, gives the listeners their new secure context.
 */
export function followDynamicListenerSsl({ config, brokerConfigs, listeners, logger }: DynamicListenerSslSources): void {
  const tlsListeners = listeners.filter((listener) => {
    const protocol = config.listenerSecurityProtocolMap[listener.listenerName];
    return protocol === 'SSL' || protocol === 'SASL_SSL';
  });
  if (tlsListeners.length === 0) return;
  const current = () => withDynamicListenerSsl(config, (name) => brokerConfigs.value(name), brokerConfigs.names());
  brokerConfigs.validateListenerSsl = (configs) => {
    const candidate = withDynamicListenerSsl(current(), (name) => configs[name], Object.keys(configs));
    for (const listener of tlsListeners) {
      try {
        sslServerOptions(candidate, listener.listenerName);
      } catch (error) {
        throw new KafkaError(ErrorCode.INVALID_CONFIG, `Validation of dynamic config update of SSL keystore/truststore failed: ${(error as Error).message}`);
      }
    }
  };
  brokerConfigs.onChange(() => {
    const effective = current();
    for (const listener of tlsListeners) {
      try {
        listener.setSecureContext(sslServerOptions(effective, listener.listenerName));
      } catch (error) {
        logger.error({ err: error, listener: listener.listenerName }, 'the new TLS settings do not load; the listener keeps its certificates');
      }
    }
  });
}
