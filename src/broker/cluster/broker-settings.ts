import { brokerConfigDefinitions, configValueToString, type BrokerConfig } from '../config.ts';
import { ConfigSource, brokerKeySynonyms, configTypeCode, type BrokerConfigDefinitions, type DescribedConfig } from './described-config.ts';

/**
 * This broker's configuration as DescribeConfigs shows it: every key with the value it was given
 * (or its default), sorted by name. The config is read once at start, so every entry is read-only
 * and comes from server.properties (STATIC_BROKER_CONFIG) or the default; a key overridden by a
 * synonym (log.retention.hours under log.retention.ms) says so in its synonyms.
 */
export function describeBrokerConfigs(
  config: BrokerConfig,
  definitions: BrokerConfigDefinitions = brokerConfigDefinitions,
): DescribedConfig[] {
  return Object.entries(definitions)
    .map(([name, definition]) => {
      const isSensitive = definition.type === 'PASSWORD';
      const given = config.staticBrokerConfigs[name];
      const value = given === undefined ? definition.defaultValue : definition.parse(given, name);
      const synonyms = brokerKeySynonyms(config, name, isSensitive, definitions);
      return {
        name,
        value: isSensitive ? null : configValueToString(value),
        readOnly: true,
        configSource: synonyms[0]?.source ?? ConfigSource.DEFAULT_CONFIG,
        isSensitive,
        configType: configTypeCode(definition.type),
        documentation: definition.documentation,
        synonyms,
      };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}
