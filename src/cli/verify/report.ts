/**
 * What `samsa verify` tells its user: a JSON report (everything, for scripts and CI artifacts) and
 * a short human summary (counts, and a few examples of each anomaly found).
 */
import type { Anomaly, CheckResult } from './checker.ts';
import { ANOMALY_KINDS } from './checker.ts';
import type { FaultRun } from './faults.ts';
import type { TopicRead } from './history.ts';

export interface VerifyMode {
  readonly topic: string;
  readonly partitions: number;
  readonly producers: number;
  readonly acks: string;
  readonly idempotence: boolean;
  /** Sends each producer keeps outstanding; 1 is 'sequential' ordering (every send awaited). */
  readonly inFlight: number;
  readonly ordering: 'sequential' | 'pipelined';
}

export interface VerifyReport {
  readonly ok: boolean;
  readonly runId: string;
  readonly mode: VerifyMode;
  readonly counts: CheckResult['counts'];
  readonly failures: CheckResult['failures'];
  readonly faults: readonly FaultRun[];
  readonly heal: FaultRun | null;
  readonly partitions: ReadonlyArray<{ readonly partition: number; readonly startOffset: number; readonly endOffset: number; readonly records: number }>;
  readonly anomalies: readonly Anomaly[];
  /** The longest the producers went without an acknowledgement (wall clock, ms). */
  readonly longestAckGapMs: number;
}

export function buildReport(
  runId: string, mode: VerifyMode, result: CheckResult, faults: readonly FaultRun[], heal: FaultRun | null, firstRead: TopicRead, longestAckGapMs = 0,
): VerifyReport {
  return {
    ok: result.anomalies.length === 0, runId, mode, counts: result.counts, failures: result.failures, faults, heal, longestAckGapMs,
    partitions: firstRead.map((p) => ({ partition: p.partition, startOffset: p.startOffset, endOffset: p.endOffset, records: p.records.length })),
    anomalies: result.anomalies,
  };
}

const EXAMPLES = 5;

function describe(a: Anomaly): string {
  switch (a.kind) {
    case 'lost': return `producer ${a.producer} seq ${a.seq}: acknowledged at partition ${a.acked.partition} offset ${a.acked.offset}, not found`;
    case 'duplicate': return `producer ${a.producer} seq ${a.seq} at ${a.positions.map((p) => `${p.partition}@${p.offset}`).join(', ')}`;
    case 'wrong-offset': return `producer ${a.producer} seq ${a.seq}: acknowledged at ${a.acked.partition}@${a.acked.offset}, read at ${a.found.map((p) => `${p.partition}@${p.offset}`).join(', ')}`;
    case 'reorder': return `producer ${a.producer} partition ${a.partition}: seq ${a.earlier.seq} at offset ${a.earlier.offset} but later seq ${a.later.seq} at offset ${a.later.offset}` +
      (a.inFlightTogether ? ' (in flight together)' : '');
    case 'inconsistent-read': return `partition ${a.partition} offset ${a.offset}: ${a.reads.map((r) => `read ${r.read} ${'absent' in r ? 'nothing' : JSON.stringify(r.value)}`).join(', ')}`;
  }
}

export function summary(report: VerifyReport): string {
  const { mode, counts } = report;
  const lines: string[] = [];
  const ordering = mode.ordering === 'sequential' ? 'sequential sends (each awaited)' : `pipelined sends (${mode.inFlight} in flight per producer)`;
  lines.push(`topic ${mode.topic}: ${mode.partitions} partitions, ${mode.producers} producers, ${ordering}, acks=${mode.acks}, enable.idempotence=${mode.idempotence}`);
  lines.push(`produced: ${counts.attempted} attempted, ${counts.acknowledged} acknowledged, ${counts.failed} failed, ${counts.unanswered} unanswered`);
  const failures = Object.entries(report.failures).sort((a, b) => b[1] - a[1]);
  for (const [error, count] of failures.slice(0, EXAMPLES)) lines.push(`  failed ${count}x: ${error}`);
  if (failures.length > EXAMPLES) lines.push(`  ... and ${failures.length - EXAMPLES} more errors`);
  lines.push(`longest time without an acknowledgement: ${report.longestAckGapMs} ms`);
  if (report.faults.length > 0) {
    const failed = report.faults.filter((f) => f.exitCode !== 0).length;
    lines.push(`faults: ${report.faults.length} run${report.faults.length === 1 ? '' : 's'}${failed > 0 ? `, ${failed} of them exited non-zero` : ', all exited 0'}`);
  }
  if (report.heal !== null) lines.push(`heal: exited ${report.heal.exitCode ?? report.heal.signal}`);
  lines.push(`read back twice: ${counts.read} records (${counts.foreign} not from this run); ${counts.indeterminate} unacknowledged sends present (indeterminate, not an anomaly)`);
  lines.push(ANOMALY_KINDS.map((kind) => `${kind}: ${counts.anomalies[kind]}`).join(', '));
  for (const kind of ANOMALY_KINDS) {
    const found = report.anomalies.filter((a) => a.kind === kind);
    for (const a of found.slice(0, EXAMPLES)) lines.push(`  ${kind}: ${describe(a)}`);
    if (found.length > EXAMPLES) lines.push(`  ... and ${found.length - EXAMPLES} more ${kind}`);
  }
  const together = report.anomalies.filter((a) => a.kind === 'reorder' && a.inFlightTogether).length;
  if (together > 0 && !mode.idempotence) {
    lines.push(`note: ${together} reorders are between sends in flight together; without enable.idempotence Kafka does not promise their order`);
  }
  if (counts.anomalies.duplicate > 0 && !mode.idempotence) {
    lines.push('note: without enable.idempotence a producer retry may write a record twice; retries=0 makes any duplicate the cluster\'s');
  }
  lines.push(report.ok ? 'OK: no anomalies' : `FAILED: ${report.anomalies.length} anomalies`);
  return `${lines.join('\n')}\n`;
}
