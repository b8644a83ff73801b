import { brokerConfigDefinitions, configValueToString, type BrokerConfig, type ConfigDefinition, type ListenerEndpoint } from '../config.ts';
import { camelCase } from '../config-definition.ts';
import { ConfigSource, configTypeCode, type DescribedConfig } from './topic-settings.ts';

/**
 * This broker's configuration as DescribeConfigs shows it. The config is read once at start, so
 * every entry is read-only; a value that differs from Kafka's default is reported as static
 * broker config (server.properties or an override), otherwise as the default.
 */
export function describeBrokerConfigs(config: BrokerConfig): DescribedConfig[] {
  const entries = Object.entries(brokerConfigDefinitions) as [string, ConfigDefinition<unknown>][];
  return entries
    .map(([name, definition]) => {
      const value = show((config as Record<string, unknown>)[camelCase(name)]);
      const isDefault = value === show(definition.defaultValue);
      const source = isDefault ? ConfigSource.DEFAULT_CONFIG : ConfigSource.STATIC_BROKER_CONFIG;
      const isSensitive = definition.type === 'PASSWORD';
      return {
        name,
        value: isSensitive ? null : value,
        readOnly: true,
        isDefault,
        configSource: source,
        isSensitive,
        configType: configTypeCode(definition.type),
        synonyms: [{ name, value: isSensitive ? null : value, source }],
      };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

function show(value: unknown): string | null {
  if (Array.isArray(value) && value.length > 0 && typeof value[0] === 'object') {
    return (value as ListenerEndpoint[]).map((endpoint) => `${endpoint.name}://${endpoint.host}:${endpoint.port}`).join(',');
  }
  return configValueToString(value);
}
