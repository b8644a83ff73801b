import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  ConfigError, LONG_MAX, configValueToString, generateClusterId, parseBrokerConfig, parseListeners, parseOverrides,
  parseProperties, resolveAdvertisedListeners, resolveTopicConfig, topicConfigDefaults, topicConfigDefinitions,
  brokerConfigDefinitions, brokerConfigSynonyms, validateTopicConfig, type ConfigDefinition,
} from './config.ts';
import { ignoredConfigs } from './config-ignored.ts';
import { listenerMechanismSetting, listenerSetting } from './listener-configs.ts';
import { interBrokerListenerName } from './security/inter-broker-security.ts';

function throwsConfigError(fn: () => unknown, key: string, message?: RegExp): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof ConfigError, `expected ConfigError, got ${String(error)}`);
    assert.equal(error.key, key);
    assert.ok(error.message.startsWith(`${key}: `));
    if (message) assert.match(error.message, message);
    return true;
  });
}

test('properties: separators, comments, whitespace', () => {
  const props = parseProperties([
    '# a comment',
    '! another comment',
    '',
    '   ',
    'a=1',
    'b : 2',
    'c 3',
    '  d=  spaced value  ',
    'e=',
    'f',
    'g==x',
    'h:a=b:c',
    'a=last wins',
  ].join('\n'));
  assert.deepEqual(Object.fromEntries(props), {
    a: 'last wins', b: '2', c: '3', d: 'spaced value  ', e: '', f: '', g: '=x', h: 'a=b:c',
  });
});

test('properties: continuations, escapes, line endings', () => {
  const text = 'listeners=PLAINTEXT://:9092,\\\r\n    SSL://:9093\rkey\\ with\\=odd\\:chars=v\\tal\\u0041\\\\\n# comment \\\nnot.continued=yes\nlast=line\\';
  const props = parseProperties(text);
  assert.equal(props.get('listeners'), 'PLAINTEXT://:9092,SSL://:9093');
  assert.equal(props.get('key with=odd:chars'), 'v\talA\\');
  assert.equal(props.get('not.continued'), 'yes');
  assert.equal(props.get('last'), 'line');
});

test('properties: an even number of trailing backslashes does not continue', () => {
  const props = parseProperties('path=C:\\\\dir\\\\\nnext=1');
  assert.equal(props.get('path'), 'C:\\dir\\');
  assert.equal(props.get('next'), '1');
});

test('properties: round-trips escaped keys and values (property)', () => {
  const escape = (s: string, isKey: boolean) =>
    s.replace(/[\\=: \t\n\r\f#!]/g, (c) => {
      if (c === '\n') return '\\n';
      if (c === '\r') return '\\r';
      if (c === '\t') return '\\t';
      if (c === '\f') return '\\f';
      return c === ' ' && !isKey ? ' ' : `\\${c}`;
    }).replace(/^ /, '\\ ');
  fc.assert(
    fc.property(fc.dictionary(fc.string({ minLength: 1 }), fc.string()), (entries) => {
      const text = Object.entries(entries).map(([k, v]) => `${escape(k, true)}=${escape(v, false)}`).join('\n');
      assert.deepEqual(Object.fromEntries(parseProperties(text)), { ...entries });
    }),
  );
});

test('properties: never throws anything but ConfigError on arbitrary input', () => {
  fc.assert(
    fc.property(fc.string(), (text) => {
      try {
        parseProperties(text);
      } catch (error) {
        assert.ok(error instanceof ConfigError);
      }
    }),
  );
});

test('overrides: key=value, value may contain =', () => {
  assert.deepEqual(Object.fromEntries(parseOverrides(['a=1', ' b = x=y ', 'a=2'])), { a: '2', b: 'x=y' });
  throwsConfigError(() => parseOverrides(['novalue']), 'novalue');
  throwsConfigError(() => parseOverrides(['=1']), '=1');
});

