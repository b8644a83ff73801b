/**
 * A small file system mounted on a fresh directory, for disk-full tests: tmpfs if the sandbox lets
 * us mount one, else an ext4 image on a loop device. Needs root. When neither can be mounted it
 * throws, naming both failures: a disk-full test must fail then, not skip.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statfsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface SmallMount {
  readonly kind: 'tmpfs' | 'ext4 on a loop device';
  /** The mount point: an empty directory on the small file system. */
  readonly dir: string;
  /**
   * Gives the file system `grownBytes` of room in place, while files on it stay open: tmpfs is
   * remounted bigger; the ext4 image (online resize is often refused in sandboxes) was made
   * `grownBytes` big with a ballast file taking all but `sizeBytes`, and the ballast is removed.
   */
  freeSpace(): void;
  /** Unmounts and removes the mount point (and the image); safe to call twice. */
  unmount(): void;
}

function run(command: string, args: string[]): string {
  try {
    return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? '';
    throw new Error(`${command} ${args.join(' ')} failed: ${stderr.trim() || (error as Error).message}`, { cause: error });
  }
}

export function mountSmallFileSystem(sizeBytes: number, grownBytes: number): SmallMount {
  const base = mkdtempSync(join(tmpdir(), 'samsa-small-fs-'));
  const dir = join(base, 'mnt');
  run('mkdir', [dir]);
  let unmounted = false;
  const cleanup = (): void => {
    rmSync(base, { recursive: true, force: true });
  };
  let tmpfsFailure: string;
  try {
    run('mount', ['-t', 'tmpfs', '-o', `size=${sizeBytes}`, 'tmpfs', dir]);
    return {
      kind: 'tmpfs',
      dir,
      freeSpace: () => { run('mount', ['-o', `remount,size=${grownBytes}`, dir]); },
      unmount: () => {
        if (unmounted) return;
        unmounted = true;
        run('umount', ['-l', dir]);
        cleanup();
      },
    };
  } catch (error) {
    tmpfsFailure = (error as Error).message;
  }
  const image = join(base, 'fs.img');
  try {
    run('truncate', ['-s', String(Math.max(grownBytes, 4 * 1024 * 1024)), image]);
    run('mkfs.ext4', ['-q', '-F', image]);
    run('mount', ['-o', 'loop', image, dir]);
    const stats = statfsSync(dir);
    const ballastBytes = stats.bavail * stats.bsize - sizeBytes;
    if (ballastBytes > 0) run('fallocate', ['-l', String(ballastBytes), join(dir, 'ballast')]);
  } catch (error) {
    cleanup();
    throw new Error(`cannot mount a small file system: tmpfs: ${tmpfsFailure}; loop ext4: ${(error as Error).message}`, { cause: error });
  }
  return {
    kind: 'ext4 on a loop device',
    dir,
    freeSpace: () => { rmSync(join(dir, 'ballast'), { force: true }); },
    unmount: () => {
      if (unmounted) return;
      unmounted = true;
      run('umount', ['-l', dir]);
      cleanup();
    },
  };
}
