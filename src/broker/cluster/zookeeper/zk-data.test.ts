import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  decodeBrokerRegistration, decodeClusterId, decodeConfigChangeNotification, decodeController, decodeControllerEpoch,
  decodeEntityConfig, decodeIsrChangeNotification, decodePartitionState, decodeProducerIdBlock, decodeTopicAssignment, encodeBrokerRegistration,
  encodeClusterId, encodeConfigChangeNotification, encodeController, encodeControllerEpoch, encodeEntityConfig,
  encodeIsrChangeNotification, encodePartitionState, encodeProducerIdBlock, encodeTopicAssignment, ZkDataError,
} from './zk-data.ts';
import { PERSISTENT_PATHS, sequenceNumberOf, ZkPaths } from './zk-paths.ts';

const bytes = (value: unknown) => Buffer.from(JSON.stringify(value));

test('a broker registration written by Kafka 3.x (version 5) reads as its endpoints, rack and features', () => {
  const kafka = bytes({
    features: { 'metadata.version': { min_version: 1, max_version: 7 } },
    listener_security_protocol_map: { CLIENT: 'SASL_SSL', REPLICATION: 'PLAINTEXT' },
    endpoints: ['CLIENT://broker-1.example:9093', 'REPLICATION://[::1]:9094'],
    rack: 'rack-a', jmx_port: -1, port: 9094, host: '::1', timestamp: '1700000000123', version: 5,
  });
  assert.deepEqual(decodeBrokerRegistration(1, kafka), {
    brokerId: 1,
    endpoints: [
      { listenerName: 'CLIENT', securityProtocol: 'SASL_SSL', host: 'broker-1.example', port: 9093 },
      { listenerName: 'REPLICATION', securityProtocol: 'PLAINTEXT', host: '::1', port: 9094 },
    ],
    rack: 'rack-a',
    timestampMs: 1700000000123,
    jmxPort: -1,
    features: { 'metadata.version': { minVersion: 1, maxVersion: 7 } },
  });
});

test('a broker registration round-trips, with host and port of its PLAINTEXT endpoint on top for old readers', () => {
  const broker = {
    endpoints: [
      { listenerName: 'SSL', securityProtocol: 'SSL', host: '127.0.0.1', port: 9093 },
      { listenerName: 'PLAINTEXT', securityProtocol: 'PLAINTEXT', host: '127.0.0.1', port: 9092 },
    ],
    rack: null, timestampMs: 42, jmxPort: -1, features: {},
  };
  const encoded = encodeBrokerRegistration(broker);
  const raw = JSON.parse(encoded.toString());
  assert.equal(raw.version, 5);
  assert.equal(raw.host, '127.0.0.1');
  assert.equal(raw.port, 9092);
  assert.equal(raw.timestamp, '42');
  assert.deepEqual(raw.endpoints, ['SSL://127.0.0.1:9093', 'PLAINTEXT://127.0.0.1:9092']);
  assert.ok(!('rack' in raw), 'no rack key without a rack');
  assert.deepEqual(decodeBrokerRegistration(7, encoded), { brokerId: 7, ...broker });
});

test('older registrations: version 1 (host and port only), version 4 without a protocol map', () => {
  assert.deepEqual(decodeBrokerRegistration(2, bytes({ version: 1, host: 'h', port: 9092, jmx_port: -1, timestamp: '1' })).endpoints,
    [{ listenerName: 'PLAINTEXT', securityProtocol: 'PLAINTEXT', host: 'h', port: 9092 }]);
  assert.deepEqual(decodeBrokerRegistration(2, bytes({ version: 4, endpoints: ['SSL://h:9093'], jmx_port: -1, host: null, port: -1 })).endpoints,
    [{ listenerName: 'SSL', securityProtocol: 'SSL', host: 'h', port: 9093 }]);
  assert.throws(() => decodeBrokerRegistration(2, bytes({ version: 4, endpoints: ['CLIENT://h:1'], jmx_port: -1 })), ZkDataError,
    'a listener name that is no protocol needs the map');
});

