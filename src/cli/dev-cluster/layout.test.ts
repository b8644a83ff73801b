import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseBrokerConfig, parseProperties } from '../../broker/config.ts';
import { bootstrapOf, brokerProperties } from './layout.ts';

test('a generated server.properties is a broker config: id, loopback listener, log dir, ZooKeeper', () => {
  const text = brokerProperties({ id: 2, port: 19092, logDir: '/tmp/dc/broker-2/data', zookeeperConnect: '127.0.0.1:2181', brokers: 3 });
  const config = parseBrokerConfig(Object.fromEntries(parseProperties(text)));
  assert.equal(config.nodeId, 2);
  assert.deepEqual(config.listeners.map((l) => [l.name, l.host, l.port]), [['PLAINTEXT', '127.0.0.1', 19092]]);
  assert.deepEqual(config.logDirs, ['/tmp/dc/broker-2/data']);
  assert.equal(config.zookeeperConnect, '127.0.0.1:2181');
  assert.equal(config.offsetsTopicReplicationFactor, 3);
});

test('__consumer_offsets fits a smaller cluster; overrides win; values with backslashes survive', () => {
  const text = brokerProperties({
    id: 1, port: 1, logDir: 'C:\\data', zookeeperConnect: '127.0.0.1:2181/samsa', brokers: 1,
    overrides: { 'min.insync.replicas': '2', 'zookeeper.connect': '127.0.0.1:2182/other' },
  });
  const properties = parseProperties(text);
  assert.equal(properties.get('offsets.topic.replication.factor'), '1');
  assert.equal(properties.get('min.insync.replicas'), '2');
  assert.equal(properties.get('zookeeper.connect'), '127.0.0.1:2182/other');
  assert.equal(properties.get('log.dirs'), 'C:\\data');
});

test('with a metrics port the broker serves metrics on loopback; without one, none', () => {
  const withMetrics = brokerProperties({ id: 1, port: 9092, metricsPort: 9404, logDir: '/d', zookeeperConnect: '127.0.0.1:2181', brokers: 1 });
  assert.equal(parseBrokerConfig(Object.fromEntries(parseProperties(withMetrics))).metricsListener, 'http://127.0.0.1:9404');
  const without = brokerProperties({ id: 1, port: 9092, logDir: '/d', zookeeperConnect: '127.0.0.1:2181', brokers: 1 });
  assert.equal(parseBrokerConfig(Object.fromEntries(parseProperties(without))).metricsListener, null);
});

test('the bootstrap list names every broker on loopback, in order', () => {
  assert.equal(bootstrapOf([{ port: 9092 }, { port: 9093 }]), '127.0.0.1:9092,127.0.0.1:9093');
});
