import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { FrameReader } from './frame-reader.ts';

/** Plays `stream` into the reader as the socket would: each read fills at most what buffer() offers, at most `chunk` bytes. */
function feed(reader: FrameReader, stream: Buffer, chunks: readonly number[]): void {
  let at = 0;
  let i = 0;
  while (at < stream.length) {
    const target = reader.onread.buffer();
    assert.ok(target.length > 0, 'never an empty buffer (Node fails the read with ENOBUFS)');
    const n = Math.min(target.length, stream.length - at, Math.max(1, chunks[i++ % chunks.length]!));
    stream.copy(target, 0, at, at + n);
    at += n;
    reader.onread.callback(n);
  }
}

function framed(bodies: readonly Buffer[]): Buffer {
  return Buffer.concat(bodies.flatMap((body) => {
    const size = Buffer.alloc(4);
    size.writeInt32BE(body.length);
    return [size, body];
  }));
}

test('frames come out whole and in order however the stream is cut, small ones and ones larger than the scratch buffer', () => {
  const body = fc.oneof(
    fc.uint8Array({ minLength: 0, maxLength: 300 }),
    fc.integer({ min: 60_000, max: 200_000 }).map((n) => Uint8Array.from({ length: n }, (_, i) => (i * 31) & 0xff)),
  ).map((bytes) => Buffer.from(bytes));
  fc.assert(fc.property(fc.array(body, { minLength: 1, maxLength: 8 }), fc.array(fc.integer({ min: 1, max: 100_000 }), { minLength: 1, maxLength: 10 }), (bodies, chunks) => {
    const out: Buffer[] = [];
    const reader = new FrameReader({ maxFrameBytes: 1 << 20, onFrame: (frame) => out.push(Buffer.from(frame)), onBadSize: () => assert.fail('no bad size here') });
    feed(reader, framed(bodies), chunks);
    assert.equal(out.length, bodies.length);
    for (let i = 0; i < bodies.length; i++) assert.ok(out[i]!.equals(bodies[i]!), `frame ${i}`);
  }), { numRuns: 60 });
});

test('a frame handed out is not overwritten by the reads that follow it', () => {
  const out: Buffer[] = [];
  const reader = new FrameReader({ maxFrameBytes: 1 << 20, onFrame: (frame) => out.push(frame), onBadSize: () => assert.fail('no bad size here') });
  const bodies = [Buffer.alloc(10, 1), Buffer.alloc(70_000, 2), Buffer.alloc(10, 3), Buffer.alloc(10, 4)];
  feed(reader, framed(bodies), [7, 65_536, 3]);
  assert.deepEqual(out.map((frame, i) => frame.equals(bodies[i]!)), [true, true, true, true]);
});

test('a size below 4 or above the limit is reported once, and nothing after it is framed', () => {
  for (const size of [-1, 0, 3, (1 << 20) + 1]) {
    const frames: Buffer[] = [];
    const bad: number[] = [];
    const reader = new FrameReader({ maxFrameBytes: 1 << 20, minFrameBytes: 4, onFrame: (frame) => frames.push(frame), onBadSize: (s) => bad.push(s) });
    const prefix = Buffer.alloc(4);
    prefix.writeInt32BE(size);
    // Reads go on until the socket is destroyed: they must keep getting room, and be ignored.
    const stream = Buffer.concat([framed([Buffer.from('good')]), prefix, framed([Buffer.from('never')]), Buffer.alloc(200_000, 9)]);
    feed(reader, stream, [70_000]);
    assert.deepEqual(frames.map(String), ['good']);
    assert.deepEqual(bad, [size]);
  }
});