test('topic assignment version 3: partitions in order, topic id, reassignment lists only where non-empty', () => {
  const topicId = 'vRDGuV6pSWeeVMNAFAfXbQ';
  const encoded = encodeTopicAssignment({
    topicId,
    partitions: new Map([[1, [2, 3, 1]], [0, [1, 2, 3]]]),
    addingReplicas: new Map([[1, [1]], [0, []]]),
  });
  assert.equal(encoded.toString(),
    `{"version":3,"partitions":{"0":[1,2,3],"1":[2,3,1]},"adding_replicas":{"1":[1]},"removing_replicas":{},"topic_id":"${topicId}"}`);
  const decoded = decodeTopicAssignment('t', encoded);
  assert.equal(decoded.topicId, topicId);
  assert.deepEqual([...decoded.partitions], [[0, [1, 2, 3]], [1, [2, 3, 1]]]);
  assert.deepEqual([...decoded.addingReplicas], [[1, [1]]]);
  assert.equal(decoded.removingReplicas.size, 0);
  // Written by Kafka before topic ids (version 1, partitions only).
  const old = decodeTopicAssignment('t', bytes({ version: 1, partitions: { 0: [5] } }));
  assert.equal(old.topicId, undefined);
  assert.deepEqual([...old.partitions], [[0, [5]]]);
  assert.throws(() => decodeTopicAssignment('t', bytes({ version: 3, partitions: { x: [1] } })), ZkDataError);
  assert.throws(() => decodeTopicAssignment('t', bytes({ version: 3, partitions: {}, topic_id: 'nope' })), ZkDataError);
});

test('partition state: Kafka\'s keys, the znode version as partition epoch, recovery state only when recovering', () => {
  const state = { leader: 2, leaderEpoch: 5, isr: [2, 1], controllerEpoch: 3, leaderRecoveryState: 0 };
  const encoded = encodePartitionState(state);
  assert.deepEqual(JSON.parse(encoded.toString()), { controller_epoch: 3, leader: 2, version: 1, leader_epoch: 5, isr: [2, 1] });
  assert.deepEqual(decodePartitionState(encoded, 9), { ...state, partitionEpoch: 9 });
  const recovering = encodePartitionState({ ...state, leaderRecoveryState: 1 });
  assert.equal(JSON.parse(recovering.toString()).leader_recovery_state, 1);
  assert.equal(decodePartitionState(recovering, 0).leaderRecoveryState, 1);
  assert.throws(() => decodePartitionState(bytes({ leader: 1, leader_epoch: 0, controller_epoch: 1 }), 0), /no "isr"/);
});

test('controller, controller epoch, configs, notifications and cluster id in Kafka\'s formats', () => {
  assert.deepEqual(JSON.parse(encodeController({ brokerId: 3, timestampMs: 99 }).toString()), { version: 1, brokerid: 3, timestamp: '99' });
  // Kafka 3.x during a KRaft migration writes version 2 with kraftControllerEpoch.
  assert.deepEqual(decodeController(bytes({ version: 2, brokerid: 1, timestamp: '5', kraftControllerEpoch: -1 })), { brokerId: 1, timestampMs: 5 });
  assert.equal(encodeControllerEpoch(12).toString(), '12');
  assert.equal(decodeControllerEpoch(Buffer.from('12')), 12);
  assert.throws(() => decodeControllerEpoch(Buffer.from('1x')), ZkDataError);
  assert.equal(encodeEntityConfig({ 'retention.ms': '1000' }).toString(), '{"version":1,"config":{"retention.ms":"1000"}}');
  assert.deepEqual(decodeEntityConfig(encodeEntityConfig({ 'cleanup.policy': 'compact' })), { 'cleanup.policy': 'compact' });
  assert.deepEqual(decodeEntityConfig(Buffer.alloc(0)), {});
  assert.equal(decodeConfigChangeNotification(encodeConfigChangeNotification('topics/orders')), 'topics/orders');
  assert.equal(encodeConfigChangeNotification('brokers/<default>').toString(), '{"version":2,"entity_path":"brokers/<default>"}');
  const partitions = [{ topic: 'a', partition: 0 }, { topic: 'b', partition: 3 }];
  assert.deepEqual(decodeIsrChangeNotification(encodeIsrChangeNotification(partitions)), partitions);
  assert.equal(encodeClusterId('abc').toString(), '{"version":"1","id":"abc"}');
  assert.equal(decodeClusterId(encodeClusterId('abc')), 'abc');
});

