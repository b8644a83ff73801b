/**
 * Processes for `samsa dev-cluster` and the cluster tests: `bin/samsa broker <properties>` (and
 * `bin/samsa console ...`), which execs Node in place, so the pid handed back is the command's own
 * and a SIGKILL to it is a real crash. Plus the pid checks `dev-cluster stop` needs to stop only
 * what it started.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ClientSecurity } from '../../client/client-security.ts';
import { Connection } from '../../client/connection.ts';

export const SAMSA_BIN = join(import.meta.dirname, '..', '..', '..', 'bin', 'samsa.js');
const SETPRIV = '/usr/bin/setpriv';

export interface SamsaSpawnOptions {
  /** stdout and stderr are appended here. */
  readonly logFile: string;
  /**
   * 'detached': outliving this process (--detach). A signal name: sent to the child when this
   * process dies however it dies (SIGKILL included), so none is left behind. Either way the child
   * has its own process group, so a Ctrl-C in the terminal reaches only this process, which then
   * stops the console and the brokers one at a time.
   */
  readonly lifetime: 'detached' | 'SIGTERM' | 'SIGKILL';
  readonly env?: NodeJS.ProcessEnv;
}

export interface BrokerSpawnOptions extends SamsaSpawnOptions {
  readonly propertiesFile: string;
}

export interface SpawnedProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  /** Resolves when the process has exited, with how. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  hasExited(): boolean;
}

export type SpawnedBroker = SpawnedProcess;

export function spawnBroker(options: BrokerSpawnOptions): Promise<SpawnedBroker> {
  return spawnSamsa(['broker', options.propertiesFile], options);
}

/** `bin/samsa <args>`, its output appended to the log file. */
export async function spawnSamsa(args: readonly string[], options: SamsaSpawnOptions): Promise<SpawnedProcess> {
  const log = await open(options.logFile, 'a');
  let child: ChildProcess;
  try {
    // The parent-death signal survives the execs of bin/samsa (sh, then Node with the broker's flags).
    const [command, commandArgs] = options.lifetime !== 'detached' && existsSync(SETPRIV)
      ? [SETPRIV, ['--pdeathsig', options.lifetime, '--', SAMSA_BIN, ...args]]
      : [SAMSA_BIN, args];
    child = spawn(command, commandArgs, {
      stdio: ['ignore', log.fd, log.fd],
      detached: true,
      env: { ...process.env, ...options.env },
    });
  } finally {
    await log.close();
  }
  let done = false;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => { done = true; resolve({ code, signal }); });
    child.once('error', () => { done = true; resolve({ code: 127, signal: null }); });
  });
  if (options.lifetime === 'detached') child.unref();
  if (child.pid === undefined) {
    await exited;
    throw new Error(`cannot start ${SAMSA_BIN}`);
  }
  return { child, pid: child.pid, exited, hasExited: () => done };
}

/**
 * Polls until the broker on host:port answers ApiVersions (over TLS and SASL with `security`, for a
 * secured listener); throws when `hasExited` says it died first or `timeoutMs` passes, naming the last failure.
 */
export async function waitUntilAnswering(host: string, port: number, hasExited: () => boolean, timeoutMs: number, security?: ClientSecurity): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    if (hasExited()) throw new Error(`the broker on port ${port} exited`);
    try {
      const connection = await Connection.open({ host, port, clientId: 'samsa-dev-cluster', requestTimeoutMs: 2_000, connectTimeoutMs: 1_000, ...(security === undefined ? {} : { security }) });
      connection.close();
      return;
    } catch (error) {
      last = (error as Error).message;
    }
    await sleep(100);
  }
  throw new Error(`the broker on port ${port} did not answer within ${timeoutMs} ms (${last})`);
}

/**
 * Polls until an HTTP server (the console) answers GET `url` with 2xx; throws when `hasExited`
 * says its process died first or `timeoutMs` passes, naming the last failure.
 */
export async function waitUntilServing(url: string, hasExited: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    if (hasExited()) throw new Error(`the process serving ${url} exited`);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      await response.body?.cancel();
      if (response.ok) return;
      last = `HTTP ${response.status}`;
    } catch (error) {
      last = (error as Error).message;
    }
    await sleep(100);
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms (${last})`);
}

/** The end of a log file, for an error message. */
export async function logTail(file: string, lines = 30): Promise<string> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text.split('\n').slice(-lines).join('\n');
}

/**
 * Whether `pid` is alive and is the process we started: its command line contains `marker` (a path
 * only it was given), so a pid reused by an unrelated process since is never signalled.
 */
export async function isOurProcess(pid: number, marker: string): Promise<boolean> {
  try {
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8');
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // A zombie (state Z, after the name in parentheses) has exited already.
    if (/\)\s+Z\s/.test(stat)) return false;
    return cmdline.split('\0').some((arg) => arg.includes(marker));
  } catch {
    return false;
  }
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
export async function terminate(pid: number, marker: string, graceMs: number): Promise<'stopped' | 'killed' | 'not running'> {
  if (!(await isOurProcess(pid, marker))) return 'not running';
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return 'not running';
  }
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!(await isOurProcess(pid, marker))) return 'stopped';
    await sleep(100);
  }
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    return 'stopped';
  }
  while (await isOurProcess(pid, marker)) await sleep(50);
  return 'killed';
}
