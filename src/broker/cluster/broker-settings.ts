import { brokerConfigDefinitions, configValueToString, type BrokerConfig } from '../config.ts';
import { ConfigSource, brokerKeySynonyms, configTypeCode, type BrokerConfigDefinitions, type DescribedConfig } from './described-config.ts';

/** The dynamic broker configs in force (KIP-226): which keys may change, this broker's overrides and the cluster's defaults. */
export interface DynamicBrokerValues {
  readonly keys: readonly string[];
  readonly own: Readonly<Record<string, string>>;
  readonly defaults: Readonly<Record<string, string>>;
}

const NO_DYNAMIC_CONFIGS: DynamicBrokerValues = { keys: [], own: {}, defaults: {} };

/**
 * This broker's configuration as DescribeConfigs shows it: every key with the value in force,
 * sorted by name. Most are read once at start: read-only, from server.properties
 * (STATIC_BROKER_CONFIG) or the default. The dynamic ones may be changed (readOnly false) and come
 * first from this broker's dynamic override, then the cluster's dynamic default. A key overridden
 * by a synonym (log.retention.hours under log.retention.ms) says so in its synonyms.
 */
export function describeBrokerConfigs(
  config: BrokerConfig,
  definitions: BrokerConfigDefinitions = brokerConfigDefinitions,
  dynamic: DynamicBrokerValues = NO_DYNAMIC_CONFIGS,
): DescribedConfig[] {
  return Object.entries(definitions)
    .map(([name, definition]) => {
      const isSensitive = definition.type === 'PASSWORD';
      const given = config.staticBrokerConfigs[name];
      const value = given === undefined ? definition.defaultValue : definition.parse(given, name);
      const isDynamic = dynamic.keys.includes(name);
      const overrides = [
        ...(dynamic.own[name] === undefined ? [] : [{ name, value: dynamic.own[name]!, source: ConfigSource.DYNAMIC_BROKER_CONFIG }]),
        ...(dynamic.defaults[name] === undefined ? [] : [{ name, value: dynamic.defaults[name]!, source: ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG }]),
      ];
      const synonyms = [...(isDynamic ? overrides : []), ...brokerKeySynonyms(config, name, isSensitive, definitions)];
      const inForce = isDynamic ? overrides[0]?.value : undefined;
      return {
        name,
        value: isSensitive ? null : inForce ?? configValueToString(value),
        readOnly: !isDynamic,
        configSource: synonyms[0]?.source ?? ConfigSource.DEFAULT_CONFIG,
        isSensitive,
        configType: configTypeCode(definition.type),
        documentation: definition.documentation,
        synonyms,
      };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** The cluster-wide dynamic defaults (DescribeConfigs of the broker resource with the empty name). */
export function describeDefaultBrokerConfigs(defaults: Readonly<Record<string, string>>, definitions: BrokerConfigDefinitions = brokerConfigDefinitions): DescribedConfig[] {
  return Object.entries(defaults).sort(([a], [b]) => a.localeCompare(b)).map(([name, value]) => {
    const synonyms = [{ name, value, source: ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG }];
    return {
      name, value, readOnly: false, configSource: ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG, isSensitive: false,
      configType: configTypeCode(definitions[name]?.type ?? 'STRING'), documentation: definitions[name]?.documentation ?? '', synonyms,
    };
  });
}
