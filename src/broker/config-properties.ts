import { parseProperties as parseJavaProperties, PropertiesSyntaxError } from '../protocol/java-properties.ts';
import { ConfigError } from './config-definition.ts';

/**
 * server.properties as Kafka reads it (java.util.Properties, see protocol/java-properties.ts); a
 * malformed `\uXXXX` escape is a ConfigError naming the text that holds it.
 */
export function parseProperties(text: string): Map<string, string> {
  try {
    return parseJavaProperties(text);
  } catch (error) {
    if (error instanceof PropertiesSyntaxError) throw new ConfigError(error.text, error.message);
    throw error;
  }
}

/** `key=value` command line overrides, in order (later ones win when applied to a Map). */
export function parseOverrides(overrides: readonly string[]): Map<string, string> {
  const result = new Map<string, string>();
  for (const override of overrides) {
    const equals = override.indexOf('=');
    const key = equals < 0 ? '' : override.slice(0, equals).trim();
    if (key === '') throw new ConfigError(override, 'an override must look like key=value');
    result.set(key, override.slice(equals + 1).trim());
  }
  return result;
}
