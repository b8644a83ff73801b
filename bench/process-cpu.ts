/** CPU time a process has used, from /proc/<pid>/stat (Linux only). */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

export interface CpuClock {
  /** Clock ticks per second (`getconf CLK_TCK`, 100 on Linux in practice). */
  readonly ticksPerSecond: number;
  /** utime + stime of `pid`, in seconds. */
  cpuSeconds(pid: number): number;
  /**
   * The CPU seconds `pid`'s live threads have run, from the scheduler's nanosecond accounting
   * (/proc/<pid>/task/<tid>/schedstat): for differences too small for utime's 10 ms ticks. Threads
   * that have exited are not counted (Node's event loop, V8's and libuv's pool threads live as long
   * as the process).
   */
  runSeconds(pid: number): number;
  /** cutime + cstime of this process: the CPU seconds of its children that have exited and been waited for (kcat after a run). */
  exitedChildrenCpuSeconds(): number;
}

export function createCpuClock(): CpuClock {
  let ticksPerSecond = 100;
  try {
    ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    // getconf missing: keep Linux's USER_HZ default.
  }
  const fieldsOf = (pid: number | 'self'): string[] => {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces and parentheses; fields resume after the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  };
  return {
    ticksPerSecond,
    cpuSeconds(pid: number): number {
      const fields = fieldsOf(pid);
      // fields[0] is field 3 (state), so utime (field 14) is fields[11] and stime (field 15) fields[12].
      return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
    },
    runSeconds(pid: number): number {
      let nanoseconds = 0;
      for (const tid of readdirSync(`/proc/${pid}/task`)) {
        try {
          nanoseconds += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
        } catch {
          // The thread exited since the listing.
        }
      }
      return nanoseconds / 1e9;
    },
    exitedChildrenCpuSeconds(): number {
      const fields = fieldsOf('self');
      // cutime (field 16) and cstime (field 17).
      return (Number(fields[13]) + Number(fields[14])) / ticksPerSecond;
    },
  };
}

/** This process's CPU seconds (user + system, every thread: V8's collector helpers and libuv's pool too). */
export function ownCpuSeconds(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6;
}
