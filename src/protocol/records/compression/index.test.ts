import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compressSync as rawSnappyCompress } from 'snappy';
import { compressFrameSync } from 'lz4-napi';
import { gzipSync, zstdCompressSync } from 'node:zlib';
import fc from 'fast-check';
import { ErrorCode, KafkaError } from '../../errors.ts';
import { CompressionType } from '../batch-header.ts';
import { compress, compressAsync, decompress, decompressAsync } from './index.ts';
import { XERIAL_MAGIC } from './snappy.ts';

const CODECS = [CompressionType.none, CompressionType.gzip, CompressionType.snappy, CompressionType.lz4, CompressionType.zstd];
const MB = 1024 * 1024;

function isCorrupt(error: unknown): boolean {
  return error instanceof KafkaError && error.code === ErrorCode.CORRUPT_MESSAGE;
}

test('every codec round-trips arbitrary data', () => {
  fc.assert(fc.property(fc.constantFrom(...CODECS), fc.uint8Array({ maxLength: 5000 }), (type, bytes) => {
    const data = Buffer.from(bytes);
    assert.deepEqual(decompress(type, compress(type, data), data.length), data);
  }), { numRuns: 300 });
});

test('large inputs span several snappy and lz4 blocks', () => {
  const data = Buffer.alloc(300_000);
  for (let i = 0; i < data.length; i++) data[i] = (i * 31) % 251 < 90 ? 65 : i % 17;
  for (const type of CODECS) assert.ok(decompress(type, compress(type, data), data.length).equals(data), String(type));
});

test('snappy is written with the xerial framing Kafka uses', () => {
  const framed = compress(CompressionType.snappy, Buffer.from('hello'));
  assert.deepEqual(framed.subarray(0, 8), XERIAL_MAGIC);
  assert.equal(framed.readInt32BE(8), 1);
  assert.equal(framed.readInt32BE(12), 1);
  assert.equal(framed.readInt32BE(16), framed.length - 20);
});

test('a hand-made xerial-framed buffer decodes', () => {
  // Two blocks of literal-only raw snappy: preamble varint length, then tag (len-1)<<2 and the bytes.
  const framed = Buffer.from([
    0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00, 0, 0, 0, 1, 0, 0, 0, 1,
    0, 0, 0, 7, 0x05, 0x10, 0x68, 0x65, 0x6c, 0x6c, 0x6f, // "hello"
    0, 0, 0, 8, 0x06, 0x14, 0x20, 0x77, 0x6f, 0x72, 0x6c, 0x64, // " world"
  ]);
  assert.equal(decompress(CompressionType.snappy, framed, 100).toString(), 'hello world');
});

test('raw (unframed) snappy from other clients decodes too', () => {
  assert.equal(decompress(CompressionType.snappy, Buffer.from([0x05, 0x10, 0x68, 0x65, 0x6c, 0x6c, 0x6f]), 100).toString(), 'hello');
  const data = Buffer.from('raw snappy '.repeat(1000));
  assert.deepEqual(decompress(CompressionType.snappy, rawSnappyCompress(data), data.length), data);
});

test('lz4 frames with linked blocks and checksums (lz4 CLI -BD -BX) decode', () => {
  const frame = Buffer.from('BCJNGFRArvIEAAD/////3HNlZGRpaXFianl4cm9ndnBpcGNyaXZzaGFjd2xrZ2NybnBjdmdncXludWNhaHltenFjdXB1aHVwYndwc2xtbHl1cG90a2VqdXpsZmhtd2t2Y3BhaWVmd2p2d2RhZ2NuZHZiZXdmbHJqZm9mc2t5dmNsZmhsdWlheG5yaGVqYWtkeGVraHRpYWxrcWdrY2pubXFveXp6ZGdiYWhnZHBhZXFheWtyamltc29xcWRkc21rcm1rb250bGRmd3ZseW1rdXNubmdvbmhpZnJ0bGZpdm14andqdGt4a3NtdG9ld3BxbHZ1cW5paGRmeWxzaGVyYWRsanZrZW1reGZ1bGlybXNtcHRtZ2VpaGxxc2p4bnhpaXZ3bGttb2V6eXl3andhZG5mYWptcHJhanBtdGN2eW5reHdqZ3hvaG1pdm10YXhjYWRheXB2Y2p2anliaGN5ZW9oam9leG9jc2J5YnZ2bGJwYm1yaHBiZWdubXZsZHZ1Y2hnYnpxb2N4b3FkYXRsY2J3dmtidnViYmRpbmNib2FpaGZyYndsc3VkZXZwY3dpc3hic3h2c3VkcGVkaWZyd21tc3F0dG5icHVqd2VtYWdxdnhpb3hjZnJidGZuaHNzaGNjZGliaXdoZ3Z6am5nc3d4YWdhaHF2anV0b3p5dHh3dmN6ZG1tanF0Ynd4emlmeWVzZ2Zhd3Z3b3FwbnZuZ2p2bW1hd3RuYWVrcWFvb3dpemhoZHlmeHd6anJrdnhtbmRsanBiZmRiaXR5YmJ6cXFkc210a3hqaWR0anhzcWdsbW5kZnNjZmhza3p2b3VtZHhwcG1uempsd3dkbHBrem1ndGZmemRlcmtwbnRwc2JwZGhjYmlkaXR6Z256ZWljd3VwZHBzdWNpZWhuY2VlZHBhYWxxeWFvYWx2cWNmYWh2Z2lncnh4eGNsbmhucWtiZHJidm1jc3lxZ2ZlcnNlZm1oeml0ZmhlaWF5Z3Fzemt2eWNzZHhweXNnbGJydXNmdXlvcXR3cGhja3Fubm9oZXl2eWZpcXV0eGV1eG1ldXdobHNtd3lidWJodGt6dnRxZHJiZXdvaHZ0dGF1eGpiZHJlb2tseXhmcG1xcWFqbGR1d2twYXprbG1vZW13bGhoZHBmdHhrd3VwYXlhbXBpYmFlY2h4ZHRnYWd3Z3llb25zcnR0Y25xZmZma2luY3dkY2dlZ2tyeXp5aWJhY3B3Y2Jyc2NneW14bm1zYWd2bndkY25pemVocWR1Z2tlemZweGF3eHptZ2RwaHVkaHJ4bGJ5Y3NvZXF4ZHp6eWNmZnl1Z2hldnVlcmRoYmFkYWhyamJmcHdtYW3oA/////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////xQbWF3dG5CVEucQgAAAA/o/f//////////////////////////////////////////////////////////////////////////oFBwd21hbZVwBqAAAAAAtcIAKg==', 'base64');
  const chunk = Buffer.alloc(1000);
  let seed = 12345;
  for (let i = 0; i < chunk.length; i++) {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    chunk[i] = 97 + (seed >> 16) % 26;
  }
  const expected = Buffer.concat(Array.from({ length: 80 }, () => chunk));
  assert.deepEqual(decompress(CompressionType.lz4, frame, expected.length), expected);
  assert.throws(() => decompress(CompressionType.lz4, frame, expected.length - 1), isCorrupt);
});

