/**
 * The fault schedule of `samsa verify`: a user's shell command (kill, pause or restart a broker, cut
 * a link, delete records ...) run again and again while the producers run, one run at a time, and a
 * heal command run once before the topic is read back.
 */
import { spawn } from 'node:child_process';

export interface FaultRun {
  readonly round: number;
  /** Since the schedule started. */
  readonly startedAfterMs: number;
  readonly durationMs: number;
  /** The exit code, or null when a signal ended it (then `signal` names it). */
  readonly exitCode: number | null;
  readonly signal: string | null;
  /** The end of what it printed (stdout and stderr together), for the report. */
  readonly output: string;
}

const OUTPUT_KEPT = 2_000;

/** Runs `command` with /bin/sh; never rejects (a command that cannot start is reported as exit 127). */
export function runShellCommand(command: string, env: Readonly<Record<string, string>>, round: number, startedAfterMs: number): Promise<FaultRun> {
  const startMs = Date.now();
  return new Promise((resolve) => {
    let output = '';
    const keep = (chunk: Buffer) => { output = (output + chunk.toString('utf8')).slice(-OUTPUT_KEPT); };
    const child = spawn('/bin/sh', ['-c', command], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const done = (exitCode: number | null, signal: string | null) =>
      resolve({ round, startedAfterMs, durationMs: Date.now() - startMs, exitCode, signal, output });
    child.on('error', (error) => { keep(Buffer.from(error.message)); done(127, null); });
    child.on('close', (code, signal) => done(code, signal));
  });
}

export interface FaultSchedule {
  /** Stops scheduling; resolves with every run once the one under way (if any) has finished. */
  stop(): Promise<FaultRun[]>;
}

/**
 * Every `intervalMs` (counted from the end of the previous run, so runs never overlap) runs
 * `command`, `maxRounds` times at most; `onRun` hears of each as it ends.
 */
export function startFaultSchedule(command: string, intervalMs: number, env: Readonly<Record<string, string>>, onRun: (run: FaultRun) => void,
  maxRounds = Infinity): FaultSchedule {
  const startMs = Date.now();
  const runs: FaultRun[] = [];
  let stopped = false;
  let wake: (() => void) | null = null;
  const loop = (async () => {
    for (let round = 1; round <= maxRounds; round++) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, intervalMs);
        wake = () => { clearTimeout(timer); resolve(); };
      });
      if (stopped) return;
      const run = await runShellCommand(command, { ...env, SAMSA_VERIFY_ROUND: String(round) }, round, Date.now() - startMs);
      runs.push(run);
      onRun(run);
    }
  })();
  return {
    async stop() {
      stopped = true;
      (wake as (() => void) | null)?.();
      await loop;
      return runs;
    },
  };
}
