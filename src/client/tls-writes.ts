import type { Socket } from 'node:net';

/**
 * A chunk this large goes to a TLS socket as a write of its own: one TLS record's worth of
 * plaintext (the most a record carries), so it is encrypted in full records straight from its own
 * memory. Smaller ones are copied together, which costs at most this much per chunk.
 */
export const TLS_WRITE_ALONE_BYTES = 16 * 1024;

/**
 * Writing many buffers to a TLS socket at once (a corked write, or the writes queued while one is
 * in progress, which Node hands over together through `_writev`) makes Node copy them all into one
 * new buffer before OpenSSL encrypts it: for a Fetch answer, a copy of every fetched byte, and as
 * much garbage (BENCHMARKS.md, "Security (issue 15)"). A single buffer is encrypted from where it
 * lies. So, on a TLS socket: `_writev` is turned off (queued writes go one by one, in order), and
 * what is written is grouped by tlsWriteUnits. Plaintext sockets keep their corked writev, which the
 * kernel takes without a copy in user space.
 */
export function writeTlsBuffersAlone(socket: Socket): void {
  // Writable consults `_writev` only when present; net.Socket clears it the same way for its sync-write mode.
  (socket as unknown as { _writev: unknown })._writev = null;
}

/**
 * The chunks to write to a TLS socket, in order: each large chunk alone, each run of small ones
 * (size prefixes, headers, small answers) copied into one buffer, so they share a TLS record.
 */
export function tlsWriteUnits(chunks: readonly Buffer[]): Buffer[] {
  const units: Buffer[] = [];
  let run: Buffer[] = [];
  let runBytes = 0;
  const endRun = (): void => {
    if (run.length === 1) units.push(run[0]!);
    else if (run.length > 1) units.push(Buffer.concat(run, runBytes));
    run = [];
    runBytes = 0;
  };
  for (const chunk of chunks) {
    if (chunk.length === 0) continue;
    if (chunk.length >= TLS_WRITE_ALONE_BYTES) {
      endRun();
      units.push(chunk);
    } else {
      run.push(chunk);
      runBytes += chunk.length;
    }
  }
  endRun();
  return units;
}
