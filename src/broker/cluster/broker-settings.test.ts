import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseBrokerConfig } from '../config.ts';
import { describeBrokerConfigs } from './broker-settings.ts';

test('a PASSWORD config is described as sensitive, and its value is never sent, not even in synonyms', () => {
  const config = parseBrokerConfig({ 'num.partitions': '3', 'ssl.key.password': 'hunter2' });
  const described = describeBrokerConfigs(config);
  assert.ok(!JSON.stringify(described).includes('hunter2'));
  const [secret, partitions] = [described.find((c) => c.name === 'ssl.key.password')!, described.find((c) => c.name === 'num.partitions')!];
  assert.deepEqual([secret.value, secret.isSensitive, secret.configType, secret.configSource], [null, true, 9, 4]);
  assert.deepEqual(secret.synonyms, [{ name: 'ssl.key.password', value: null, source: 4 }]);
  assert.deepEqual([partitions.value, partitions.isSensitive, partitions.configType], ['3', false, 3]);
  assert.deepEqual(partitions.synonyms, [{ name: 'num.partitions', value: '3', source: 4 }, { name: 'num.partitions', value: '1', source: 5 }]);
});
