/**
 * Kafka's ConfigEntry.ConfigSource names (as Java's Admin client and kafka-configs --describe spell
 * them), by the id DescribeConfigs carries; an id this client does not know is UNKNOWN.
 */
const CONFIG_SOURCES = [
  'UNKNOWN', 'DYNAMIC_TOPIC_CONFIG', 'DYNAMIC_BROKER_CONFIG', 'DYNAMIC_DEFAULT_BROKER_CONFIG', 'STATIC_BROKER_CONFIG',
  'DEFAULT_CONFIG', 'DYNAMIC_BROKER_LOGGER_CONFIG', 'DYNAMIC_CLIENT_METRICS_CONFIG', 'DYNAMIC_GROUP_CONFIG',
] as const;

export type ConfigSourceName = (typeof CONFIG_SOURCES)[number];

export function configSourceName(source: number): ConfigSourceName {
  return CONFIG_SOURCES[source] ?? 'UNKNOWN';
}
