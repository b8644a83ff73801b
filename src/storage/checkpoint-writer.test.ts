import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { CheckpointWriter, CheckpointWriteSlots } from './checkpoint-writer.ts';
import { FileIoError } from './errors.ts';
import { tempDirSync } from '../../test/helpers/temp-dir.ts';

function checkpointFile(): string {
  return path.join(tempDirSync('samsa-checkpoint-writer-'), 'checkpoint');
}

test('many changes make few writes, and the file ends with the latest content', async () => {
  const file = checkpointFile();
  let state = 0;
  let renders = 0;
  const writer = new CheckpointWriter(file, () => { renders += 1; return `${state}\n`; }, (error) => { throw error; });
  for (let i = 1; i <= 1000; i++) {
    state = i;
    writer.changed();
    // Some changes land while a write is in flight, some between writes.
    if (i % 100 === 0) await new Promise((resolve) => setImmediate(resolve));
  }
  await writer.flush();
  assert.equal(fs.readFileSync(file, 'utf8'), '1000\n');
  assert.equal(writer.pending, false);
  assert.ok(writer.writes < 100, `${writer.writes} writes for 1000 changes`);
  assert.equal(renders, writer.writes, 'content is rendered once per write, as it starts');
  assert.deepEqual(fs.readdirSync(path.dirname(file)), ['checkpoint'], 'no temporary file is left');
});

test('a synchronous flush wins over an older asynchronous write still in flight', async () => {
  const file = checkpointFile();
  let state = 'old';
  const writer = new CheckpointWriter(file, () => `${state}\n`, (error) => { throw error; });
  writer.changed();
  await new Promise((resolve) => setImmediate(resolve)); // the asynchronous write has rendered 'old'
  state = 'new';
  writer.flushSync();
  assert.equal(fs.readFileSync(file, 'utf8'), 'new\n');
  await writer.flush();
  assert.equal(fs.readFileSync(file, 'utf8'), 'new\n', 'the older write did not rename over the newer one');
  assert.deepEqual(fs.readdirSync(path.dirname(file)), ['checkpoint']);
  writer.flushSync();
  assert.equal(writer.writes, 1, 'nothing pending: a flush writes nothing');
});

test('a failed write is reported once as a FileIoError and nothing more is written', async () => {
  const file = checkpointFile();
  fs.mkdirSync(`${file}.async.tmp`); // the temporary file cannot be opened for writing
  const errors: unknown[] = [];
  const writer = new CheckpointWriter(file, () => 'x\n', (error) => errors.push(error));
  writer.changed();
  await writer.flush();
  assert.equal(errors.length, 1);
  assert.ok(errors[0] instanceof FileIoError);
  assert.match((errors[0] as Error).message, /write checkpoint .*checkpoint failed/);
  writer.changed();
  await writer.flush();
  writer.flushSync();
  assert.equal(errors.length, 1);
  assert.equal(fs.existsSync(file), false);
});

test('shared slots bound the writes in flight across writers; each renders when its turn comes', async () => {
  const dir = path.dirname(checkpointFile());
  const slots = new CheckpointWriteSlots(2);
  let inFlight = 0;
  let peak = 0;
  const state = new Map<number, number>();
  const writers = Array.from({ length: 20 }, (_, i) => new CheckpointWriter(path.join(dir, `c${i}`), () => {
    inFlight += 1;
    peak = Math.max(peak, inFlight);
    setImmediate(() => { inFlight -= 1; }); // the write is under way until the next turn of the loop at least
    return `${state.get(i)}\n`;
  }, (error) => { throw error; }, { slots }));
  writers.forEach((writer, i) => { state.set(i, 1); writer.changed(); });
  writers.forEach((writer, i) => { state.set(i, 2); writer.changed(); });
  await Promise.all(writers.map((writer) => writer.flush()));
  assert.ok(peak <= 2, `peak of ${peak} writes rendered at once`);
  for (let i = 0; i < 20; i++) assert.equal(fs.readFileSync(path.join(dir, `c${i}`), 'utf8'), '2\n');
});

test('an abandoned writer (its log deleted) writes nothing more and reports nothing of a write its directory lost', async () => {
  const file = path.join(tempDirSync('samsa-checkpoint-writer-'), 'log', 'checkpoint');
  fs.mkdirSync(path.dirname(file));
  const errors: unknown[] = [];
  const writer = new CheckpointWriter(file, () => 'x\n', (error) => errors.push(error));
  writer.changed();
  // The directory goes while the write is under way, as a deleted log's does.
  fs.rmSync(path.dirname(file), { recursive: true });
  writer.abandon();
  await writer.flush();
  writer.changed();
  assert.equal(writer.pending, false);
  assert.deepEqual(errors, []);
});
