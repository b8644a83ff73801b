import { brokerConfigDefinitions, type BrokerConfig, type ConfigDefinition } from './config.ts';

export interface IgnoredConfig {
  readonly key: string;
  readonly because: string;
}

/**
 * The configs this broker was given that it accepts but does not act on, each with why: the
 * broker logs one warning for each at start, so that a setting never goes silently unheeded.
 */
export function ignoredConfigs(config: BrokerConfig): IgnoredConfig[] {
  const definitions: Readonly<Record<string, ConfigDefinition<unknown>>> = brokerConfigDefinitions;
  const ignored: IgnoredConfig[] = [];
  for (const key of Object.keys(config.staticBrokerConfigs)) {
    const because = definitions[key]?.ignoredBecause;
    if (because !== undefined) ignored.push({ key, because });
  }
  return ignored;
}
