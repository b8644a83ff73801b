import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode, KafkaError, errorName, isKnownErrorCode, isRetriable } from './errors.ts';

test('codes match Kafka Errors.java', () => {
  const expected: [string, number][] = [
    ['UNKNOWN_SERVER_ERROR', -1], ['NONE', 0], ['OFFSET_OUT_OF_RANGE', 1], ['CORRUPT_MESSAGE', 2],
    ['UNKNOWN_TOPIC_OR_PARTITION', 3], ['LEADER_NOT_AVAILABLE', 5], ['NOT_LEADER_OR_FOLLOWER', 6],
    ['REQUEST_TIMED_OUT', 7], ['MESSAGE_TOO_LARGE', 10], ['INVALID_TOPIC_EXCEPTION', 17],
    ['RECORD_LIST_TOO_LARGE', 18], ['NOT_ENOUGH_REPLICAS', 19], ['INVALID_REQUIRED_ACKS', 21],
    ['CLUSTER_AUTHORIZATION_FAILED', 31], ['INVALID_TIMESTAMP', 32], ['UNSUPPORTED_VERSION', 35],
    ['TOPIC_ALREADY_EXISTS', 36], ['INVALID_PARTITIONS', 37], ['INVALID_REPLICATION_FACTOR', 38],
    ['INVALID_CONFIG', 40], ['NOT_CONTROLLER', 41], ['INVALID_REQUEST', 42], ['UNSUPPORTED_FOR_MESSAGE_FORMAT', 43],
    ['POLICY_VIOLATION', 44], ['KAFKA_STORAGE_ERROR', 56], ['UNSUPPORTED_COMPRESSION_TYPE', 76],
    ['INVALID_RECORD', 87], ['UNKNOWN_TOPIC_ID', 100], ['INCONSISTENT_TOPIC_ID', 103], ['INVALID_REGISTRATION', 119],
  ];
  for (const [name, code] of expected) {
    assert.equal(ErrorCode[name as keyof typeof ErrorCode], code, name);
    assert.equal(errorName(code), name);
  }
});

test('the table is dense from -1 to 133 with unique names', () => {
  const codes = Object.values(ErrorCode).sort((a, b) => a - b);
  assert.deepEqual(codes, Array.from({ length: 135 }, (_, i) => i - 1));
  for (let code = -1; code <= 133; code++) assert.ok(isKnownErrorCode(code));
  assert.equal(isKnownErrorCode(500), false);
  assert.equal(errorName(500), 'UNKNOWN_SERVER_ERROR(500)');
});

test('retriable flags', () => {
  for (const code of [ErrorCode.CORRUPT_MESSAGE, ErrorCode.NOT_LEADER_OR_FOLLOWER, ErrorCode.REQUEST_TIMED_OUT,
    ErrorCode.NOT_ENOUGH_REPLICAS, ErrorCode.UNKNOWN_TOPIC_ID, ErrorCode.KAFKA_STORAGE_ERROR, ErrorCode.NOT_COORDINATOR]) {
    assert.ok(isRetriable(code), errorName(code));
  }
  for (const code of [ErrorCode.NONE, ErrorCode.UNKNOWN_SERVER_ERROR, ErrorCode.MESSAGE_TOO_LARGE,
    ErrorCode.INVALID_RECORD, ErrorCode.OFFSET_OUT_OF_RANGE, ErrorCode.TOPIC_ALREADY_EXISTS]) {
    assert.equal(isRetriable(code), false, errorName(code));
  }
});

test('KafkaError carries its code', () => {
  const error = new KafkaError(ErrorCode.CORRUPT_MESSAGE, 'bad crc');
  assert.ok(error instanceof Error);
  assert.equal(error.code, 2);
  assert.equal(error.name, 'KafkaError');
  assert.equal(error.message, 'bad crc');
  assert.equal(error.errorName, 'CORRUPT_MESSAGE');
  assert.equal(error.retriable, true);
  assert.equal(new KafkaError(ErrorCode.INVALID_RECORD).message, 'INVALID_RECORD');
  assert.equal(KafkaError.codeOf(error), 2);
  assert.equal(KafkaError.codeOf(new TypeError('x')), -1);
});
