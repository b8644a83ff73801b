/** What the benchmark ran on, recorded next to its numbers. */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism, totalmem } from 'node:os';

export interface MachineInfo {
  nproc: number;
  cpuModel: string;
  memoryGiB: number;
  kernel: string;
  node: string;
  kcat: string;
}

function run(command: string, args: string[]): string {
  try {
    return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  } catch {
    return 'unknown';
  }
}

export function machineInfo(): MachineInfo {
  let cpuModel = 'unknown';
  try {
    cpuModel = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? 'unknown';
  } catch {
    // not Linux
  }
  const kcatVersion = /librdkafka ([0-9][^\s]*)/.exec(run('kcat', ['-V']))?.[1];
  return {
    nproc: Number(run('nproc', [])) || availableParallelism(),
    cpuModel,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    kernel: run('uname', ['-r']),
    node: process.version,
    kcat: kcatVersion ? `kcat with librdkafka ${kcatVersion}` : run('kcat', ['-V']).split('\n')[0] ?? 'unknown',
  };
}

/**
 * The commit the numbers were measured at ('unknown' outside a git checkout). Work in progress in
 * src/ is what ran, not the commit alone: then it says so.
 */
export function gitCommit(): string {
  const commit = run('git', ['-C', import.meta.dirname, 'rev-parse', '--short', 'HEAD']);
  if (commit === 'unknown') return commit;
  const dirty = run('git', ['-C', import.meta.dirname, 'status', '--porcelain', '--', ':/src']);
  return dirty === '' ? commit : `${commit} + uncommitted changes in src/`;
}
