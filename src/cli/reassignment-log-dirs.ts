import { setTimeout as sleep } from 'node:timers/promises';
import type { Admin } from '../client/index.ts';
import { ErrorCode } from '../protocol/errors.ts';
import type { CliIo } from './cli-io.ts';
import type { ReassignmentFile } from './reassignment-json.ts';
import { plural } from './reassignment-plan.ts';

type LogDirMove = ReassignmentFile['logDirMoves'][number];

/** Kafka's TopicPartitionReplica as it prints: broker-topic-partition. */
const replicaName = (move: LogDirMove): string => `${move.broker}-${move.topic}-${move.partition}`;

/** Moves between a broker's log dirs may not be retried before this long. */
const RETRY_BACKOFF_MS = 100;

/**
 * Kafka's executeMoves: AlterReplicaLogDirs for every replica the file places in a named log dir,
 * sent to its broker. A broker that does not host the replica yet (REPLICA_NOT_AVAILABLE: the
 * reassignment is still adding it) is asked again until `timeoutMs`; it creates the replica in that
 * dir once it does. Any other error fails the command.
 */
export async function executeLogDirMoves(admin: Admin, moves: readonly LogDirMove[], timeoutMs: number, io: CliIo): Promise<void> {
  if (moves.length === 0) return;
  const deadline = Date.now() + timeoutMs;
  let pending = [...moves];
  for (;;) {
    const results = await admin.alterReplicaLogDirs(pending.map((m) => ({ topic: m.topic, partition: m.partition, brokerId: m.broker, logDir: m.logDir })));
    const failed = results.filter((r) => r.error !== null && r.error.code !== ErrorCode.REPLICA_NOT_AVAILABLE);
    if (failed.length > 0) throw new Error(`Error moving replica log dir${plural(failed.length)}:\n${failed.map((r) => `${r.brokerId}-${r.topic}-${r.partition}: ${r.error!.message}`).join('\n')}`);
    pending = pending.filter((_, i) => results[i]!.error !== null);
    if (pending.length === 0) break;
    if (Date.now() >= deadline) throw new Error(`Timed out before log directory move${plural(pending.length)} could be started for: ${pending.map(replicaName).join(', ')}`);
    await sleep(RETRY_BACKOFF_MS);
  }
  io.stdout(`Successfully started log directory move${plural(moves.length)} for: ${moves.map(replicaName).join(',')}\n`);
}

/** Kafka's verifyReplicaMoves lines: where each moved replica is, from its broker's DescribeLogDirs. */
export async function logDirMovesText(admin: Admin, moves: readonly LogDirMove[]): Promise<{ text: string; anyOngoing: boolean }> {
  if (moves.length === 0) return { text: '', anyOngoing: false };
  const brokerIds = [...new Set(moves.map((m) => m.broker))];
  const dirs = await admin.describeLogDirs({ brokerIds, topics: [...new Set(moves.map((m) => m.topic))].map((topic) => ({ topic, partitions: moves.filter((m) => m.topic === topic).map((m) => m.partition) })) });
  let anyOngoing = false;
  const lines = moves.map((move) => {
    const held = dirs.filter((d) => d.brokerId === move.broker).flatMap((d) => d.partitions.filter((p) => p.topic === move.topic && p.partition === move.partition).map((p) => ({ logDir: d.logDir, isFuture: p.isFuture })));
    const current = held.find((h) => !h.isFuture);
    const future = held.find((h) => h.isFuture);
    if (current === undefined) return `Partition ${move.topic}-${move.partition} cannot be found in any live log directory on broker ${move.broker}.`;
    if (future !== undefined) {
      anyOngoing = true;
      return future.logDir === move.logDir ? `Reassignment of replica ${replicaName(move)} is still in progress.`
        : `Partition ${move.topic}-${move.partition} on broker ${move.broker} is being moved to log dir ${future.logDir} instead of ${move.logDir}.`;
    }
    if (current.logDir === move.logDir) return `Reassignment of replica ${replicaName(move)} completed successfully.`;
    return `Partition ${move.topic}-${move.partition} on broker ${move.broker} is not being moved from log dir ${current.logDir} to ${move.logDir}.`;
  });
  return { text: `${lines.join('\n')}\n`, anyOngoing };
}
