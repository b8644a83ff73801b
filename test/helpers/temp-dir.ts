import { mkdtempSync, rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A fresh empty directory under the OS temp dir; the caller removes it with removeTempDir. */
export async function makeTempDir(prefix = 'samsa-test-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

export async function removeTempDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

const madeSync: string[] = [];

/**
 * A fresh empty directory for a test that keeps files open to the end (logs, indexes): it is
 * removed when the test file's process exits, so a test run leaves nothing behind in /tmp.
 */
export function tempDirSync(prefix = 'samsa-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  if (madeSync.length === 0) process.once('exit', () => { for (const made of madeSync) rmSync(made, { recursive: true, force: true }); });
  madeSync.push(dir);
  return dir;
}
