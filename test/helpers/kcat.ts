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
export function kcat(args: string[], options: { input?: string | Buffer; timeoutMs?: number } = {}): Promise<KcatResult> {
  return run(args, options, 'utf8');
}

/** kcat with its stdout as bytes, for output that is not text (binary keys and values). */
export function kcatBytes(args: string[], options: { input?: string | Buffer; timeoutMs?: number } = {}): Promise<{ stdout: Buffer; stderr: string }> {
  return run(args, options, 'buffer').then(({ stdout, stderr }) => ({ stdout, stderr: stderr.toString() }));
}

function run<E extends 'utf8' | 'buffer'>(args: string[], { input, timeoutMs = 60_000 }: { input?: string | Buffer; timeoutMs?: number }, encoding: E):
  Promise<{ stdout: E extends 'utf8' ? string : Buffer; stderr: E extends 'utf8' ? string : Buffer }> {
  return new Promise((resolve, reject) => {
    const child = execFile('kcat', args, { timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 256 * 1024 * 1024, encoding },
      (error, stdout, stderr) => {
        if (error) {
          reject(new Error(`kcat ${args.join(' ')} failed (${error.message.split('\n')[0]}; signal ${error.signal ?? 'none'}):\n${stderr.toString()}`, { cause: error }));
        } else {
          resolve({ stdout, stderr } as { stdout: E extends 'utf8' ? string : Buffer; stderr: E extends 'utf8' ? string : Buffer });
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

/** One message as kcat (librdkafka) delivers it, bytes intact. */
export interface KcatRecord {
  partition: number;
  offset: number;
  timestamp: number;
  key: Buffer | null;
  value: Buffer | null;
  /**
   * kcat's %h rendering: `name=value` joined by commas, NULL for a null value. kcat prints each
   * value as a C string, so a value is cut at its first NUL byte.
   */
  headers: Buffer;
}

/**
 * Reads every partition of `topic` from the beginning to its current end, without a group, with
 * lengths printed before the key and value (%K, %S: -1 for null) so binary bytes (newlines, NULs,
 * invalid UTF-8) come back exactly. Header values must hold no newline (the header line ends there).
 */
export async function kcatConsumeRecords(bootstrap: string, topic: string, { timeoutMs = 60_000 }: { timeoutMs?: number } = {}): Promise<KcatRecord[]> {
  const { stdout } = await kcatBytes(['-C', '-b', bootstrap, '-t', topic, '-o', 'beginning', '-e', '-q', '-f', '%p %o %T %K %S %h\\n%k%s\\n'], { timeoutMs });
  const records: KcatRecord[] = [];
  let at = 0;
  while (at < stdout.length) {
    const eol = stdout.indexOf(0x0a, at);
    if (eol < 0) throw new Error(`kcat output ends inside a header line at byte ${at}`);
    const fields: string[] = [];
    let field = at;
    for (let i = 0; i < 5; i++) {
      const space = stdout.indexOf(0x20, field);
      if (space < 0 || space > eol) throw new Error(`kcat header line at byte ${at} has fewer than 5 fields`);
      fields.push(stdout.subarray(field, space).toString());
      field = space + 1;
    }
    const [partition, offset, timestamp, keyLength, valueLength] = fields.map(Number) as [number, number, number, number, number];
    let position = eol + 1;
    const take = (length: number): Buffer | null => {
      if (length < 0) return null;
      const bytes = stdout.subarray(position, position + length);
      position += length;
      return Buffer.from(bytes);
    };
    const key = take(keyLength);
    const value = take(valueLength);
    if (stdout[position] !== 0x0a) throw new Error(`kcat record at byte ${at} does not end where its lengths say`);
    records.push({ partition, offset, timestamp, key, value, headers: Buffer.from(stdout.subarray(field, eol)) });
    at = position + 1;
  }
  return records;
}
