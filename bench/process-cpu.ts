/** CPU time a process has used, from /proc/<pid>/stat (Linux only). */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

export interface CpuClock {
  /** Clock ticks per second (`getconf CLK_TCK`, 100 on Linux in practice). */
  readonly ticksPerSecond: number;
  /** utime + stime of `pid`, in seconds. */
  cpuSeconds(pid: number): number;
}

export function createCpuClock(): CpuClock {
  let ticksPerSecond = 100;
  try {
    ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    // getconf missing: keep Linux's USER_HZ default.
  }
  return {
    ticksPerSecond,
    cpuSeconds(pid: number): number {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      // The command name (field 2) may contain spaces and parentheses; fields resume after the last ')'.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // fields[0] is field 3 (state), so utime (field 14) is fields[11] and stime (field 15) fields[12].
      return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
    },
  };
}
