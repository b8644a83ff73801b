/**
 * A fault as a shell command, for `samsa verify --fault-command`: the command asks this test process
 * (over HTTP on 127.0.0.1) to run `action`, which can use everything the test holds (its broker
 * processes above all: only their parent can restart them), and exits 0 when the action succeeded,
 * 1 with the error when it failed. verify records each round's exit status and output.
 */
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { VerifyReport } from '../../src/cli/verify/report.ts';
import { runCli, type CliResult } from './run-cli.ts';

export interface FaultTrigger {
  /** The shell command; verify's SAMSA_VERIFY_ROUND is passed on to `action`. */
  readonly command: string;
  close(): Promise<void>;
}

export async function startFaultTrigger(action: (round: number) => Promise<string>): Promise<FaultTrigger> {
  const server = createServer((request, response) => {
    const round = Number(new URL(request.url ?? '/', 'http://localhost').searchParams.get('round'));
    action(round).then(
      (text) => response.writeHead(200).end(`${text}\n`),
      (error: unknown) => response.writeHead(500).end(`${error instanceof Error ? error.stack ?? error.message : String(error)}\n`),
    );
  });
  // A round may take a minute (an election after a session timeout, a restart, a rejoin).
  server.requestTimeout = 0;
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const script = `fetch("http://127.0.0.1:${port}/?round=" + process.env.SAMSA_VERIFY_ROUND, { method: "POST" })` +
    '.then(async (r) => { process.stdout.write(await r.text()); process.exit(r.ok ? 0 : 1); }, (e) => { console.error(e.message); process.exit(1); })';
  return {
    command: `"${process.execPath}" -e '${script}'`,
    close: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}

/**
 * `samsa verify` with 3 acks=all producers on `topic` while `trigger` runs `rounds` faults (one at
 * most every 500 ms), then its JSON report (written to `reportFile`). `producerProperties` are
 * verify's --producer-property settings. A missing report fails with verify's output.
 */
export async function verifyUnderFaults(options: {
  readonly bootstrap: string;
  readonly topic: string;
  readonly trigger: FaultTrigger;
  readonly rounds: number;
  readonly producerProperties: readonly string[];
  readonly reportFile: string;
  readonly timeoutMs: number;
  /** Sends each producer keeps outstanding (verify's --in-flight; 1, each awaited, by default). */
  readonly inFlight?: number;
}): Promise<{ result: CliResult; report: VerifyReport }> {
  const result = await runCli([
    'verify', '--bootstrap-server', options.bootstrap, '--topic', options.topic, '--producers', '3',
    '--fault-command', options.trigger.command, '--fault-interval-ms', '500', '--fault-rounds', String(options.rounds),
    ...options.producerProperties.flatMap((property) => ['--producer-property', property]),
    '--read-timeout-ms', '60000', '--report', options.reportFile, '--in-flight', String(options.inFlight ?? 1),
  ], { timeoutMs: options.timeoutMs });
  const report = JSON.parse(await readFile(options.reportFile, 'utf8').catch((error: Error) => {
    throw new Error(`verify wrote no report (exit ${result.status}): ${error.message}\n${result.stdout}\n${result.stderr}`);
  })) as VerifyReport;
  return { result, report };
}