test('defaults match Kafka', () => {
  const config = parseBrokerConfig();
  assert.ok(Object.isFrozen(config));
  assert.deepEqual(config.listeners, [{ name: 'PLAINTEXT', host: '127.0.0.1', port: 9092, securityProtocol: 'PLAINTEXT' }]);
  assert.deepEqual(config.advertisedListeners, config.listeners);
  assert.equal(config.nodeId, 1);
  assert.deepEqual(config.logDirs, ['./data']);
  assert.equal(config.numPartitions, 1);
  assert.equal(config.defaultReplicationFactor, 1);
  assert.equal(config.autoCreateTopicsEnable, true);
  assert.equal(config.logSegmentBytes, 1073741824);
  assert.equal(config.logIndexIntervalBytes, 4096);
  assert.equal(config.logIndexSizeMaxBytes, 10485760);
  assert.equal(config.messageMaxBytes, 1048588);
  assert.equal(config.socketRequestMaxBytes, 104857600);
  assert.equal(config.logFlushIntervalMessages, Number.MAX_SAFE_INTEGER);
  assert.equal(config.logFlushIntervalMs, null);
  assert.equal(config.logMessageTimestampType, 'CreateTime');
  assert.equal(config.logMessageTimestampBeforeMaxMs, LONG_MAX);
  assert.equal(config.logMessageTimestampAfterMaxMs, 3600000);
  assert.equal(config.compressionType, 'producer');
  assert.equal(config.logRetentionHours, 168);
  assert.equal(config.logRetentionMs, 168 * 3600000);
  assert.equal(config.logRetentionBytes, -1);
  assert.deepEqual(config.logCleanupPolicy, ['delete']);
  assert.equal(config.offsetsTopicNumPartitions, 50);
  assert.equal(config.offsetsTopicReplicationFactor, 3);
  assert.equal(config.clusterId, null);
  assert.equal(config.replicaFetchMaxBytes, 1048576);
  assert.equal(config.fetchMaxBytes, 57671680);
  assert.equal(config.queuedMaxRequests, 500);
  assert.equal(config.deleteTopicEnable, true);
  assert.equal(config.minInsyncReplicas, 1);
  assert.equal(config.uncleanLeaderElectionEnable, false);
  assert.equal(config.zookeeperConnect, null);
});

test('accepts Kafka keys, camelCase keys, typed values and the port/dataDir conveniences', () => {
  const config = parseBrokerConfig({ port: 0, dataDir: '/tmp/samsa', 'num.partitions': '3', logSegmentBytes: 1048576, autoCreateTopicsEnable: false });
  assert.deepEqual(config.listeners, [{ name: 'PLAINTEXT', host: '127.0.0.1', port: 0, securityProtocol: 'PLAINTEXT' }]);
  assert.deepEqual(config.logDirs, ['/tmp/samsa']);
  assert.equal(config.numPartitions, 3);
  assert.equal(config.logSegmentBytes, 1048576);
  assert.equal(config.autoCreateTopicsEnable, false);
  assert.deepEqual(parseBrokerConfig({ logDirs: ['/a', '/b'] }).logDirs, ['/a', '/b']);
  assert.deepEqual(parseBrokerConfig({ 'log.dirs': '/a, /b' }).logDirs, ['/a', '/b']);
  assert.equal(parseBrokerConfig({ host: '::1', port: 9999 }).listeners[0]!.host, '::1');
});

test('aliases: broker.id = node.id, log.dir under log.dirs', () => {
  assert.equal(parseBrokerConfig({ 'broker.id': '7' }).nodeId, 7);
  assert.equal(parseBrokerConfig({ 'broker.id': '7', 'node.id': '7' }).nodeId, 7);
  throwsConfigError(() => parseBrokerConfig({ 'broker.id': '7', 'node.id': '8' }), 'broker.id');
  assert.deepEqual(parseBrokerConfig({ 'log.dir': '/one' }).logDirs, ['/one']);
  assert.deepEqual(parseBrokerConfig({ 'log.dir': '/one', 'log.dirs': '/two' }).logDirs, ['/two']);
});

test('retention and roll: ms over minutes over hours', () => {
  assert.equal(parseBrokerConfig({ 'log.retention.hours': '1' }).logRetentionMs, 3600000);
  assert.equal(parseBrokerConfig({ 'log.retention.hours': '1', 'log.retention.minutes': '2' }).logRetentionMs, 120000);
  assert.equal(parseBrokerConfig({ 'log.retention.minutes': '2', 'log.retention.ms': '5' }).logRetentionMs, 5);
  assert.equal(parseBrokerConfig({ 'log.retention.ms': '-1' }).logRetentionMs, -1);
  assert.equal(parseBrokerConfig({ 'log.roll.hours': '2' }).logRollMs, 7200000);
  assert.equal(parseBrokerConfig({ 'log.flush.interval.messages': '9223372036854775807' }).logFlushIntervalMessages, LONG_MAX);
});

