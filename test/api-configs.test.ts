/**
 * Topic and broker configs through DescribeConfigs, AlterConfigs and IncrementalAlterConfigs: the
 * value and source of every topic config (Kafka default, broker config, topic override), synonyms,
 * filters, validateOnly, refused values, persistence across a restart, and two overrides whose
 * effect a client sees on the wire: max.message.bytes and message.timestamp.type=LogAppendTime.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode } from '../src/protocol/errors.ts';
import type { DescribeConfigsResponseDescribeConfigsResourceResult } from '../src/protocol/generated/describe-configs.ts';
import { KafkaApiClient } from './helpers/kafka-api-client.ts';
import { Api, ResourceType, batchOf, batchesOf, createTopic, fetchBody, listOffset, metadata, onlyPartition, produce } from './helpers/kafka-apis.ts';
import { removeTempDir } from './helpers/temp-dir.ts';
import { startTestBroker, type TestBroker } from './helpers/test-broker.ts';

/** DescribeConfigs' ConfigSource codes. */
const Source = { TOPIC_CONFIG: 1, STATIC_BROKER_CONFIG: 4, DEFAULT_CONFIG: 5 } as const;
/** DescribeConfigs' ConfigType codes (v3+). */
const Type = { BOOLEAN: 1, STRING: 2, INT: 3, SHORT: 4, LONG: 5, DOUBLE: 6, LIST: 7 } as const;
/** IncrementalAlterConfigs' operations. */
const Op = { SET: 0, DELETE: 1, APPEND: 2, SUBTRACT: 3 } as const;
const BROKER_CONFIG = { 'log.retention.ms': '1234', 'log.retention.minutes': '30', 'auto.create.topics.enable': 'false' };

let broker: TestBroker;
let client: KafkaApiClient;
let nodeId: number;

before(async () => {
  broker = await startTestBroker(BROKER_CONFIG);
  client = await KafkaApiClient.open(broker.host, broker.port);
  nodeId = (await metadata(client, [])).brokers[0]!.nodeId;
});

after(async () => {
  client?.close();
  await broker?.close();
  if (broker) await removeTempDir(broker.dataDir);
});

async function freshTopic(name: string, configs: Record<string, string> = {}): Promise<string> {
  const created = await createTopic(client, name, { configs });
  assert.equal(created.errorCode, ErrorCode.NONE, `create ${name}: ${created.errorMessage}`);
  return name;
}

/** One resource's configs by name; asserts the resource itself had no error. */
async function describe(
  resourceName: string,
  { resourceType = ResourceType.TOPIC, keys = null, version = 4, includeSynonyms = false, on = client }: {
    resourceType?: number; keys?: string[] | null; version?: number; includeSynonyms?: boolean; on?: KafkaApiClient;
  } = {},
): Promise<Map<string, DescribeConfigsResponseDescribeConfigsResourceResult>> {
  const response = await on.call(Api.describeConfigs, version, {
    resources: [{ resourceType, resourceName, configurationKeys: keys }],
    ...(version >= 1 ? { includeSynonyms } : {}),
  });
  const result = response.results[0]!;
  assert.equal(result.errorCode, ErrorCode.NONE, `describe ${resourceName}: ${result.errorMessage}`);
  return new Map(result.configs.map((config) => [config.name, config]));
}

function sourceAndValue(config: DescribeConfigsResponseDescribeConfigsResourceResult | undefined): [number | undefined, string | null | undefined] {
  return [config?.configSource, config?.value];
}

async function alterConfigs(topic: string, configs: Record<string, string>, validateOnly = false): Promise<number> {
  const response = await client.call(Api.alterConfigs, 2, {
    resources: [{ resourceType: ResourceType.TOPIC, resourceName: topic, configs: Object.entries(configs).map(([name, value]) => ({ name, value })) }],
    validateOnly,
  });
  return response.responses[0]!.errorCode;
}

async function incrementalAlter(
  topic: string,
  operations: Array<[name: string, operation: number, value: string | null]>,
  { validateOnly = false, on = client }: { validateOnly?: boolean; on?: KafkaApiClient } = {},
): Promise<number> {
  const response = await on.call(Api.incrementalAlterConfigs, 1, {
    resources: [{
      resourceType: ResourceType.TOPIC, resourceName: topic,
      configs: operations.map(([name, configOperation, value]) => ({ name, configOperation, value })),
    }],
    validateOnly,
  });
  return response.responses[0]!.errorCode;
}

