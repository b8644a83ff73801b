/**
 * DescribeConfigs through real clients: KafkaJS (v0-v2: synonyms), @platformatic/kafka (v4:
 * types and documentation) and Samsa's own Admin, against a broker started with a few settings of
 * its own, as from server.properties.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import kafkajs from 'kafkajs';
import { Admin as PlatformaticAdmin, ConfigResourceTypes } from '@platformatic/kafka';
import { Admin } from '../src/client/index.ts';
import { removeTempDir } from './helpers/temp-dir.ts';
import { startTestBroker, type TestBroker } from './helpers/test-broker.ts';

const { Kafka, ConfigResourceTypes: KafkaJsResourceTypes, logLevel } = kafkajs;
const Source = { TOPIC_CONFIG: 1, STATIC_BROKER_CONFIG: 4, DEFAULT_CONFIG: 5 } as const;
const TOPIC = 'configs-clients';

let broker: TestBroker;
let admin: Admin;

before(async () => {
  broker = await startTestBroker({ 'log.retention.hours': '72', 'log.segment.bytes': '1073741824' });
  admin = new Admin({ bootstrapServers: [broker.bootstrap] });
  await admin.createTopics([{ topic: TOPIC, numPartitions: 1, configs: { 'retention.ms': '60000' } }]);
});

after(async () => {
  await admin?.close();
  await broker?.close();
  if (broker) await removeTempDir(broker.dataDir);
});

test('KafkaJS describeConfigs({ includeSynonyms: true }): the override, the broker key set in server.properties, the default', { timeout: 30_000 }, async () => {
  const kafkaAdmin = new Kafka({ clientId: 'samsa-configs', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING }).admin();
  await kafkaAdmin.connect();
  try {
    const described = await kafkaAdmin.describeConfigs({
      includeSynonyms: true,
      resources: [
        { type: KafkaJsResourceTypes.TOPIC, name: TOPIC, configNames: ['retention.ms', 'segment.bytes'] },
        { type: KafkaJsResourceTypes.BROKER, name: '1', configNames: ['log.retention.hours', 'log.retention.ms'] },
      ],
    });
    const entries = described.resources.flatMap((resource) => resource.configEntries.map((entry) => [
      `${resource.resourceName}/${entry.configName}`,
      { value: entry.configValue, source: entry.configSource, synonyms: entry.configSynonyms.map((s) => `${s.configSource}:${s.configName}=${s.configValue}`) },
    ] as const));
    assert.deepEqual(Object.fromEntries(entries), {
      [`${TOPIC}/retention.ms`]: {
        value: '60000', source: Source.TOPIC_CONFIG,
        synonyms: ['1:retention.ms=60000', '4:log.retention.hours=72', '5:log.retention.hours=168'],
      },
      [`${TOPIC}/segment.bytes`]: {
        value: '1073741824', source: Source.STATIC_BROKER_CONFIG,
        synonyms: ['4:log.segment.bytes=1073741824', '5:log.segment.bytes=1073741824'],
      },
      '1/log.retention.hours': { value: '72', source: Source.STATIC_BROKER_CONFIG, synonyms: ['4:log.retention.hours=72', '5:log.retention.hours=168'] },
      '1/log.retention.ms': { value: null, source: Source.DEFAULT_CONFIG, synonyms: [] },
    });
  } finally {
    await kafkaAdmin.disconnect();
  }
});

test('@platformatic/kafka describeConfigs v4 with includeDocumentation: types and one line of documentation each', { timeout: 30_000 }, async () => {
  const client = new PlatformaticAdmin({ clientId: 'samsa-configs', bootstrapBrokers: [broker.bootstrap], retries: 2 });
  try {
    const [topic] = await client.describeConfigs({
      includeSynonyms: true, includeDocumentation: true,
      resources: [{ resourceType: ConfigResourceTypes.TOPIC, resourceName: TOPIC, configurationKeys: ['retention.ms', 'cleanup.policy', 'preallocate'] }],
    });
    const byName = new Map(topic!.configs.map((config) => [config.name, config]));
    // ConfigType: LONG 5, LIST 7, BOOLEAN 1.
    assert.deepEqual(['retention.ms', 'cleanup.policy', 'preallocate'].map((name) => byName.get(name)?.configType), [5, 7, 1]);
    assert.match(byName.get('retention.ms')!.documentation ?? '', /How long records are kept/);
    assert.match(byName.get('preallocate')!.documentation ?? '', /does not preallocate yet/, 'the documentation says what Samsa does');
    assert.deepEqual(byName.get('retention.ms')!.synonyms.map((s) => s.name), ['retention.ms', 'log.retention.hours', 'log.retention.hours']);
  } finally {
    await client.close();
  }
});

test("Samsa's Admin gives each config's type, documentation and synonyms", { timeout: 30_000 }, async () => {
  const [topic] = await admin.describeConfigs([{ type: 'topic', name: TOPIC, keys: ['retention.ms', 'min.cleanable.dirty.ratio'] }], { includeSynonyms: true, includeDocumentation: true });
  const byName = new Map(topic!.configs.map((config) => [config.name, config]));
  assert.equal(byName.get('retention.ms')!.type, 'LONG');
  assert.equal(byName.get('min.cleanable.dirty.ratio')!.type, 'DOUBLE');
  assert.match(byName.get('min.cleanable.dirty.ratio')!.documentation ?? '', /^The share of the log not yet compacted/);
  assert.deepEqual(byName.get('retention.ms')!.synonyms.map((s) => [s.name, s.value, s.source]), [
    ['retention.ms', '60000', Source.TOPIC_CONFIG], ['log.retention.hours', '72', Source.STATIC_BROKER_CONFIG], ['log.retention.hours', '168', Source.DEFAULT_CONFIG],
  ]);
  const [plain] = await admin.describeConfigs([{ type: 'broker', name: '1', keys: ['num.io.threads'] }]);
  assert.deepEqual(plain!.configs.map((c) => [c.name, c.type, c.documentation, c.synonyms.length]), [['num.io.threads', 'INT', null, 0]]);
});