test('decompression bombs stop at maxBytes', () => {
  const zeros = Buffer.alloc(64 * MB);
  const bombs: [number, Buffer][] = [
    [CompressionType.gzip, gzipSync(zeros)],
    [CompressionType.zstd, zstdCompressSync(zeros)],
    [CompressionType.lz4, compressFrameSync(zeros)],
    [CompressionType.snappy, compress(CompressionType.snappy, zeros)],
    // A raw snappy block whose preamble claims 4 GiB: refused before anything is allocated.
    [CompressionType.snappy, Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f, 0x00])],
  ];
  for (const [type, bomb] of bombs) {
    assert.ok(bomb.length < 4 * MB);
    assert.throws(() => decompress(type, bomb, MB), isCorrupt, String(type));
  }
  // An lz4 frame that declares a huge content size.
  const declared = Buffer.from([0x04, 0x22, 0x4d, 0x18, 0x68, 0x40, 0, 0, 0, 0, 0, 1, 0, 0, 0x00, 0, 0, 0, 0]);
  assert.throws(() => decompress(CompressionType.lz4, declared, MB), isCorrupt);
});

test('garbage throws CORRUPT_MESSAGE, never anything else', () => {
  fc.assert(fc.property(fc.constantFrom(...CODECS.slice(1)), fc.uint8Array({ maxLength: 300 }), (type, bytes) => {
    try {
      decompress(type, Buffer.from(bytes), MB);
    } catch (error) {
      assert.ok(isCorrupt(error), String(error));
    }
  }), { numRuns: 2000 });
});

test('mutated compressed data throws only CORRUPT_MESSAGE', () => {
  const data = Buffer.from('kafka record batch payload '.repeat(200));
  fc.assert(fc.property(
    fc.constantFrom(...CODECS.slice(1)), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
    fc.nat(),
    (type, flips, cut) => {
      const compressed = Buffer.from(compress(type, data));
      for (const [at, byte] of flips) compressed[at % compressed.length] = byte;
      const input = cut % 3 === 0 ? compressed.subarray(0, cut % compressed.length) : compressed;
      try {
        decompress(type, input, MB);
      } catch (error) {
        assert.ok(isCorrupt(error), String(error));
      }
    },
  ), { numRuns: 2000 });
});

test('unknown codec ids are UNSUPPORTED_COMPRESSION_TYPE', () => {
  for (const type of [5, 6, 7]) {
    assert.throws(() => compress(type, Buffer.alloc(1)), (e) => e instanceof KafkaError && e.code === ErrorCode.UNSUPPORTED_COMPRESSION_TYPE);
    assert.throws(() => decompress(type, Buffer.alloc(1), 10), (e) => e instanceof KafkaError && e.code === ErrorCode.UNSUPPORTED_COMPRESSION_TYPE);
  }
});

test('async variants agree with the sync ones and keep the cap', async () => {
  const data = Buffer.from('async compression '.repeat(5000));
  for (const type of CODECS) {
    const compressed = await compressAsync(type, data);
    assert.deepEqual(await decompressAsync(type, compressed, data.length), data);
    assert.deepEqual(decompress(type, compressed, data.length), data);
    await assert.rejects(decompressAsync(type, compressed, 1000), isCorrupt);
  }
  await assert.rejects(decompressAsync(CompressionType.gzip, Buffer.from('nope'), 1000), isCorrupt);
  await assert.rejects(decompressAsync(7, Buffer.from('nope'), 1000), (e) => e instanceof KafkaError && e.code === ErrorCode.UNSUPPORTED_COMPRESSION_TYPE);
});
