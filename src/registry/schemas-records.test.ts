import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { COMPATIBILITY_LEVELS } from './compatibility.ts';
import { RegistryState } from './registry-state.ts';
import { decodeRecord, encodeKey, encodeValue, MODES, type RegistryRecord } from './schemas-records.ts';

const subject = fc.string({ minLength: 1, maxLength: 20 });
const reference = fc.record({ name: fc.string({ maxLength: 10 }), subject, version: fc.integer({ min: 1, max: 1000 }) });

const record: fc.Arbitrary<RegistryRecord> = fc.oneof(
  fc.record({ subject, version: fc.integer({ min: 1, max: 2 ** 31 - 1 }), tombstone: fc.boolean() }).chain(({ subject: s, version, tombstone }) =>
    (tombstone ? fc.constant(null) : fc.record({
      id: fc.integer({ min: 0, max: 2 ** 31 - 1 }), schemaType: fc.constantFrom('AVRO', 'JSON', 'PROTOBUF') as fc.Arbitrary<'AVRO' | 'JSON' | 'PROTOBUF'>,
      schema: fc.string(), references: fc.array(reference, { maxLength: 3 }), deleted: fc.boolean(),
    })).map((v) => ({ key: { keytype: 'SCHEMA', subject: s, version }, value: v === null ? null : { subject: s, version, ...v } }) as RegistryRecord)),
  fc.record({
    subject: fc.option(subject, { nil: null }),
    value: fc.option(fc.record({
      compatibilityLevel: fc.option(fc.constantFrom(...COMPATIBILITY_LEVELS), { nil: null }), normalize: fc.option(fc.boolean(), { nil: null }),
    }), { nil: null }),
  }).map(({ subject: s, value }) => ({ key: { keytype: 'CONFIG', subject: s }, value }) as RegistryRecord),
  fc.record({ subject: fc.option(subject, { nil: null }), mode: fc.option(fc.constantFrom(...MODES), { nil: null }) })
    .map(({ subject: s, mode }) => ({ key: { keytype: 'MODE', subject: s }, value: mode === null ? null : { mode } }) as RegistryRecord),
  fc.record({ subject, version: fc.integer({ min: 1, max: 1000 }) })
    .map(({ subject: s, version }) => ({ key: { keytype: 'DELETE_SUBJECT', subject: s }, value: { subject: s, version } }) as RegistryRecord),
  fc.constant({ key: { keytype: 'NOOP' }, value: null } as RegistryRecord),
);

const bytes = (text: string | null) => (text === null ? null : Buffer.from(text));

test('a record encoded as Confluent writes it decodes to itself (property)', () => {
  fc.assert(fc.property(record, (r) => {
    assert.deepEqual(decodeRecord(bytes(encodeKey(r.key)), bytes(encodeValue(r))), JSON.parse(JSON.stringify(r)));
  }), { numRuns: 2000 });
});

test("keys are Confluent's bytes: field order and magic", () => {
  assert.equal(encodeKey({ keytype: 'SCHEMA', subject: 's', version: 3 }), '{"keytype":"SCHEMA","subject":"s","version":3,"magic":1}');
  assert.equal(encodeKey({ keytype: 'CONFIG', subject: null }), '{"keytype":"CONFIG","subject":null,"magic":0}');
  assert.equal(encodeKey({ keytype: 'MODE', subject: 'm' }), '{"keytype":"MODE","subject":"m","magic":0}');
  assert.equal(encodeKey({ keytype: 'DELETE_SUBJECT', subject: 'd' }), '{"keytype":"DELETE_SUBJECT","subject":"d","magic":0}');
  assert.equal(encodeKey({ keytype: 'NOOP' }), '{"keytype":"NOOP","magic":0}');
  const value = encodeValue({
    key: { keytype: 'SCHEMA', subject: 's', version: 1 },
    value: { subject: 's', version: 1, id: 4, schemaType: 'AVRO', schema: '"int"', references: [], deleted: false },
  });
  assert.equal(value, '{"subject":"s","version":1,"id":4,"schema":"\\"int\\"","references":[],"deleted":false}');
});

test('fuzz: random and mutated bytes decode to a record or null, never throw (property)', () => {
  const mutated = fc.tuple(record, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }), fc.boolean()).map(([r, edits, inKey]) => {
    const key = Buffer.from(encodeKey(r.key));
    const value = bytes(encodeValue(r));
    const target = inKey || value === null ? key : value;
    for (const [at, byte] of edits) if (target.length > 0) target[at % target.length] = byte;
    return [key, value] as const;
  });
  fc.assert(fc.property(fc.oneof(mutated, fc.tuple(fc.uint8Array({ maxLength: 64 }).map(Buffer.from), fc.option(fc.uint8Array({ maxLength: 64 }).map(Buffer.from), { nil: null }))), ([key, value]) => {
    const decoded = decodeRecord(key, value);
    if (decoded !== null) new RegistryState().replay(decoded);
  }), { numRuns: 3000 });
});

test('replay: soft deletes, DELETE_SUBJECT, tombstones, ids shared by identical schemas and the highest id', () => {
  const state = new RegistryState();
  const schema = (s: string, version: number, id: number, text: string, deleted = false): RegistryRecord =>
    ({ key: { keytype: 'SCHEMA', subject: s, version }, value: { subject: s, version, id, schemaType: 'AVRO', schema: text, references: [], deleted } });
  state.replay(schema('a', 1, 1, '"int"'));
  state.replay(schema('b', 1, 1, '"int"'));
  state.replay(schema('a', 2, 3, '"long"'));
  assert.equal(state.idOf('AVRO', '"int"', []), 1);
  assert.equal(state.maxId, 3);
  assert.deepEqual(state.usesOfId(1).map((v) => v.subject), ['a', 'b']);
  state.replay({ key: { keytype: 'DELETE_SUBJECT', subject: 'a' }, value: { subject: 'a', version: 2 } });
  assert.deepEqual(state.subjects(), ['b']);
  assert.deepEqual(state.versions('a', true).map((v) => v.deleted), [true, true]);
  state.replay({ key: { keytype: 'SCHEMA', subject: 'a', version: 2 }, value: null });
  assert.equal(state.schemaById(3), undefined, 'an id no version uses any more is gone');
  assert.equal(state.maxId, 3, 'but new ids still count from above it');
  assert.ok(state.schemaById(1));
  state.replay({ key: { keytype: 'CONFIG', subject: null }, value: { compatibilityLevel: 'FULL', normalize: null } });
  state.replay({ key: { keytype: 'CONFIG', subject: 'b' }, value: { compatibilityLevel: 'NONE', normalize: true } });
  assert.equal(state.compatibilityOf('b'), 'NONE');
  assert.equal(state.compatibilityOf('a'), 'FULL');
  assert.equal(state.normalizeOf('b'), true);
  state.replay({ key: { keytype: 'CONFIG', subject: 'b' }, value: null });
  assert.equal(state.compatibilityOf('b'), 'FULL');
  state.replay({ key: { keytype: 'MODE', subject: null }, value: { mode: 'READONLY' } });
  assert.equal(state.modeOf('b'), 'READONLY');
});
