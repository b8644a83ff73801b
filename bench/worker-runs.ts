/**
 * What the benches that run our clients in processes of their own share: streaming records through
 * our producer as the clients section's batched mode does, and running a worker script that prints
 * its result as one `RESULT <json>` line.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import type { Producer, ProducerRecord } from '../src/client/index.ts';

/** Records per send call (sendBatch), and calls outstanding at once when streaming: the clients section's batched mode. */
export const CHUNK_RECORDS = 1_000;
const STREAM_WINDOW = 8;

/** `count` records to partition 0 in calls of CHUNK_RECORDS, STREAM_WINDOW calls outstanding (a new one as one is acknowledged). */
export async function streamRecords(producer: Producer, topic: string, value: Buffer, count: number): Promise<void> {
  const chunk: ProducerRecord[] = Array.from({ length: CHUNK_RECORDS }, () => ({ topic, partition: 0, value }));
  let issued = 0;
  const lane = async (): Promise<void> => {
    while (issued < count) {
      const n = Math.min(CHUNK_RECORDS, count - issued);
      issued += n;
      await producer.sendBatch(n === CHUNK_RECORDS ? chunk : chunk.slice(0, n));
    }
  };
  await Promise.all(Array.from({ length: STREAM_WINDOW }, lane));
}

/**
 * Runs `script` with the job as its argument (and --expose-gc) and returns the result it printed;
 * `what` names it in errors, `cwd` is where it runs (default: here).
 */
export async function runWorker<Result>(script: string, job: unknown, what: string, cwd?: string): Promise<Result> {
  const child = spawn(process.execPath, ['--expose-gc', script, JSON.stringify(job)], { stdio: ['ignore', 'pipe', 'pipe'], ...(cwd === undefined ? {} : { cwd }) });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString('utf8'); });
  child.stderr.on('data', (chunk: Buffer) => { stderr = (stderr + chunk.toString('utf8')).slice(-8192); });
  const [code] = (await once(child, 'exit')) as [number | null];
  const line = stdout.split('\n').find((l) => l.startsWith('RESULT '));
  if (code !== 0 || line === undefined) throw new Error(`${what} exited with ${code}:\n${stderr}`);
  return JSON.parse(line.slice('RESULT '.length)) as Result;
}