test('errors name the key', () => {
  throwsConfigError(() => parseBrokerConfig({ 'no.such.config': '1' }), 'no.such.config', /unknown/);
  throwsConfigError(() => parseBrokerConfig({ 'num.partitions': 'three' }), 'num.partitions', /integer/);
  throwsConfigError(() => parseBrokerConfig({ 'num.partitions': '0' }), 'num.partitions', /minimum/);
  throwsConfigError(() => parseBrokerConfig({ 'log.segment.bytes': '-5' }), 'log.segment.bytes');
  throwsConfigError(() => parseBrokerConfig({ 'socket.request.max.bytes': '99999999999' }), 'socket.request.max.bytes');
  throwsConfigError(() => parseBrokerConfig({ 'auto.create.topics.enable': 'yes' }), 'auto.create.topics.enable');
  throwsConfigError(() => parseBrokerConfig({ 'compression.type': 'brotli' }), 'compression.type');
  throwsConfigError(() => parseBrokerConfig({ 'log.cleanup.policy': 'delete,shred' }), 'log.cleanup.policy');
  throwsConfigError(() => parseBrokerConfig({ listeners: 'localhost:9092' }), 'listeners', /NAME:\/\/host:port/);
  throwsConfigError(() => parseBrokerConfig({ listeners: 'PLAINTEXT://:99999' }), 'listeners');
  throwsConfigError(() => parseBrokerConfig({ listeners: 'PLAINTEXT://:9092,PLAINTEXT://:9093' }), 'listeners');
  throwsConfigError(() => parseBrokerConfig({ listeners: 'INTERNAL://:9092' }), 'listeners', /security.protocol.map/);
  throwsConfigError(() => parseBrokerConfig({ 'advertised.listeners': 'PLAINTEXT://0.0.0.0:9092' }), 'advertised.listeners');
  throwsConfigError(() => parseBrokerConfig({ 'inter.broker.listener.name': 'SSL' }), 'inter.broker.listener.name');
  throwsConfigError(() => parseBrokerConfig({ port: 'abc' }), 'port');
  throwsConfigError(() => parseBrokerConfig({ nodeId: 1.5 }), 'node.id');
});

test('parseListeners: names, empty host, IPv6, custom names via the protocol map', () => {
  assert.deepEqual(parseListeners('PLAINTEXT://:9092, SSL://[::1]:9093'), [
    { name: 'PLAINTEXT', host: '', port: 9092, securityProtocol: 'PLAINTEXT' },
    { name: 'SSL', host: '::1', port: 9093, securityProtocol: 'SSL' },
  ]);
  const config = parseBrokerConfig({
    listeners: 'INTERNAL://127.0.0.1:0,CONTROLLER://127.0.0.1:0',
    'listener.security.protocol.map': 'INTERNAL:SASL_PLAINTEXT,CONTROLLER:PLAINTEXT',
    'controller.listener.names': 'CONTROLLER',
  });
  assert.deepEqual(config.listeners.map((l) => [l.name, l.securityProtocol]), [['INTERNAL', 'SASL_PLAINTEXT'], ['CONTROLLER', 'PLAINTEXT']]);
  assert.deepEqual(config.advertisedListeners.map((l) => l.name), ['INTERNAL']);
  const resolved = resolveAdvertisedListeners(config, new Map([['INTERNAL', 41234]]));
  assert.equal(resolved[0]!.port, 41234);
  const wildcard = parseBrokerConfig({ listeners: 'PLAINTEXT://:0' });
  assert.equal(resolveAdvertisedListeners(wildcard, new Map([['PLAINTEXT', 5]]), 'box')[0]!.host, 'box');
});

test("Kafka's stock KRaft server.properties loads", () => {
  const stock = `
process.roles=broker,controller
node.id=1
controller.quorum.bootstrap.servers=localhost:9093
listeners=PLAINTEXT://:9092,CONTROLLER://:9093
inter.broker.listener.name=PLAINTEXT
advertised.listeners=PLAINTEXT://localhost:9092,CONTROLLER://localhost:9093
controller.listener.names=CONTROLLER
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL
num.network.threads=3
num.io.threads=8
socket.send.buffer.bytes=102400
socket.receive.buffer.bytes=102400
socket.request.max.bytes=104857600
log.dirs=/tmp/kraft-combined-logs
num.partitions=1
num.recovery.threads.per.data.dir=1
offsets.topic.replication.factor=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
log.retention.hours=168
log.segment.bytes=1073741824
log.retention.check.interval.ms=300000
`;
  const config = parseBrokerConfig(Object.fromEntries(parseProperties(stock)));
  assert.deepEqual(config.logDirs, ['/tmp/kraft-combined-logs']);
  assert.equal(config.listeners.length, 2);
  assert.equal(config.advertisedListeners[0]!.host, 'localhost');
  assert.equal(config.offsetsTopicReplicationFactor, 1);
});

