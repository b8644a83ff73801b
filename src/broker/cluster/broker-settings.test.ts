import { test } from 'node:test';
import assert from 'node:assert/strict';
import { doc, type ConfigDefinition, type UndocumentedDefinition } from '../config-definition.ts';
import { parseBrokerConfig } from '../config.ts';
import { describeBrokerConfigs } from './broker-settings.ts';

// Samsa has no PASSWORD config yet (TLS and SASL are not built), so this table adds one.
const password: UndocumentedDefinition<string | null> = { type: 'PASSWORD', defaultValue: null, parse: (raw) => (raw === null ? null : String(raw)) };
const definitions: Readonly<Record<string, ConfigDefinition<unknown>>> = {
  'ssl.key.password': doc(password, 'The password of the private key.'),
  'num.partitions': doc({ type: 'INT', defaultValue: 1, parse: (raw) => Number(raw) }, 'Partitions of a new topic.'),
};

test('a PASSWORD config is described as sensitive, and its value is never sent, not even in synonyms', () => {
  const config = { ...parseBrokerConfig({ 'num.partitions': '3' }), staticBrokerConfigs: { 'ssl.key.password': 'hunter2', 'num.partitions': '3' } };
  const described = describeBrokerConfigs(config, definitions);
  assert.ok(!JSON.stringify(described).includes('hunter2'));
  const [secret, partitions] = [described.find((c) => c.name === 'ssl.key.password')!, described.find((c) => c.name === 'num.partitions')!];
  assert.deepEqual([secret.value, secret.isSensitive, secret.configType, secret.configSource], [null, true, 9, 4]);
  assert.deepEqual(secret.synonyms, [{ name: 'ssl.key.password', value: null, source: 4 }]);
  assert.deepEqual([partitions.value, partitions.isSensitive, partitions.configType], ['3', false, 3]);
  assert.deepEqual(partitions.synonyms, [{ name: 'num.partitions', value: '3', source: 4 }, { name: 'num.partitions', value: '1', source: 5 }]);
});
