import assert from 'node:assert/strict';
import { test } from 'node:test';
import { apiSpec, apiSpecs, ApiKey, requestHeaderVersion, responseHeaderVersion } from '../../src/protocol/generated/api-keys.ts';
import { apiVersionsRequest, apiVersionsResponse } from '../../src/protocol/generated/api-versions.ts';
import { metadataRequest, metadataResponse } from '../../src/protocol/generated/metadata.ts';
import { produceRequest } from '../../src/protocol/generated/produce.ts';
import { requestHeader } from '../../src/protocol/generated/request-header.ts';
import { responseHeader } from '../../src/protocol/generated/response-header.ts';
import type { MessageCodec } from '../../src/protocol/primitives/message-codec.ts';
import { Reader } from '../../src/protocol/primitives/reader.ts';
import { Writer } from '../../src/protocol/primitives/writer.ts';

// Byte vectors written by hand from the specs and the README's encoding rules.

function encode<T>(codec: MessageCodec<T>, value: T, version: number): string {
  const w = new Writer();
  codec.encode(w, value, version);
  return w.toBuffer().toString('hex');
}

function decode<T>(codec: MessageCodec<T>, hex: string, version: number): T {
  const r = new Reader(Buffer.from(hex.replace(/\s+/g, ''), 'hex'));
  const value = codec.decode(r, version);
  assert.equal(r.remaining, 0);
  return value;
}

test('ApiVersionsRequest v0 has an empty body; v3 has compact strings and a tag section', () => {
  assert.equal(encode(apiVersionsRequest, {}, 0), '');
  assert.deepEqual(decode(apiVersionsRequest, '', 0), { clientSoftwareName: '', clientSoftwareVersion: '' });
  const v3 = '0278' + '0231' + '00';
  assert.equal(encode(apiVersionsRequest, { clientSoftwareName: 'x', clientSoftwareVersion: '1' }, 3), v3);
  assert.deepEqual(decode(apiVersionsRequest, v3, 3), { clientSoftwareName: 'x', clientSoftwareVersion: '1' });
});

test('ApiVersionsResponse v0 and v3', () => {
  const apiKeys = [{ apiKey: 18, minVersion: 0, maxVersion: 4 }];
  // errorCode int16, apiKeys int32 count + (apiKey, minVersion, maxVersion) int16s.
  const v0 = '0000' + '00000001' + '0012 0000 0004';
  assert.equal(encode(apiVersionsResponse, { errorCode: 0, apiKeys }, 0), v0.replace(/ /g, ''));
  assert.deepEqual(decode(apiVersionsResponse, v0, 0).apiKeys, apiKeys);
  // v3: compact array (count+1), a tag section per element, throttleTimeMs, then the message's tag
  // section holding FinalizedFeaturesEpoch (tag 1, 8 bytes) because it differs from its default -1.
  const v3 = '0023' + '02' + '0012 0000 0004 00' + '00000064' + '01 01 08 0000000000000007';
  const value = { errorCode: 35, apiKeys, throttleTimeMs: 100, finalizedFeaturesEpoch: 7n };
  assert.equal(encode(apiVersionsResponse, value, 3), v3.replace(/ /g, ''));
  assert.deepEqual(decode(apiVersionsResponse, v3, 3), {
    ...value,
    supportedFeatures: [],
    finalizedFeatures: [],
    zkMigrationReady: false,
  });
  // Unknown tags are skipped.
  const unknownTag = '0000' + '01' + '00000000' + '01 1f 02 abcd';
  assert.deepEqual(decode(apiVersionsResponse, unknownTag, 3).apiKeys, []);
});

test('Metadata v0 request and response', () => {
  const request = '00000001' + '0003' + Buffer.from('foo').toString('hex');
  assert.equal(encode(metadataRequest, { topics: [{ name: 'foo' }] }, 0), request);
  // A null topic list means "all topics" only from v1; v0 cannot carry it.
  assert.throws(() => encode(metadataRequest, { topics: null }, 0));

  const response =
    '00000001' + '00000001' + '0001' + '68' + '00002384' + // brokers: nodeId 1, host "h", port 9092
    '00000001' + '0000' + '0001' + '74' + // topics: errorCode 0, name "t"
    '00000001' + '0000' + '00000000' + '00000001' + // partition 0: errorCode, partitionIndex, leaderId 1
    '00000001' + '00000001' + '00000001' + '00000001'; // replicaNodes [1], isrNodes [1]
  const value = decode(metadataResponse, response, 0);
  assert.deepEqual(value.brokers, [{ nodeId: 1, host: 'h', port: 9092, rack: null }]);
  assert.equal(value.topics[0]!.name, 't');
  assert.deepEqual(value.topics[0]!.partitions[0]!.replicaNodes, [1]);
  assert.equal(value.topics[0]!.partitions[0]!.leaderEpoch, -1);
  assert.equal(encode(metadataResponse, value, 0), response);
});

