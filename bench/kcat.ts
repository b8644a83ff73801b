/** kcat (librdkafka) as the benchmarks drive it: a file of record values in, a consumer out to nowhere. */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';

/** Writes `count` lines, each one record value of exactly `size` bytes (the newline is kcat's delimiter). */
export async function writeRecordsFile(path: string, count: number, size: number): Promise<void> {
  const out = createWriteStream(path);
  const filler = 'x'.repeat(size);
  for (let i = 0; i < count; i++) {
    const prefix = `${i}:`;
    if (!out.write(prefix + filler.slice(prefix.length) + '\n')) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

/** Runs kcat to completion; stdout is discarded (that is the fetch sink). */
export async function runKcat(args: string[]): Promise<void> {
  const child = spawn('kcat', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => { stderr = (stderr + chunk.toString('utf8')).slice(-8192); });
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`kcat ${args.join(' ')} exited with ${code}:\n${stderr}`);
}

/** Producer settings of the throughput rows: big batches, deep queues. */
export const KCAT_FAST_PRODUCER = ['-X', 'linger.ms=5', '-X', 'batch.size=1000000', '-X', 'queue.buffering.max.messages=2000000', '-X', 'queue.buffering.max.kbytes=2000000'];
