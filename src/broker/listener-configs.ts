import { camelCase, ConfigError } from './config-definition.ts';
import type { ConfigDefinition, ConfigValueOf, RawConfigValue } from './config-definition.ts';
import { securityConfigDefinitions } from './config-security.ts';

const PREFIX = 'listener.name.';

/** `listener.name.<listener>.<key>` settings, by listener name (upper case, as listeners are) and key. */
export type ListenerOverrides = Readonly<Record<string, Readonly<Record<string, string>>>>;

/** Whether a config key is a per-listener setting. */
export function isListenerOverride(key: string): boolean {
  return key.startsWith(PREFIX) && key.indexOf('.', PREFIX.length) > PREFIX.length;
}

/**
 * Collects the per-listener settings given. A key the broker also knows unprefixed (ssl.*, sasl.*)
 * is validated now, so a typo in a listener's TLS settings stops the start as the plain key would.
 */
export function parseListenerOverrides(given: ReadonlyMap<string, RawConfigValue>): ListenerOverrides {
  const definitions: Readonly<Record<string, ConfigDefinition<unknown>>> = securityConfigDefinitions;
  const overrides: Record<string, Record<string, string>> = {};
  for (const [key, value] of given) {
    if (value === null) continue;
    const rest = key.slice(PREFIX.length);
    const dot = rest.indexOf('.');
    const listener = rest.slice(0, dot).toUpperCase();
    const setting = rest.slice(dot + 1);
    const text = Array.isArray(value) ? value.join(',') : String(value).trim();
    definitions[setting]?.parse(text, key);
    (overrides[listener] ??= {})[setting] = text;
  }
  for (const listener of Object.keys(overrides)) Object.freeze(overrides[listener]);
  return Object.freeze(overrides);
}

type SecurityDefinitions = typeof securityConfigDefinitions;
type SecurityKey = keyof SecurityDefinitions;

/** What these lookups need of the broker config: the overrides and the broker-wide security values. */
export interface ListenerConfigSource {
  readonly listenerOverrides: ListenerOverrides;
}

/**
 * A security setting as one listener sees it: `listener.name.<listener>.<key>` when set, else the
 * broker-wide key (Kafka's listener-prefixed configs).
 */
export function listenerSetting<K extends SecurityKey>(config: ListenerConfigSource, listenerName: string, key: K): ConfigValueOf<SecurityDefinitions[K]> {
  const override = config.listenerOverrides[listenerName.toUpperCase()]?.[key];
  const definition = securityConfigDefinitions[key] as ConfigDefinition<ConfigValueOf<SecurityDefinitions[K]>>;
  if (override !== undefined) return definition.parse(override, `${PREFIX}${listenerName.toLowerCase()}.${key}`);
  return (config as unknown as Record<string, ConfigValueOf<SecurityDefinitions[K]>>)[camelCase(key)]!;
}

/**
 * A per-mechanism SASL setting of a listener, `listener.name.<listener>.<mechanism>.<key>` (how a
 * broker names its JAAS config and callback handlers); null when not set.
 */
export function listenerMechanismSetting(config: ListenerConfigSource, listenerName: string, mechanism: string, key: string): string | null {
  return config.listenerOverrides[listenerName.toUpperCase()]?.[`${mechanism.toLowerCase()}.${key}`] ?? null;
}

/** A listener setting that must be there: a ConfigError naming the listener-prefixed key when not. */
export function requiredListenerSetting(value: string | null, listenerName: string, key: string): string {
  if (value === null) throw new ConfigError(`${PREFIX}${listenerName.toLowerCase()}.${key}`, 'must be set');
  return value;
}
