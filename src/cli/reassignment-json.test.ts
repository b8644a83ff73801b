import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UsageError } from './cli-io.ts';
import {
  formatAsReassignmentJson, parseBrokerList, parseExecuteReassignmentJson, parseReassignmentJson, parseTopicsToMoveJson,
} from './reassignment-json.ts';

const usage = (pattern: RegExp) => (e: unknown) => e instanceof UsageError && pattern.test(e.message);

test('the topics-to-move file gives the topic names; bad files say what is wrong', () => {
  assert.deepEqual(parseTopicsToMoveJson('{"version":1,"topics":[{"topic":"a"},{"topic":"b"}]}'), ['a', 'b']);
  // The version is optional, as in Kafka.
  assert.deepEqual(parseTopicsToMoveJson('{"topics":[{"topic":"a"}]}'), ['a']);
  assert.throws(() => parseTopicsToMoveJson('{"topics":'), usage(/topics-to-move JSON file is not valid JSON/));
  assert.throws(() => parseTopicsToMoveJson('[1]'), usage(/must be a JSON object/));
  assert.throws(() => parseTopicsToMoveJson('{"version":2,"topics":[{"topic":"a"}]}'), usage(/Not supported version field value 2/));
  assert.throws(() => parseTopicsToMoveJson('{"topics":{"topic":"a"}}'), usage(/"topics" must be an array/));
  assert.throws(() => parseTopicsToMoveJson('{"topics":[{"topic":"a"},{"name":"b"}]}'), usage(/topics\[1\] needs a "topic" name/));
  assert.throws(() => parseTopicsToMoveJson('{"topics":[{"topic":"a"},{"topic":"a"}]}'), usage(/List of topics to reassign contains duplicate entries: a$/));
  assert.throws(() => parseTopicsToMoveJson('{"version":1,"topic":[{"topic":"a"}]}'), usage(/names no topics/));
});

test('--broker-list takes distinct broker ids', () => {
  assert.deepEqual(parseBrokerList('1,2, 3'), [1, 2, 3]);
  assert.throws(() => parseBrokerList('1,,2'), usage(/--broker-list takes broker ids/));
  assert.throws(() => parseBrokerList('1,x'), usage(/not '1,x'/));
  assert.throws(() => parseBrokerList('1,2,1'), usage(/Broker list contains duplicate entries: 1$/));
});

test('a reassignment file: partitions with replicas, log_dirs optional and one per replica', () => {
  const file = parseReassignmentJson(JSON.stringify({
    version: 1,
    partitions: [
      { topic: 't', partition: 0, replicas: [1, 2], log_dirs: ['any', 'any'] },
      { topic: 't', partition: 1, replicas: [2, 3] },
      { topic: 'u', partition: 0, replicas: [3, 1], log_dirs: ['any', '/data/b'] },
    ],
  }));
  assert.deepEqual(file.partitions, [
    { topic: 't', partition: 0, replicas: [1, 2] }, { topic: 't', partition: 1, replicas: [2, 3] }, { topic: 'u', partition: 0, replicas: [3, 1] },
  ]);
  assert.deepEqual(file.logDirMoves, [{ topic: 'u', partition: 0, broker: 1, logDir: '/data/b' }]);
  assert.throws(() => parseReassignmentJson('{"partitions":[{"topic":"t","partition":0,"replicas":[1,2],"log_dirs":["any"]}]}'),
    usage(/^Size of replicas list \[1, 2\] is different from size of log dirs list \[any\] for partition t-0$/));
  assert.throws(() => parseReassignmentJson('{"partitions":[{"topic":"t","partition":-1,"replicas":[1]}]}'), usage(/partitions\[0\] needs a "partition" number/));
  assert.throws(() => parseReassignmentJson('{"partitions":[{"topic":"t","partition":0,"replicas":"1,2"}]}'), usage(/partitions\[0\] needs "replicas", an array of broker ids/));
  assert.throws(() => parseReassignmentJson('{"partitions":[{"partition":0,"replicas":[1]}]}'), usage(/partitions\[0\] needs a "topic" name/));
  assert.throws(() => parseReassignmentJson('{"partitions":[{"topic":"t","partition":0,"replicas":[1],"log_dirs":[7]}]}'), usage(/"log_dirs" must be an array of strings/));
  assert.throws(() => parseReassignmentJson('{"partitions":[null]}'), usage(/partitions\[0\] needs a "topic" name/));
});

test('--execute also refuses empty lists, repeated partitions and repeated replicas, with Kafka\'s messages', () => {
  const file = (partitions: unknown[]) => JSON.stringify({ version: 1, partitions });
  assert.throws(() => parseExecuteReassignmentJson(file([])), usage(/^Partition reassignment list cannot be empty$/));
  assert.throws(() => parseExecuteReassignmentJson(file([{ topic: 't', partition: 0, replicas: [] }])), usage(/^Partition replica list cannot be empty$/));
  assert.throws(() => parseExecuteReassignmentJson(file([{ topic: 't', partition: 0, replicas: [1] }, { topic: 't', partition: 0, replicas: [2] }])),
    usage(/^Partition reassignment contains duplicate topic partitions: t-0$/));
  assert.throws(() => parseExecuteReassignmentJson(file([{ topic: 't', partition: 0, replicas: [1, 2, 1] }, { topic: 't', partition: 1, replicas: [3, 3] }])),
    usage(/^Partition replica lists may not contain duplicate entries: t-0 contains multiple entries for 1\. t-1 contains multiple entries for 3$/));
});

test('a reassignment is written as Kafka writes it: compact, sorted by topic then partition, log_dirs "any"', () => {
  const text = formatAsReassignmentJson([
    { topic: 'b', partition: 0, replicas: [3] }, { topic: 'a', partition: 10, replicas: [1, 2] }, { topic: 'a', partition: 2, replicas: [2, 1] },
  ]);
  assert.equal(text, '{"version":1,"partitions":[' +
    '{"topic":"a","partition":2,"replicas":[2,1],"log_dirs":["any","any"]},' +
    '{"topic":"a","partition":10,"replicas":[1,2],"log_dirs":["any","any"]},' +
    '{"topic":"b","partition":0,"replicas":[3],"log_dirs":["any"]}]}');
  // What the tool writes it reads back.
  assert.deepEqual(parseExecuteReassignmentJson(text).partitions.map((p) => `${p.topic}-${p.partition}:${p.replicas}`), ['a-2:2,1', 'a-10:1,2', 'b-0:3']);
});
