import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isUuid, randomUuid, uuidFromBytes, uuidToBytes, ZERO_UUID } from './uuid.ts';

test('uuids are 22-character URL-safe base64 of 16 bytes', () => {
  assert.equal(uuidFromBytes(Buffer.alloc(16)), ZERO_UUID);
  assert.deepEqual(uuidToBytes(ZERO_UUID), Buffer.alloc(16));
  const bytes = Buffer.from('000102030405060708090a0b0c0d0e0f', 'hex');
  assert.deepEqual(uuidToBytes(uuidFromBytes(bytes)), bytes);
  assert.ok(!isUuid('AAAAAAAAAAAAAAAAAAAAAB'), 'trailing bits must be zero');
  assert.ok(!isUuid('AAAA'));
  assert.throws(() => uuidToBytes('AAAAAAAAAAAAAAAAAAAAA='));
});

test('randomUuid: version 4, never zero, never starting with "-"', () => {
  const fixed = (fill: number) => () => Buffer.alloc(16, fill);
  const u = randomUuid(fixed(0xab));
  assert.ok(isUuid(u));
  const raw = uuidToBytes(u);
  assert.equal(raw[6]! >> 4, 4);
  assert.equal(raw[8]! >> 6, 2);
  assert.notEqual(randomUuid(), randomUuid());
  // Bytes whose encoding starts with '-' (0xf8 >> 2 = 62) are drawn again.
  let calls = 0;
  const id = randomUuid(() => (calls++ === 0 ? Buffer.alloc(16, 0xf8) : Buffer.alloc(16, 0x11)));
  assert.equal(calls, 2);
  assert.ok(!id.startsWith('-'));
});