test('DescribeConfigs lists every topic config: Kafka defaults, broker config, overrides (v1-v4)', { timeout: 20_000 }, async () => {
  const topic = await freshTopic('configs-describe', { 'segment.bytes': '1048576' });
  const v0 = await describe(topic, { version: 0 });
  assert.equal(v0.get('retention.ms')?.value, '1234');
  assert.equal(v0.get('segment.bytes')?.isDefault, false);
  assert.equal(v0.get('cleanup.policy')?.isDefault, true);
  for (const version of [1, 2, 3, 4]) {
    const configs = await describe(topic, { version });
    for (const name of ['cleanup.policy', 'retention.ms', 'retention.bytes', 'segment.bytes', 'max.message.bytes', 'min.insync.replicas', 'message.timestamp.type']) {
      assert.ok(configs.has(name), `v${version} lists ${name}`);
    }
    assert.deepEqual(sourceAndValue(configs.get('segment.bytes')), [Source.TOPIC_CONFIG, '1048576'], `v${version}`);
    assert.deepEqual(sourceAndValue(configs.get('cleanup.policy')), [Source.DEFAULT_CONFIG, 'delete'], `v${version}`);
    assert.equal(configs.get('cleanup.policy')!.readOnly, false);
    assert.equal(configs.get('cleanup.policy')!.isSensitive, false);
    if (version >= 3) {
      // ConfigType: INT 3, LONG 5, LIST 7, STRING 2.
      assert.deepEqual(['min.insync.replicas', 'retention.ms', 'cleanup.policy', 'message.timestamp.type'].map((name) => configs.get(name)?.configType), [3, 5, 7, 2]);
    }
    assert.equal(configs.get('retention.ms')?.value, '1234', `v${version}: from log.retention.ms`);
  }
  for (const version of [1, 4]) {
    const configs = await describe(topic, { version, keys: ['retention.ms'] });
    assert.deepEqual(sourceAndValue(configs.get('retention.ms')), [Source.STATIC_BROKER_CONFIG, '1234'], `v${version}: from log.retention.ms`);
  }
});

function synonymsOf(config: DescribeConfigsResponseDescribeConfigsResourceResult | undefined): Array<[string, string | null, number]> {
  return (config?.synonyms ?? []).map((synonym) => [synonym.name, synonym.value, synonym.source]);
}

test('DescribeConfigs with synonyms: the override, each broker key set in server.properties, then the defaults (v1-v4)', { timeout: 20_000 }, async () => {
  const topic = await freshTopic('configs-synonyms', { 'retention.ms': '60000' });
  const keys = ['retention.ms', 'segment.bytes', 'segment.ms', 'cleanup.policy', 'follower.replication.throttled.replicas'];
  for (const version of [1, 2, 3, 4]) {
    const configs = await describe(topic, { version, includeSynonyms: true, keys });
    assert.deepEqual(synonymsOf(configs.get('retention.ms')), [
      ['retention.ms', '60000', Source.TOPIC_CONFIG],
      ['log.retention.ms', '1234', Source.STATIC_BROKER_CONFIG],
      ['log.retention.minutes', '30', Source.STATIC_BROKER_CONFIG],
      ['log.retention.hours', '168', Source.DEFAULT_CONFIG],
    ], `v${version}`);
    assert.deepEqual(synonymsOf(configs.get('segment.bytes')), [['log.segment.bytes', '1073741824', Source.DEFAULT_CONFIG]], `v${version}`);
    assert.deepEqual(sourceAndValue(configs.get('segment.ms')), [Source.DEFAULT_CONFIG, '604800000'], `v${version}: from log.roll.hours`);
    assert.deepEqual(synonymsOf(configs.get('segment.ms')), [['log.roll.hours', '168', Source.DEFAULT_CONFIG]], `v${version}`);
    assert.deepEqual(synonymsOf(configs.get('cleanup.policy')), [['log.cleanup.policy', 'delete', Source.DEFAULT_CONFIG]], `v${version}`);
    assert.deepEqual(synonymsOf(configs.get('follower.replication.throttled.replicas')), [], `v${version}: no broker default`);
  }
  // Without an override, the first broker key set is the source.
  const plain = await describe(await freshTopic('configs-synonyms-plain'), { includeSynonyms: true, keys: ['retention.ms'] });
  assert.deepEqual(sourceAndValue(plain.get('retention.ms')), [Source.STATIC_BROKER_CONFIG, '1234']);
  assert.deepEqual(synonymsOf(plain.get('retention.ms'))[0], ['log.retention.ms', '1234', Source.STATIC_BROKER_CONFIG]);
  const without = await describe(topic, { includeSynonyms: false, keys: ['retention.ms'] });
  assert.deepEqual(without.get('retention.ms')!.synonyms, []);
});