test('request header: ClientId keeps its int16 length in the flexible v2', () => {
  const header = { requestApiKey: 18, requestApiVersion: 3, correlationId: 7, clientId: 'ab' };
  assert.equal(encode(requestHeader, header, 2), '0012' + '0003' + '00000007' + '0002' + '6162' + '00');
  assert.equal(encode(requestHeader, header, 1), '0012' + '0003' + '00000007' + '0002' + '6162');
  assert.equal(encode(requestHeader, { ...header, clientId: null }, 1), '0012000300000007ffff');
  assert.deepEqual(decode(requestHeader, '0012000300000007ffff00', 2), { ...header, clientId: null });
  assert.equal(encode(responseHeader, { correlationId: 7 }, 1), '0000000700');
});

test('header versions follow the body flexibility, with the two exceptions', () => {
  assert.equal(requestHeaderVersion(ApiKey.Produce, 8), 1);
  assert.equal(requestHeaderVersion(ApiKey.Produce, 9), 2);
  assert.equal(requestHeaderVersion(ApiKey.ControlledShutdown, 0), 0);
  assert.equal(requestHeaderVersion(ApiKey.ApiVersions, 99), 2);
  assert.equal(requestHeaderVersion(ApiKey.SaslHandshake, 1), 1);
  assert.equal(responseHeaderVersion(ApiKey.Fetch, 12), 1);
  assert.equal(responseHeaderVersion(ApiKey.Fetch, 11), 0);
  assert.equal(responseHeaderVersion(ApiKey.ApiVersions, 3), 0);
});

test('the API table', () => {
  assert.equal(ApiKey.Produce, 0);
  assert.equal(ApiKey.DescribeConfigs, 32);
  assert.deepEqual(apiSpecs.map((s) => s.apiKey), [...apiSpecs.map((s) => s.apiKey)].sort((a, b) => a - b));
  const produce = apiSpec(0)!;
  assert.equal(produce.name, 'Produce');
  assert.equal(produce.request, produceRequest);
  assert.equal(produce.flexibleMinVersion, 9);
  assert.ok(produce.listeners.includes('broker'));
  assert.equal(apiSpec(ApiKey.SaslHandshake)!.flexibleMinVersion, Infinity);
  assert.equal(apiSpec(ApiKey.EndTxn)!.latestVersionUnstable, true);
  assert.equal(apiSpec(9999), undefined);
  assert.equal(apiSpec(-1), undefined);
});

test('fields a version lacks: non-ignorable values are refused, ignorable ones dropped', () => {
  // Produce TransactionalId is v3+ and not ignorable.
  const base = { acks: 1, timeoutMs: 1000, topicData: [] };
  assert.throws(() => encode(produceRequest, { ...base, transactionalId: 'tx' }, 2), /transactionalId/);
  assert.equal(encode(produceRequest, { ...base, transactionalId: null }, 2), '0001' + '000003e8' + '00000000');
  // ApiVersionsResponse ThrottleTimeMs is v1+ and ignorable.
  assert.equal(encode(apiVersionsResponse, { errorCode: 0, apiKeys: [], throttleTimeMs: 5 }, 0), '000000000000');
});

test('records are decoded as zero-copy views of the input', () => {
  const records = Buffer.alloc(5000, 1);
  const value = { acks: -1, timeoutMs: 30000, topicData: [{ name: 't', partitionData: [{ index: 0, records }] }] };
  const w = new Writer();
  produceRequest.encode(w, value, 9);
  assert.ok(w.toBuffers().some((chunk) => chunk.buffer === records.buffer), 'appended by reference');
  const input = w.toBuffer();
  const decoded = produceRequest.decode(new Reader(input), 9);
  const decodedRecords = decoded.topicData[0]!.partitionData[0]!.records!;
  assert.equal(decodedRecords.buffer, input.buffer);
  assert.deepEqual(decodedRecords, records);
});