test('the latest producer id block is written as Kafka writes it, ids as strings, and read back; the empty znode is no block', () => {
  const block = { brokerId: 2, blockStart: 9_007_199_254_741_000n, blockEnd: 9_007_199_254_741_999n };
  assert.equal(encodeProducerIdBlock(block).toString(), '{"version":1,"broker":2,"block_start":"9007199254741000","block_end":"9007199254741999"}');
  assert.deepEqual(decodeProducerIdBlock(encodeProducerIdBlock(block)), block);
  assert.equal(decodeProducerIdBlock(Buffer.alloc(0)), undefined);
  assert.throws(() => decodeProducerIdBlock(bytes({ version: 1, broker: 1, block_start: 0, block_end: '999' })), ZkDataError);
  assert.throws(() => decodeProducerIdBlock(bytes({ version: 1, broker: 1, block_start: '0', block_end: '9223372036854775808' })), ZkDataError);
  assert.throws(() => decodeProducerIdBlock(bytes({ version: 1, broker: 1, block_start: '1000', block_end: '999' })), ZkDataError);
});

test('znode paths are Kafka\'s', () => {
  assert.equal(ZkPaths.brokerId(1), '/brokers/ids/1');
  assert.equal(ZkPaths.topic('orders'), '/brokers/topics/orders');
  assert.equal(ZkPaths.partitionState('orders', 2), '/brokers/topics/orders/partitions/2/state');
  assert.equal(ZkPaths.configEntity('topics', 'orders'), '/config/topics/orders');
  assert.equal(ZkPaths.deleteTopic('orders'), '/admin/delete_topics/orders');
  for (const path of ['/brokers/ids', '/brokers/topics', '/config/changes', '/admin/delete_topics', '/isr_change_notification', '/config/topics', '/config/brokers']) {
    assert.ok(PERSISTENT_PATHS.includes(path), path);
  }
  assert.equal(sequenceNumberOf('/config/changes/config_change_0000000042'), 42);
  assert.throws(() => sequenceNumberOf('/controller'));
});

test('decoders throw only ZkDataError on random and mutated bytes', () => {
  const decoders: Array<(b: Buffer) => unknown> = [
    (b) => decodeBrokerRegistration(1, b), (b) => decodeTopicAssignment('t', b), (b) => decodePartitionState(b, 0),
    decodeController, decodeControllerEpoch, decodeEntityConfig, decodeConfigChangeNotification, decodeIsrChangeNotification, decodeClusterId,
    decodeProducerIdBlock,
  ];
  const valid = [
    encodeBrokerRegistration({ endpoints: [{ listenerName: 'PLAINTEXT', securityProtocol: 'PLAINTEXT', host: 'h', port: 1 }], rack: 'r', timestampMs: 1, jmxPort: -1, features: { f: { minVersion: 0, maxVersion: 1 } } }),
    encodeTopicAssignment({ topicId: undefined, partitions: new Map([[0, [1]]]) }),
    encodePartitionState({ leader: 1, leaderEpoch: 0, isr: [1], controllerEpoch: 1, leaderRecoveryState: 0 }),
    encodeIsrChangeNotification([{ topic: 't', partition: 0 }]),
    encodeProducerIdBlock({ brokerId: 1, blockStart: 1000n, blockEnd: 1999n }),
  ];
  const input = fc.oneof(
    fc.uint8Array({ maxLength: 64 }).map((a) => Buffer.from(a)),
    fc.json().map((text) => Buffer.from(text)),
    fc.tuple(fc.constantFrom(...valid), fc.nat(), fc.string({ maxLength: 3 })).map(([b, at, insert]) => {
      const text = b.toString();
      const cut = at % (text.length + 1);
      return Buffer.from(text.slice(0, cut) + insert + text.slice(cut + insert.length));
    }),
  );
  fc.assert(fc.property(input, (b) => {
    for (const decode of decoders) {
      try {
        decode(b);
      } catch (error) {
        if (!(error instanceof ZkDataError)) throw error;
      }
    }
  }), { numRuns: 2000 });
});
