/** Bench hygiene for this virtual machine's memory, shared by every section that writes hundreds of MB. */
import { execFileSync } from 'node:child_process';

/**
 * On a virtual machine, guest memory the host has never backed costs a fault on the host the first
 * time it is touched: the broker's page cache writes into such memory took 4x the system time
 * (0.56-0.64 s instead of 0.14 s per 256 MB) here. Touching and freeing memory first puts backed
 * pages in the kernel's free pool, so every run writes into the same kind of memory (and a run's
 * page cache, freed when its topic is deleted, is what the next run reuses).
 */
export function touchFreeMemory(bytes: number): void {
  const script = `const chunks = []; for (let n = 0; n < ${bytes}; n += 2 ** 28) chunks.push(Buffer.alloc(2 ** 28, 1));`;
  execFileSync(process.execPath, ['-e', script], { stdio: 'ignore' });
}

/**
 * Writes every dirty page to disk (sync(1)), so the kernel's write-back of one run's files does not
 * take CPU from the next run on a machine where every process shares the same two cores.
 */
export function flushDirtyPages(): void {
  execFileSync('sync');
}
