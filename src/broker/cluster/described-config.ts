import {
  brokerConfigDefinitions, brokerConfigSynonyms, configValueToString, type BrokerConfig, type ConfigDefinition, type ConfigType,
} from '../config.ts';

/** DescribeConfigs' ConfigSource values. */
export const ConfigSource = {
  TOPIC_CONFIG: 1, DYNAMIC_BROKER_CONFIG: 2, DYNAMIC_DEFAULT_BROKER_CONFIG: 3, STATIC_BROKER_CONFIG: 4, DEFAULT_CONFIG: 5,
} as const;

/** DescribeConfigs' ConfigType values (v3+). */
export function configTypeCode(type: ConfigType): number {
  return CONFIG_TYPE_CODES[type];
}

const CONFIG_TYPE_CODES: Record<ConfigType, number> = {
  BOOLEAN: 1, STRING: 2, INT: 3, SHORT: 4, LONG: 5, DOUBLE: 6, LIST: 7, CLASS: 8, PASSWORD: 9,
};

export interface ConfigSynonym {
  readonly name: string;
  /** null for a sensitive (PASSWORD) config: its value never leaves the broker. */
  readonly value: string | null;
  readonly source: number;
}

/** One config as DescribeConfigs (and CreateTopics v5+) answers it. */
export interface DescribedConfig {
  readonly name: string;
  readonly value: string | null;
  readonly readOnly: boolean;
  readonly configSource: number;
  readonly isSensitive: boolean;
  readonly configType: number;
  readonly documentation: string;
  /** Where the value may come from, the one in force first. */
  readonly synonyms: readonly ConfigSynonym[];
}

/** The broker's config table; a parameter so that a unit test can describe keys Samsa lacks (a PASSWORD). */
export type BrokerConfigDefinitions = Readonly<Record<string, ConfigDefinition<unknown>>>;

/**
 * Where the broker keys `keys` (a synonym family, in order of precedence) are set, as Kafka's
 * ConfigHelper lists them: by source first (dynamic, which Samsa does not have, then static, then
 * the built-in default), and by the family's order within a source. Unset keys with no default are
 * left out.
 */
export function brokerSynonyms(
  config: BrokerConfig,
  keys: readonly string[],
  isSensitive: boolean,
  definitions: BrokerConfigDefinitions = brokerConfigDefinitions,
): ConfigSynonym[] {
  const synonyms: ConfigSynonym[] = [];
  for (const name of keys) {
    const value = config.staticBrokerConfigs[name];
    if (value !== undefined) synonyms.push({ name, value: isSensitive ? null : value, source: ConfigSource.STATIC_BROKER_CONFIG });
  }
  for (const name of keys) {
    const definition = definitions[name];
    const value = definition === undefined ? null : configValueToString(definition.defaultValue);
    if (value !== null) synonyms.push({ name, value: isSensitive ? null : value, source: ConfigSource.DEFAULT_CONFIG });
  }
  return synonyms;
}

/** A broker key's synonyms, from its own first entry (Kafka drops the keys that override it). */
export function brokerKeySynonyms(config: BrokerConfig, key: string, isSensitive: boolean, definitions: BrokerConfigDefinitions): ConfigSynonym[] {
  const all = brokerSynonyms(config, brokerConfigSynonyms(key), isSensitive, definitions);
  const own = all.findIndex((synonym) => synonym.name === key);
  return own < 0 ? [] : all.slice(own);
}