test('DescribeConfigs v3+: each config\'s type, and its documentation when asked for', { timeout: 20_000 }, async () => {
  const topic = await freshTopic('configs-documented');
  for (const [resourceType, resourceName] of [[ResourceType.TOPIC, topic], [ResourceType.BROKER, String(nodeId)]] as const) {
    const response = await client.call(Api.describeConfigs, 4, {
      resources: [{ resourceType, resourceName, configurationKeys: null }], includeSynonyms: false, includeDocumentation: true,
    });
    const configs = response.results[0]!.configs;
    assert.ok(configs.length > 20);
    for (const config of configs) {
      assert.match(config.documentation ?? '', /^[A-Z].{10,}\.$/, `${config.name} is documented`);
      assert.ok((config.configType ?? 0) >= Type.BOOLEAN, `${config.name} has a type`);
    }
  }
  const broker = await describe(String(nodeId), { resourceType: ResourceType.BROKER, version: 3 });
  const types = Object.fromEntries(['auto.create.topics.enable', 'broker.rack', 'log.retention.hours', 'share.coordinator.state.topic.min.isr', 'log.retention.ms',
    'log.cleaner.min.cleanable.ratio', 'log.dirs'].map((name) => [name, broker.get(name)?.configType]));
  assert.deepEqual(types, {
    'auto.create.topics.enable': Type.BOOLEAN, 'broker.rack': Type.STRING, 'log.retention.hours': Type.INT, 'share.coordinator.state.topic.min.isr': Type.SHORT,
    'log.retention.ms': Type.LONG, 'log.cleaner.min.cleanable.ratio': Type.DOUBLE, 'log.dirs': Type.LIST,
  });
  assert.equal(broker.get('log.dirs')!.documentation, null, 'not asked for');
  assert.equal((await describe(topic, { version: 4, keys: ['segment.bytes'] })).get('segment.bytes')!.documentation, null, 'not asked for');
});

test('DescribeConfigs: configurationKeys filters; an unknown topic is UNKNOWN_TOPIC_OR_PARTITION', { timeout: 20_000 }, async () => {
  const topic = await freshTopic('configs-filter');
  const configs = await describe(topic, { keys: ['retention.ms', 'cleanup.policy'] });
  assert.deepEqual([...configs.keys()].sort(), ['cleanup.policy', 'retention.ms']);
  const response = await client.call(Api.describeConfigs, 4, {
    resources: [
      { resourceType: ResourceType.TOPIC, resourceName: 'configs-no-such-topic', configurationKeys: null },
      { resourceType: ResourceType.TOPIC, resourceName: topic, configurationKeys: ['retention.ms'] },
    ],
    includeSynonyms: false,
  });
  assert.deepEqual(response.results.map((result) => [result.resourceName, result.errorCode]), [
    ['configs-no-such-topic', ErrorCode.UNKNOWN_TOPIC_OR_PARTITION], [topic, ErrorCode.NONE],
  ]);
});

