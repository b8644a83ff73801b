import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { ErrorCode } from '../protocol/errors.ts';
import { buildBatch, readRecords } from './batch-fixture.ts';
import { StorageError } from './errors.ts';
import { nodeFileIo, type FileIo } from './file-handle-pool.ts';
import { logConfig } from './log-config.ts';
import { LogManager } from './log-manager.ts';
import { tempDirSync } from '../../test/helpers/temp-dir.ts';

const identity = { nodeId: 1, clusterId: 'MkU3OEVBNTcwNTJENDM2Qg' };

function tempDirs(count: number): string[] {
  const root = tempDirSync('samsa-dirs-');
  return Array.from({ length: count }, (_, i) => path.join(root, `dir${i}`));
}

function errno(code: string): Error {
  return Object.assign(new Error(`${code}: simulated`), { code });
}

/** Real file I/O that fails on demand for files under one directory, as a failing disk would. */
function faultyIo(): FileIo & { failDir?: string; failOn?: 'write' | 'read'; fsyncs: number } {
  const paths = new Map<number, string>();
  const failing = (fd: number): boolean => io.failDir !== undefined && (paths.get(fd) ?? '').startsWith(io.failDir);
  const io = {
    failDir: undefined as string | undefined,
    failOn: undefined as 'write' | 'read' | undefined,
    fsyncs: 0,
    open(file: string) {
      const fd = nodeFileIo.open(file);
      paths.set(fd, file);
      return fd;
    },
    close(fd: number) {
      paths.delete(fd);
      nodeFileIo.close(fd);
    },
    read(fd: number, buffer: Buffer, offset: number, length: number, position: number) {
      if (io.failOn === 'read' && failing(fd)) throw errno('EIO');
      return nodeFileIo.read(fd, buffer, offset, length, position);
    },
    write(fd: number, buffer: Buffer, offset: number, length: number, position: number) {
      if (io.failOn === 'write' && failing(fd)) {
        // The disk fills up in the middle of the batch: half of it lands, then ENOSPC.
        if (length > 1) return nodeFileIo.write(fd, buffer, offset, Math.floor(length / 2), position);
        throw errno('ENOSPC');
      }
      return nodeFileIo.write(fd, buffer, offset, length, position);
    },
    fsync(fd: number) {
      io.fsyncs += 1;
      nodeFileIo.fsync(fd);
    },
    ftruncate: nodeFileIo.ftruncate,
    size: nodeFileIo.size,
    readAsync(fd: number, buffer: Buffer, offset: number, length: number, position: number) {
      if (io.failOn === 'read' && failing(fd)) return Promise.reject(errno('EIO'));
      return nodeFileIo.readAsync(fd, buffer, offset, length, position);
    },
    fsyncAsync(fd: number) {
      io.fsyncs += 1;
      return nodeFileIo.fsyncAsync(fd);
    },
  };
  return io;
}

const batch = (value: string): Buffer => buildBatch({ records: [{ value }] });

test('ENOSPC in the middle of an append takes that log dir offline; no torn batch stays; the other dir keeps serving', async () => {
  const logDirs = tempDirs(2);
  const io = faultyIo();
  const failures: string[] = [];
  const manager = await LogManager.open({ logDirs, ...identity, fileIo: io, onLogDirFailure: (dir) => failures.push(dir) });
  const a = manager.createLog('a', 0);
  const b = manager.createLog('b', 0);
  const c = manager.createLog('c', 0);
  assert.notEqual(path.dirname(a.dir), path.dirname(b.dir), 'placed on different dirs');
  for (const log of [a, b, c]) log.appendAsLeader(batch('before'), 0);
  const failedDir = path.dirname(a.dir);
  const sizeBefore = fs.statSync(path.join(a.dir, '00000000000000000000.log')).size;
  io.failDir = failedDir;
  io.failOn = 'write';
  assert.throws(() => a.appendAsLeader(batch('torn'), 0), (error: unknown) => error instanceof StorageError && error.code === ErrorCode.KAFKA_STORAGE_ERROR);
  assert.equal(fs.statSync(path.join(a.dir, '00000000000000000000.log')).size, sizeBefore, 'the half-written batch was cut off');
  assert.deepEqual(failures, [failedDir]);
  assert.deepEqual(manager.offlineLogDirs, [failedDir]);
  // Every partition of the failed dir answers KAFKA_STORAGE_ERROR, reads too; the other dir works.
  const [onFailed, onOther] = path.dirname(c.dir) === failedDir ? [c, b] : [b, c];
  for (const log of [a, onFailed]) {
    assert.throws(() => log.read(0, 1000), (error: unknown) => error instanceof StorageError && error.code === ErrorCode.KAFKA_STORAGE_ERROR);
  }
  io.failDir = undefined;
  assert.throws(() => a.appendAsLeader(batch('later'), 0), StorageError, 'offline until a restart, even once space returns');
  onOther.appendAsLeader(batch('after'), 0);
  assert.deepEqual(readRecords(onOther.read(0, 1000).records).map((r) => r.value), ['before', 'after']);
  assert.equal(path.dirname(manager.createLog('d', 0).dir), path.dirname(onOther.dir), 'new logs avoid the offline dir');
  const info = manager.logDirsInfo();
  assert.deepEqual(info.map((d) => [d.logDir, d.errorCode]), logDirs.map((d) => [d, d === failedDir ? ErrorCode.KAFKA_STORAGE_ERROR : ErrorCode.NONE]));
  await manager.closeAll();
  assert.equal(fs.existsSync(path.join(failedDir, '.kafka_cleanshutdown')), false, 'the failed dir is recovered at the next start');
  assert.equal(fs.existsSync(path.join(path.dirname(onOther.dir), '.kafka_cleanshutdown')), true);

  // Space returns, the broker restarts: the dir is back with everything that was acknowledged.
  const restarted = await LogManager.open({ logDirs, ...identity });
  assert.deepEqual(restarted.offlineLogDirs, []);
  assert.deepEqual(readRecords(restarted.getLog('a', 0)?.read(0, 1000).records ?? Buffer.alloc(0)).map((r) => r.value), ['before']);
  restarted.getLog('a', 0)?.appendAsLeader(batch('again'), 0);
  await restarted.closeAll();
});

