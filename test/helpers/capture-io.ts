import type { CliIo } from '../../src/cli/cli-io.ts';

/** A CliIo that keeps what a command prints, for tests that run commands in process. */
export function captureIo(): CliIo & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, stdout: (text) => void out.push(text), stderr: (text) => void err.push(text) };
}
