/**
 * What one replication hop costs the kernel, with no broker in the way:
 * `node bench/copy-floor.ts [--megabytes 500]`.
 *
 * A sender process writes --megabytes over loopback TCP in 1 MiB writes of one reused buffer; a
 * receiver process reads them with `onread` straight into one reused 1 MiB buffer and writes each
 * full buffer to a file in the system temp dir (the page cache), as a follower appends what it
 * fetched. Each side's user and system CPU seconds are printed: the least any follower (receive and
 * write) and any leader (send, per follower) can spend on this machine to move those bytes. The
 * cluster section of BENCHMARKS.md sets the brokers' measured CPU against it.
 */
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { connect, createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const CHUNK = 1 << 20;

function cpuSeconds(): { user: number; system: number } {
  const usage = process.cpuUsage();
  return { user: usage.user / 1e6, system: usage.system / 1e6 };
}

function since(start: { user: number; system: number }): string {
  const now = cpuSeconds();
  return `user ${(now.user - start.user).toFixed(2)} s, system ${(now.system - start.system).toFixed(2)} s`;
}

async function receive(port: number, file: string): Promise<void> {
  const fd = openSync(file, 'w');
  const buffer = Buffer.allocUnsafe(CHUNK);
  let filled = 0;
  const start = cpuSeconds();
  const socket = connect({
    port, host: '127.0.0.1',
    onread: {
      buffer: () => buffer.subarray(filled),
      callback: (bytes: number) => {
        filled += bytes;
        if (filled === CHUNK) {
          writeSync(fd, buffer);
          filled = 0;
        }
        return true;
      },
    },
  });
  await once(socket, 'end');
  if (filled > 0) writeSync(fd, buffer, 0, filled);
  closeSync(fd);
  console.log(`receiver (read from the socket, write to the page cache): ${since(start)}`);
  socket.destroy();
}

async function send(megabytes: number): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'samsa-copy-floor-'));
  try {
    const server = createServer();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const receiver = fork(import.meta.filename, ['--receive', String((server.address() as AddressInfo).port), join(dir, 'copy')], { stdio: 'inherit' });
    const [socket] = (await once(server, 'connection')) as [import('node:net').Socket];
    const data = Buffer.alloc(CHUNK, 120);
    const start = cpuSeconds();
    const began = performance.now();
    for (let sent = 0; sent < megabytes * CHUNK; sent += CHUNK) {
      if (!socket.write(data)) await once(socket, 'drain');
    }
    socket.end();
    await once(socket, 'finish');
    console.log(`sender (${megabytes} MiB over loopback in 1 MiB writes): ${since(start)}, ${((performance.now() - began) / 1000).toFixed(2)} s`);
    await once(receiver, 'exit');
    server.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const { values, positionals } = parseArgs({ options: { megabytes: { type: 'string', default: '500' }, receive: { type: 'boolean', default: false } }, allowPositionals: true });
if (values.receive) await receive(Number(positionals[0]), positionals[1]!);
else await send(Number(values.megabytes));