test('EIO on read takes the dir offline too', async () => {
  const logDirs = tempDirs(2);
  const io = faultyIo();
  const manager = await LogManager.open({ logDirs, ...identity, fileIo: io, maxOpenFiles: 2 });
  const a = manager.createLog('a', 0);
  const b = manager.createLog('b', 0);
  a.appendAsLeader(batch('x'), 0);
  b.appendAsLeader(batch('y'), 0);
  io.failDir = path.dirname(a.dir);
  io.failOn = 'read';
  assert.throws(() => a.read(0, 1000), StorageError);
  assert.deepEqual(manager.offlineLogDirs, [path.dirname(a.dir)]);
  assert.deepEqual(readRecords(b.read(0, 1000).records).map((r) => r.value), ['y']);
  await manager.closeAll();
});

test('logDirsInfo: space from statfs and per-partition sizes; flush.messages=1: the append is durable once its fsync is done', async () => {
  const [logDir] = tempDirs(1);
  const io = faultyIo();
  const manager = await LogManager.open({ logDirs: [logDir], ...identity, fileIo: io });
  const log = manager.createLog('t', 3, logConfig({ flushMessages: 1 }));
  const before = io.fsyncs;
  const appended = log.appendAsLeader(batch('durable'), 0);
  assert.ok(appended.durable !== undefined, 'flush.messages=1 asks for an fsync');
  await appended.durable;
  assert.ok(io.fsyncs > before, 'fsynced before the append counted as durable');
  assert.equal(log.recoveryPoint, 1);
  const [info] = manager.logDirsInfo();
  assert.equal(info.logDir, logDir);
  assert.equal(info.errorCode, ErrorCode.NONE);
  assert.ok(info.totalBytes > 0 && info.usableBytes > 0 && info.usableBytes <= info.totalBytes);
  assert.deepEqual(info.partitions, [{ topic: 't', partition: 3, sizeInBytes: log.size, offsetLag: 0, isFutureKey: false }]);
  await manager.closeAll();
});

function openDescriptors(): number {
  return fs.readdirSync('/proc/self/fd').length;
}

test('10,000 partitions: descriptors stay within the pool bound, every log reads back, clean reopen reads no index', { timeout: 120_000 }, async () => {
  const [logDir] = tempDirs(1);
  const maxOpenFiles = 64;
  const baseline = openDescriptors();
  let peak = 0;
  const manager = await LogManager.open({ logDirs: [logDir], ...identity, maxOpenFiles });
  const config = logConfig({ maxIndexSize: 4096 });
  for (let p = 0; p < 10_000; p++) {
    const log = manager.createLog('many', p, config);
    log.appendAsLeader(buildBatch({ records: [{ value: `a${p}` }, { value: `b${p}` }] }), 0);
    log.appendAsLeader(batch(`c${p}`), 0);
    if (p % 500 === 0) peak = Math.max(peak, openDescriptors() - baseline);
  }
  for (let p = 0; p < 10_000; p += 7) {
    assert.deepEqual(readRecords(manager.getLog('many', p)?.read(0, 1 << 16).records ?? Buffer.alloc(0)).map((r) => r.value), [`a${p}`, `b${p}`, `c${p}`]);
  }
  peak = Math.max(peak, openDescriptors() - baseline);
  assert.ok(manager.openFileCount <= maxOpenFiles);
  await manager.closeAll();

  const reopened = await LogManager.open({ logDirs: [logDir], ...identity, maxOpenFiles, configForTopic: () => config });
  assert.equal(reopened.allLogs().length, 10_000);
  assert.ok(reopened.allLogs().every((log) => log.recoveredBatchesOnOpen === 0));
  for (let p = 0; p < 10_000; p++) {
    const log = reopened.getLog('many', p);
    assert.equal(log?.logEndOffset, 3);
    assert.deepEqual(readRecords(log.read(1, 1 << 16).records).map((r) => r.value), [`a${p}`, `b${p}`, `c${p}`]);
    if (p % 500 === 0) peak = Math.max(peak, openDescriptors() - baseline);
  }
  assert.ok(peak <= maxOpenFiles + 16, `peak of ${peak} descriptors above the baseline, pool bound ${maxOpenFiles}`);
  await reopened.closeAll();
  fs.rmSync(path.dirname(logDir), { recursive: true, force: true });
});