test('DescribeConfigs for the broker (resource type 4, name = node id): values as given, synonyms from the key itself', { timeout: 20_000 }, async () => {
  const configs = await describe(String(nodeId), { resourceType: ResourceType.BROKER, includeSynonyms: true });
  assert.ok(configs.has('num.partitions') && configs.has('log.segment.bytes') && configs.has('message.max.bytes'));
  assert.deepEqual(sourceAndValue(configs.get('auto.create.topics.enable')), [Source.STATIC_BROKER_CONFIG, 'false']);
  assert.deepEqual(synonymsOf(configs.get('auto.create.topics.enable')), [
    ['auto.create.topics.enable', 'false', Source.STATIC_BROKER_CONFIG], ['auto.create.topics.enable', 'true', Source.DEFAULT_CONFIG],
  ]);
  // Kafka's retention keys: ms over minutes over hours. Each lists itself and the keys under it.
  assert.deepEqual(sourceAndValue(configs.get('log.retention.ms')), [Source.STATIC_BROKER_CONFIG, '1234']);
  assert.deepEqual(synonymsOf(configs.get('log.retention.ms')), [
    ['log.retention.ms', '1234', Source.STATIC_BROKER_CONFIG],
    ['log.retention.minutes', '30', Source.STATIC_BROKER_CONFIG],
    ['log.retention.hours', '168', Source.DEFAULT_CONFIG],
  ]);
  assert.deepEqual(synonymsOf(configs.get('log.retention.minutes')), [
    ['log.retention.minutes', '30', Source.STATIC_BROKER_CONFIG], ['log.retention.hours', '168', Source.DEFAULT_CONFIG],
  ]);
  assert.deepEqual(sourceAndValue(configs.get('log.retention.hours')), [Source.DEFAULT_CONFIG, '168']);
  assert.deepEqual(synonymsOf(configs.get('log.retention.hours')), [['log.retention.hours', '168', Source.DEFAULT_CONFIG]]);
  assert.deepEqual(sourceAndValue(configs.get('log.roll.ms')), [Source.DEFAULT_CONFIG, null], 'unset, no default: its value comes from log.roll.hours');
  assert.deepEqual(synonymsOf(configs.get('log.roll.ms')), []);
  assert.equal(configs.get('log.segment.bytes')!.readOnly, true, 'broker configs are static');

  const clusterDefault = await describe('', { resourceType: ResourceType.BROKER, includeSynonyms: true });
  assert.equal(clusterDefault.size, 0, 'no dynamic cluster-wide defaults');
  const other = await client.call(Api.describeConfigs, 4, {
    resources: [{ resourceType: ResourceType.BROKER, resourceName: String(nodeId + 1), configurationKeys: null }], includeSynonyms: false,
  });
  assert.equal(other.results[0]!.errorCode, ErrorCode.INVALID_REQUEST, 'another broker\'s configs are not this broker\'s to describe');
});

test('AlterConfigs replaces every override of the topic', { timeout: 20_000 }, async () => {
  const topic = await freshTopic('configs-alter', { 'retention.ms': '60000', 'cleanup.policy': 'compact' });
  assert.equal(await alterConfigs(topic, { 'segment.bytes': '2097152' }), ErrorCode.NONE);
  const configs = await describe(topic);
  assert.deepEqual(sourceAndValue(configs.get('segment.bytes')), [Source.TOPIC_CONFIG, '2097152']);
  assert.deepEqual(sourceAndValue(configs.get('cleanup.policy')), [Source.DEFAULT_CONFIG, 'delete'], 'the old override is gone');
  assert.deepEqual(sourceAndValue(configs.get('retention.ms')), [Source.STATIC_BROKER_CONFIG, '1234'], 'the old override is gone');
});

test('IncrementalAlterConfigs SET, APPEND, SUBTRACT and DELETE on cleanup.policy keep other overrides', { timeout: 20_000 }, async () => {
  const topic = await freshTopic('configs-incremental', { 'retention.ms': '60000' });
  const steps: Array<[number, string | null, [number, string]]> = [
    [Op.SET, 'compact', [Source.TOPIC_CONFIG, 'compact']],
    [Op.APPEND, 'delete', [Source.TOPIC_CONFIG, 'compact,delete']],
    [Op.SUBTRACT, 'compact', [Source.TOPIC_CONFIG, 'delete']],
    [Op.SET, 'compact', [Source.TOPIC_CONFIG, 'compact']],
    [Op.DELETE, null, [Source.DEFAULT_CONFIG, 'delete']],
  ];
  for (const [operation, value, expected] of steps) {
    assert.equal(await incrementalAlter(topic, [['cleanup.policy', operation, value]]), ErrorCode.NONE, `op ${operation} ${value}`);
    const configs = await describe(topic);
    assert.deepEqual(sourceAndValue(configs.get('cleanup.policy')), expected, `op ${operation} ${value}`);
    assert.deepEqual(sourceAndValue(configs.get('retention.ms')), [Source.TOPIC_CONFIG, '60000']);
  }
});