test('each config the stock file sets without effect here is named once, with why; unset ones are not', () => {
  const stock = parseBrokerConfig({
    'num.io.threads': '8', 'num.network.threads': '3', 'num.recovery.threads.per.data.dir': '1', 'socket.send.buffer.bytes': '102400',
    'log.retention.hours': '168', 'process.roles': 'broker,controller',
  });
  const ignored = new Map(ignoredConfigs(stock).map(({ key, because }) => [key, because]));
  assert.deepEqual([...ignored.keys()].sort(), ['num.io.threads', 'num.network.threads', 'num.recovery.threads.per.data.dir', 'process.roles', 'socket.send.buffer.bytes']);
  // Thread pools: the broker has one event loop thread, which does the storage I/O too.
  assert.match(ignored.get('num.io.threads')!, /one event loop thread.*UV_THREADPOOL_SIZE/);
  assert.match(ignored.get('num.recovery.threads.per.data.dir')!, /one event loop thread/);
  assert.match(ignored.get('socket.send.buffer.bytes')!, /operating system's socket buffer sizes/);
  // zookeeper.connect has its effect: set, the broker joins a cluster.
  assert.deepEqual(ignoredConfigs(parseBrokerConfig({ 'zookeeper.connect': 'localhost:2181', 'broker.rack': 'a' })), []);
  assert.deepEqual(ignoredConfigs(parseBrokerConfig({ 'log.retention.hours': '1' })), []);
  // Secured listeners speak TLS and SASL.
  assert.deepEqual(ignoredConfigs(parseBrokerConfig({ listeners: 'PLAINTEXT://:9092,SSL://:9093' })), []);
});

test('listener.name.<listener>.<key> settings override the broker-wide ones for that listener, and are validated', () => {
  const config = parseBrokerConfig({
    listeners: 'INTERNAL://:9092,EXTERNAL://:9093', 'listener.security.protocol.map': 'INTERNAL:SASL_PLAINTEXT,EXTERNAL:SSL',
    'ssl.client.auth': 'requested', 'listener.name.external.ssl.client.auth': 'required',
    'listener.name.internal.plain.sasl.jaas.config': 'org.apache.kafka.common.security.plain.PlainLoginModule required user_a="b";',
  });
  assert.equal(listenerSetting(config, 'EXTERNAL', 'ssl.client.auth'), 'required');
  assert.equal(listenerSetting(config, 'INTERNAL', 'ssl.client.auth'), 'requested');
  assert.match(listenerMechanismSetting(config, 'INTERNAL', 'PLAIN', 'sasl.jaas.config')!, /user_a="b"/);
  assert.equal(listenerMechanismSetting(config, 'EXTERNAL', 'PLAIN', 'sasl.jaas.config'), null);
  assert.throws(() => parseBrokerConfig({ 'listener.name.external.ssl.client.auth': 'sometimes' }), /listener\.name\.external\.ssl\.client\.auth/);
  // What the broker's brokers speak to one another over: inter.broker.listener.name, else security.inter.broker.protocol's listener.
  assert.equal(interBrokerListenerName(parseBrokerConfig({ listeners: 'PLAINTEXT://:9092,SSL://:9093', 'security.inter.broker.protocol': 'SSL' })), 'SSL');
  assert.equal(interBrokerListenerName(config), 'INTERNAL');
});

test('staticBrokerConfigs holds what was given, as given, even when it equals the default', () => {
  const config = parseBrokerConfig({ port: 0, dataDir: '/tmp/x', 'log.retention.hours': ' 168 ', logSegmentBytes: 1048576, 'broker.id': '3' });
  assert.deepEqual(config.staticBrokerConfigs, {
    'listeners': 'PLAINTEXT://127.0.0.1:0', 'log.dirs': '/tmp/x', 'log.retention.hours': '168', 'log.segment.bytes': '1048576', 'node.id': '3',
  });
  assert.deepEqual(parseBrokerConfig().staticBrokerConfigs, {});
});

test("broker key synonyms follow Kafka's precedence", () => {
  assert.deepEqual(brokerConfigSynonyms('log.retention.hours'), ['log.retention.ms', 'log.retention.minutes', 'log.retention.hours']);
  assert.deepEqual(brokerConfigSynonyms('log.roll.ms'), ['log.roll.ms', 'log.roll.hours']);
  assert.deepEqual(brokerConfigSynonyms('log.flush.interval.ms'), ['log.flush.interval.ms', 'log.flush.scheduler.interval.ms']);
  assert.deepEqual(brokerConfigSynonyms('log.flush.scheduler.interval.ms'), ['log.flush.scheduler.interval.ms']);
  assert.deepEqual(brokerConfigSynonyms('log.segment.bytes'), ['log.segment.bytes']);
  for (const definition of topicConfigDefinitions) {
    if (definition.brokerConfig !== null) assert.ok(Object.hasOwn(brokerConfigDefinitions, definition.brokerConfig), definition.name);
  }
});

test('every broker and topic config has one line of documentation', () => {
  const broker = Object.entries(brokerConfigDefinitions as Readonly<Record<string, ConfigDefinition<unknown>>>).map(([name, d]) => [name, d.documentation] as const);
  const topic = topicConfigDefinitions.map((d) => [d.name, d.documentation] as const);
  for (const [name, documentation] of [...broker, ...topic]) {
    assert.match(documentation, /^[A-Z][^\n]{10,200}\.$/, name);
  }
});

test('topic config defaults come from the broker config', () => {
  const broker = parseBrokerConfig({ 'log.segment.bytes': '1048576', 'log.retention.ms': '1000', 'message.max.bytes': '2000', 'log.cleanup.policy': 'compact' });
  const defaults = topicConfigDefaults(broker);
  assert.ok(Object.isFrozen(defaults));
  assert.equal(defaults.segmentBytes, 1048576);
  assert.equal(defaults.retentionMs, 1000);
  assert.equal(defaults.maxMessageBytes, 2000);
  assert.deepEqual(defaults.cleanupPolicy, ['compact']);
  assert.equal(defaults.flushMs, LONG_MAX);
  assert.equal(defaults.segmentMs, 604800000);
  assert.equal(defaults.messageTimestampType, 'CreateTime');
  const names = topicConfigDefinitions.map((d) => d.name);
  for (const name of ['cleanup.policy', 'retention.ms', 'retention.bytes', 'segment.bytes', 'max.message.bytes', 'message.timestamp.type', 'compression.type', 'flush.messages', 'flush.ms', 'min.insync.replicas', 'segment.index.bytes', 'index.interval.bytes']) {
    assert.ok(names.includes(name), name);
  }
  assert.deepEqual(names, [...names].sort());
});

test('topic config overrides are validated', () => {
  const broker = parseBrokerConfig();
  const config = resolveTopicConfig(broker, { 'retention.ms': '-1', 'cleanup.policy': 'compact,delete', 'min.insync.replicas': '2' });
  assert.equal(config.retentionMs, -1);
  assert.deepEqual(config.cleanupPolicy, ['compact', 'delete']);
  assert.equal(config.minInsyncReplicas, 2);
  assert.equal(validateTopicConfig('segment.bytes', '1048576'), 1048576);
  assert.equal(validateTopicConfig('message.timestamp.type', 'logappendtime'), 'LogAppendTime');
  throwsConfigError(() => validateTopicConfig('segment.bytes', 'big'), 'segment.bytes');
  throwsConfigError(() => validateTopicConfig('min.insync.replicas', '0'), 'min.insync.replicas');
  throwsConfigError(() => validateTopicConfig('cleanup.policy', 'forever'), 'cleanup.policy');
  throwsConfigError(() => validateTopicConfig('no.such.thing', '1'), 'no.such.thing');
  throwsConfigError(() => resolveTopicConfig(broker, { 'no.such.thing': '1' }), 'no.such.thing');
  assert.equal(configValueToString(LONG_MAX), '9223372036854775807');
  assert.equal(configValueToString(['compact', 'delete']), 'compact,delete');
  assert.equal(configValueToString(null), null);
});

test('cluster ids look like Kafka ones', () => {
  let calls = 0;
  const id = generateClusterId((size) => {
    calls++;
    // The first draw starts with '-' (0xf8 -> '-' in base64url) and must be replaced.
    return calls === 1 ? new Uint8Array(size).fill(0xf8) : new Uint8Array(size).fill(1);
  });
  assert.equal(calls, 2);
  assert.match(id, /^[A-Za-z0-9_][A-Za-z0-9_-]{21}$/);
});

test('log.format is text or json (any case); unset, the terminal decides', () => {
  assert.equal(parseBrokerConfig().logFormat, null);
  assert.equal(parseBrokerConfig({ 'log.format': 'JSON' }).logFormat, 'json');
  assert.equal(parseBrokerConfig({ 'log.format': 'text' }).logFormat, 'text');
  assert.equal(parseBrokerConfig({ 'log.format': '' }).logFormat, null);
  throwsConfigError(() => parseBrokerConfig({ 'log.format': 'xml' }), 'log.format', /"xml" is not one of text, json/);
});
