/** Bench hygiene for this virtual machine's memory, shared by every section that writes hundreds of MB. */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';

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

/** How long a freed page stays in the guest before the balloon driver reports it to the host. */
const PAGE_REPORTING_MIN_FREE_MS = '/sys/module/page_reporting/parameters/min_free_ms';

/**
 * This machine's balloon driver hands free memory back to the host as soon as it is freed
 * (page_reporting's min_free_ms is 0 here): the memory touchFreeMemory freed, and a run's page
 * cache freed with its topic, go back before the next run can reuse them, and each run pays the
 * host's faults again. Those fall hardest on RF=3 acks=all, which writes three times the page
 * cache of RF=1: with reporting as it is, 2 to 3 of 5 RF=3 rounds ran at 110-210 MB/s with every
 * process's system time doubled or tripled; held off, none did in over 30 rounds. Holds reporting off
 * for `ms` (60 s, the most the parameter takes) until the returned function restores it (also at
 * exit). Does nothing where the parameter does not exist or cannot be written.
 */
export function holdFreePageReporting(ms = 60_000): () => void {
  let before: string;
  try {
    before = readFileSync(PAGE_REPORTING_MIN_FREE_MS, 'utf8').trim();
    writeFileSync(PAGE_REPORTING_MIN_FREE_MS, String(ms));
  } catch {
    return () => undefined;
  }
  const restore = (): void => {
    process.off('exit', restore);
    try {
      writeFileSync(PAGE_REPORTING_MIN_FREE_MS, before);
    } catch {
      // Left as the bench set it: memory goes back to the host a minute later than before.
    }
  };
  process.on('exit', restore);
  return restore;
}