test('validateOnly alters nothing, through either API', { timeout: 20_000 }, async () => {
  const topic = await freshTopic('configs-validate-only', { 'retention.ms': '60000' });
  assert.equal(await alterConfigs(topic, { 'cleanup.policy': 'compact' }, true), ErrorCode.NONE);
  assert.equal(await incrementalAlter(topic, [['cleanup.policy', Op.SET, 'compact'], ['retention.ms', Op.DELETE, null]], { validateOnly: true }), ErrorCode.NONE);
  assert.equal(await alterConfigs(topic, { 'retention.ms': 'abc' }, true), ErrorCode.INVALID_CONFIG, 'validateOnly still validates');
  const configs = await describe(topic);
  assert.deepEqual(sourceAndValue(configs.get('retention.ms')), [Source.TOPIC_CONFIG, '60000']);
  assert.deepEqual(sourceAndValue(configs.get('cleanup.policy')), [Source.DEFAULT_CONFIG, 'delete']);
});

test('bad config values and names are INVALID_CONFIG and change nothing; unknown topics UNKNOWN_TOPIC_OR_PARTITION', { timeout: 20_000 }, async () => {
  const topic = await freshTopic('configs-refused', { 'retention.ms': '60000' });
  assert.equal(await alterConfigs(topic, { 'retention.ms': 'abc' }), ErrorCode.INVALID_CONFIG);
  assert.equal(await alterConfigs(topic, { 'no.such.config': '1' }), ErrorCode.INVALID_CONFIG);
  assert.equal(await alterConfigs(topic, { 'cleanup.policy': 'shred' }), ErrorCode.INVALID_CONFIG);
  assert.equal(await incrementalAlter(topic, [['retention.ms', Op.SET, 'abc']]), ErrorCode.INVALID_CONFIG);
  assert.equal(await incrementalAlter(topic, [['no.such.config', Op.SET, '1']]), ErrorCode.INVALID_CONFIG);
  assert.equal(await incrementalAlter(topic, [['retention.ms', Op.APPEND, '5']]), ErrorCode.INVALID_CONFIG, 'APPEND needs a list config');
  assert.equal(await incrementalAlter(topic, [['cleanup.policy', Op.APPEND, 'shred']]), ErrorCode.INVALID_CONFIG);
  assert.equal(await alterConfigs('configs-no-such-topic', { 'retention.ms': '1' }), ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  assert.equal(await incrementalAlter('configs-no-such-topic', [['retention.ms', Op.SET, '1']]), ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  const configs = await describe(topic);
  assert.deepEqual(sourceAndValue(configs.get('retention.ms')), [Source.TOPIC_CONFIG, '60000']);
  assert.deepEqual(sourceAndValue(configs.get('cleanup.policy')), [Source.DEFAULT_CONFIG, 'delete']);
});

test('config changes survive a broker restart on the same data directory', { timeout: 30_000 }, async () => {
  let restartable = await startTestBroker(BROKER_CONFIG);
  const dataDir = restartable.dataDir;
  try {
    let own = await KafkaApiClient.open(restartable.host, restartable.port);
    assert.equal((await createTopic(own, 'configs-durable', { configs: { 'retention.ms': '60000', 'segment.bytes': '1048576' } })).errorCode, ErrorCode.NONE);
    assert.equal((await own.call(Api.alterConfigs, 1, {
      resources: [{ resourceType: ResourceType.TOPIC, resourceName: 'configs-durable', configs: [{ name: 'retention.ms', value: '120000' }] }],
      validateOnly: false,
    })).responses[0]!.errorCode, ErrorCode.NONE);
    assert.equal(await incrementalAlter('configs-durable', [['cleanup.policy', Op.SET, 'compact'], ['max.message.bytes', Op.SET, '4096']], { on: own }), ErrorCode.NONE);
    own.close();
    await restartable.close();
    restartable = await startTestBroker(BROKER_CONFIG, dataDir);
    own = await KafkaApiClient.open(restartable.host, restartable.port);
    try {
      const configs = await describe('configs-durable', { on: own });
      assert.deepEqual(sourceAndValue(configs.get('retention.ms')), [Source.TOPIC_CONFIG, '120000']);
      assert.deepEqual(sourceAndValue(configs.get('cleanup.policy')), [Source.TOPIC_CONFIG, 'compact']);
      assert.deepEqual(sourceAndValue(configs.get('max.message.bytes')), [Source.TOPIC_CONFIG, '4096']);
      assert.deepEqual(sourceAndValue(configs.get('segment.bytes')), [Source.DEFAULT_CONFIG, '1073741824'], 'AlterConfigs dropped it');
      const big = await produce(own, 'configs-durable', 0, batchOf(['k'.repeat(5000)]));
      assert.equal(big.errorCode, ErrorCode.MESSAGE_TOO_LARGE, 'the restored max.message.bytes is in force');
    } finally {
      own.close();
    }
  } finally {
    await restartable.close();
    await removeTempDir(dataDir);
  }
});

test('a max.message.bytes override makes a larger batch MESSAGE_TOO_LARGE, and an alteration applies at once', { timeout: 20_000 }, async () => {
  const topic = await freshTopic('configs-max-message', { 'max.message.bytes': '1024' });
  const small = batchOf(['fits']);
  const large = batchOf(['x'.repeat(2000)]);
  assert.ok(large.length > 1024 && small.length < 1024);
  assert.equal((await produce(client, topic, 0, large)).errorCode, ErrorCode.MESSAGE_TOO_LARGE);
  assert.equal((await produce(client, topic, 0, small)).errorCode, ErrorCode.NONE);
  assert.equal(await incrementalAlter(topic, [['max.message.bytes', Op.SET, '4096']]), ErrorCode.NONE);
  const accepted = await produce(client, topic, 0, large);
  assert.equal(accepted.errorCode, ErrorCode.NONE);
  assert.equal(accepted.baseOffset, 1n);
});

test('message.timestamp.type=LogAppendTime: fetched batches carry the broker\'s append time', { timeout: 20_000 }, async () => {
  const topic = await freshTopic('configs-log-append-time', { 'message.timestamp.type': 'LogAppendTime' });
  const createTime = Date.now() - 3_600_000;
  const before = Date.now();
  const produced = await produce(client, topic, 0, batchOf(['one', 'two'], createTime));
  const afterProduce = Date.now();
  assert.equal(produced.errorCode, ErrorCode.NONE);
  const appendTime = Number(produced.logAppendTimeMs);
  assert.ok(appendTime >= before && appendTime <= afterProduce, `logAppendTimeMs ${appendTime} is the broker's clock`);
  const [batch] = batchesOf(onlyPartition(await client.call(Api.fetch, 12, fetchBody({ topic }))));
  assert.ok(batch);
  assert.equal(batch.timestampType, 'LogAppendTime');
  assert.equal(batch.maxTimestamp, appendTime);
  assert.equal(batch.records.length, 2);
  // Seeking by time uses the append time too: the producer's CreateTime is gone.
  const byTime = await listOffset(client, topic, BigInt(createTime));
  assert.deepEqual([byTime.errorCode, byTime.offset, byTime.timestamp], [ErrorCode.NONE, 0n, BigInt(appendTime)]);
  const newest = await listOffset(client, topic, -3n);
  assert.deepEqual([newest.errorCode, newest.timestamp], [ErrorCode.NONE, BigInt(appendTime)]);
  const createTimeTopic = await freshTopic('configs-create-time');
  const kept = await produce(client, createTimeTopic, 0, batchOf(['one'], createTime));
  assert.equal(kept.logAppendTimeMs, -1n);
  const [createBatch] = batchesOf(onlyPartition(await client.call(Api.fetch, 12, fetchBody({ topic: createTimeTopic }))));
  assert.equal(createBatch!.timestampType, 'CreateTime');
  assert.equal(createBatch!.maxTimestamp, createTime);
});
