import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { DecodeError, Reader } from '../../src/protocol/primitives/reader.ts';
import { Writer } from '../../src/protocol/primitives/writer.ts';
import { messageArbitrary } from './arbitraries.ts';
import { loadGeneratedCodecs } from './generated-codecs.ts';
import { DEFAULT_SPEC_DIR } from './main.ts';
import type { MessageSpec } from './spec.ts';
import { readSpecs } from './spec.ts';

// Decoders fed random or damaged input throw DecodeError (or succeed) and never read past the frame.
const specs = readSpecs(DEFAULT_SPEC_DIR);
const codecs = await loadGeneratedCodecs();
const NUM_RUNS = Number(process.env.FUZZ_RUNS ?? 40);

function decodesOrThrowsDecodeError(spec: MessageSpec, version: number, bytes: Buffer): void {
  // The frame sits inside a larger buffer: bytes past `end` must never be read.
  const framed = Buffer.concat([Buffer.from([0xee, 0xee]), bytes, Buffer.alloc(8, 0x7f)]);
  const r = new Reader(framed, 2, 2 + bytes.length);
  try {
    codecs.get(spec.name)!.decode(r, version);
  } catch (error) {
    if (!(error instanceof DecodeError)) {
      assert.fail(`${spec.name} v${version} threw ${String(error)} on ${bytes.toString('hex')}`);
    }
    return;
  }
  assert.ok(r.position <= 2 + bytes.length);
}

interface Mutation {
  readonly kind: 'flip' | 'truncate' | 'insert' | 'set';
  readonly at: number;
  readonly byte: number;
}

const mutation = fc.record({
  kind: fc.constantFrom<Mutation['kind']>('flip', 'truncate', 'insert', 'set'),
  at: fc.nat(),
  byte: fc.constantFrom(0x00, 0x01, 0x7f, 0x80, 0xfe, 0xff, 0x40),
});

function mutate(bytes: Buffer, mutations: readonly Mutation[]): Buffer {
  let out = Buffer.from(bytes);
  for (const m of mutations) {
    if (out.length === 0) break;
    const at = m.at % out.length;
    if (m.kind === 'flip') out[at] = out[at]! ^ (1 << (m.byte % 8));
    else if (m.kind === 'set') out[at] = m.byte;
    else if (m.kind === 'truncate') out = out.subarray(0, at);
    else out = Buffer.concat([out.subarray(0, at), Buffer.from([m.byte]), out.subarray(at)]);
  }
  return out;
}

test('random bytes: decoders only ever throw DecodeError', () => {
  for (const spec of specs) {
    for (let version = spec.validVersions.min; version <= spec.validVersions.max; version++) {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
          decodesOrThrowsDecodeError(spec, version, Buffer.from(bytes));
        }),
        { numRuns: NUM_RUNS, seed: 7 + version },
      );
    }
  }
});

test('mutated valid encodings: decoders only ever throw DecodeError', () => {
  for (const spec of specs) {
    const codec = codecs.get(spec.name)!;
    for (let version = spec.validVersions.min; version <= spec.validVersions.max; version++) {
      const encoded = messageArbitrary(spec, version, { maxArrayLength: 2 }).map((value) => {
        const w = new Writer();
        codec.encode(w, value, version);
        return w.toBuffer();
      });
      fc.assert(
        fc.property(encoded, fc.array(mutation, { minLength: 1, maxLength: 4 }), (bytes, mutations) => {
          decodesOrThrowsDecodeError(spec, version, mutate(bytes, mutations));
        }),
        { numRuns: NUM_RUNS, seed: 11 + version },
      );
    }
  }
});

test('a decoder asked for a version it does not have throws DecodeError', () => {
  for (const spec of specs) {
    const codec = codecs.get(spec.name)!;
    assert.throws(() => codec.decode(new Reader(Buffer.alloc(0)), spec.validVersions.max + 1), DecodeError);
    assert.throws(() => codec.encode(new Writer(), {}, spec.validVersions.max + 1), (e) => !(e instanceof DecodeError));
  }
});
