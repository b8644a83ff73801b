import { execFile } from 'node:child_process';

export interface KcatResult {
  stdout: string;
  stderr: string;
}

/**
 * Runs kcat with `args`, feeding `input` on stdin. Rejects when kcat exits non-zero or outlives
 * `timeoutMs` (then it is killed), with kcat's stderr in the message: librdkafka explains its
 * failures there.
 */
export function kcat(args: string[], { input, timeoutMs = 60_000 }: { input?: string | Buffer; timeoutMs?: number } = {}): Promise<KcatResult> {
  return new Promise((resolve, reject) => {
    const child = execFile('kcat', args, { timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 256 * 1024 * 1024, encoding: 'utf8' },
      (error, stdout, stderr) => {
        if (error) {
          reject(new Error(`kcat ${args.join(' ')} failed (${error.message.split('\n')[0]}; signal ${error.signal ?? 'none'}):\n${stderr}`, { cause: error }));
        } else {
          resolve({ stdout, stderr });
        }
      });
    // kcat may exit before reading all input (e.g. on a broker error): its stderr says why, not EPIPE.
    child.stdin?.on('error', () => {});
    child.stdin?.end(input ?? '');
  });
}

/** The kcat -L -J metadata document. */
export interface KcatMetadata {
  originating_broker: { id: number; name: string };
  query: { topic: string };
  controllerid?: number;
  brokers: Array<{ id: number; name: string }>;
  topics: Array<{
    topic: string;
    error?: string;
    partitions: Array<{ partition: number; leader: number; replicas: Array<{ id: number }>; isrs: Array<{ id: number }>; error?: string }>;
  }>;
}

export async function kcatMetadata(bootstrap: string, topic?: string): Promise<KcatMetadata> {
  const args = ['-b', bootstrap, '-L', '-J', '-m', '10'];
  if (topic !== undefined) args.push('-t', topic);
  const { stdout } = await kcat(args);
  return JSON.parse(stdout) as KcatMetadata;
}

/** One message as printed by `kcat -C -J`. */
export interface KcatMessage {
  topic: string;
  partition: number;
  offset: number;
  tstype: string;
  ts: number;
  headers?: string[];
  key: string | null;
  payload: string | null;
}

/** Reads every partition of `topic` from the beginning to its current end, without a group. */
export async function kcatConsumeAll(bootstrap: string, topic: string, { partition, timeoutMs = 60_000 }: { partition?: number; timeoutMs?: number } = {}): Promise<KcatMessage[]> {
  const args = ['-C', '-b', bootstrap, '-t', topic, '-o', 'beginning', '-e', '-J', '-q'];
  if (partition !== undefined) args.push('-p', String(partition));
  const { stdout } = await kcat(args, { timeoutMs });
  return stdout.split('\n').filter((line) => line.trim() !== '').map((line) => JSON.parse(line) as KcatMessage);
}
