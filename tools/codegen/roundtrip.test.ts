import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { Reader } from '../../src/protocol/primitives/reader.ts';
import { Writer } from '../../src/protocol/primitives/writer.ts';
import { messageArbitrary } from './arbitraries.ts';
import { loadGeneratedCodecs } from './generated-codecs.ts';
import { DEFAULT_SPEC_DIR } from './main.ts';
import { readSpecs } from './spec.ts';

// Every message, every version: decode(encode(x)) is x and uses exactly the bytes written.
const specs = readSpecs(DEFAULT_SPEC_DIR);
const codecs = await loadGeneratedCodecs();
const NUM_RUNS = Number(process.env.ROUNDTRIP_RUNS ?? 40);

test('every spec has a generated codec with its versions', () => {
  for (const spec of specs) {
    const codec = codecs.get(spec.name);
    assert.ok(codec, spec.name);
    assert.equal(codec.minVersion, spec.validVersions.min);
    assert.equal(codec.maxVersion, spec.validVersions.max);
    assert.equal(codec.apiKey, spec.apiKey);
  }
});

test('decode(encode(x)) deep-equals x for every message and version', () => {
  for (const spec of specs) {
    const codec = codecs.get(spec.name)!;
    for (let version = spec.validVersions.min; version <= spec.validVersions.max; version++) {
      fc.assert(
        fc.property(messageArbitrary(spec, version), (value) => {
          const w = new Writer();
          codec.encode(w, value, version);
          const chunks = w.toBuffers();
          const bytes = w.toBuffer();
          assert.equal(bytes.length, w.length);
          assert.equal(chunks.reduce((n, c) => n + c.length, 0), w.length);
          const r = new Reader(bytes);
          const decoded = codec.decode(r, version);
          assert.equal(r.remaining, 0, `${spec.name} v${version} left ${r.remaining} bytes`);
          assert.deepStrictEqual(decoded, value, `${spec.name} v${version}`);
        }),
        { numRuns: NUM_RUNS, seed: 42 + version },
      );
    }
  }
});
