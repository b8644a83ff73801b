import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { LOCK_FILE, LogDirLockedError, lockLogDirs } from './log-dir-lock.ts';
import { tempDirSync } from '../../test/helpers/temp-dir.ts';

function tempDir(): string {
  return tempDirSync('samsa-lock-');
}

const refusal = (dir: string, pid: number) =>
  new RegExp(`^Failed to acquire lock on file \\.lock in ${dir}\\. A Samsa broker in another process or thread \\(pid ${pid}\\) is using this directory\\.$`);

test('a held log dir is refused, under any path that names it, until released; .lock names the holder while held', async (t) => {
  const dir = tempDir();
  const link = `${dir}-link`;
  fs.symlinkSync(dir, link);
  t.after(() => {
    fs.rmSync(link);
    fs.rmSync(dir, { recursive: true });
  });
  const held = await lockLogDirs([path.join(dir, 'logs')]);
  assert.equal(fs.readFileSync(path.join(dir, 'logs', LOCK_FILE), 'utf8'), `${process.pid}\n`);

  for (const other of [path.join(dir, 'logs'), path.join(link, 'logs'), path.join(dir, '.', 'logs', '')]) {
    await assert.rejects(lockLogDirs([other]), (error: Error) => {
      assert.ok(error instanceof LogDirLockedError);
      assert.match(error.message, refusal(other, process.pid));
      return true;
    });
  }
  await held.release();
  await held.release();
  assert.equal(fs.existsSync(path.join(dir, 'logs', LOCK_FILE)), false, 'a clean release deletes .lock, as Kafka does');
  await (await lockLogDirs([path.join(link, 'logs')])).release();
});

test('a start that finds one of its dirs held lets go of the ones it had locked', async (t) => {
  const [free, held] = [tempDir(), tempDir()];
  t.after(() => [free, held].forEach((dir) => fs.rmSync(dir, { recursive: true })));
  const holder = await lockLogDirs([held]);
  await assert.rejects(lockLogDirs([free, held]), LogDirLockedError);
  const both = await lockLogDirs([free]);
  await both.release();
  await holder.release();
});

test('the lock dies with its process, even by SIGKILL, leaving a .lock that does not hold anyone', async (t) => {
  const dir = tempDir();
  t.after(() => fs.rmSync(dir, { recursive: true }));
  const lockModule = new URL('./log-dir-lock.ts', import.meta.url).href;
  const child = spawn(process.execPath, ['--input-type=module', '-e',
    `const { lockLogDirs } = await import(${JSON.stringify(lockModule)}); await lockLogDirs([${JSON.stringify(dir)}]);`
    + ' process.stdout.write("locked\\n"); setInterval(() => {}, 1000);'], { stdio: ['ignore', 'pipe', 'inherit'] });
  t.after(() => child.kill('SIGKILL'));
  await once(child.stdout!, 'data');
  await assert.rejects(lockLogDirs([dir]), (error: Error) => refusal(dir, child.pid!).test(error.message));
  child.kill('SIGKILL');
  await once(child, 'exit');
  assert.equal(fs.readFileSync(path.join(dir, LOCK_FILE), 'utf8'), `${child.pid}\n`);
  await (await lockLogDirs([dir])).release();
});

test('without abstract sockets (not Linux), .lock holds the PID and only a live PID keeps the lock', async (t) => {
  const dir = tempDir();
  t.after(() => fs.rmSync(dir, { recursive: true }));
  const alive = new Set([101]);
  const options = (pid: number) => ({ platform: 'darwin' as const, pid, isAlive: (p: number) => alive.has(p) });
  // Held by 101, which then dies without releasing.
  await lockLogDirs([dir], options(101));
  await assert.rejects(lockLogDirs([dir], options(102)), (error: Error) => refusal(dir, 101).test(error.message));
  alive.delete(101);
  const taken = await lockLogDirs([dir], options(102));
  assert.equal(fs.readFileSync(path.join(dir, LOCK_FILE), 'utf8'), '102\n');
  await taken.release();
});
