import type { Logger } from '../logger.ts';
import type { Time } from '../time.ts';
import type { Partition } from './partition.ts';
import type { ReplicaManager } from './replica-manager.ts';

export interface LeadershipHandoverOptions {
  /** Asks the controller to move this broker's leaderships (ControlledShutdown); true when it moved them all. */
  readonly controlledShutdown: () => Promise<boolean>;
  /** How long the followers get to hold every appended record (replica.lag.time.max.ms: an ISR member is never further behind). */
  readonly drainTimeoutMs: number;
  /** How long to wait for the controller's LeaderAndIsr that makes this broker a follower. */
  readonly moveTimeoutMs: number;
  readonly time: Time;
  readonly logger: Logger;
}

const POLL_INTERVAL_MS = 10;

/** Led here, and another in-sync replica could lead it: what a clean shutdown hands over. */
function movable(replicaManager: ReplicaManager, partition: Partition): boolean {
  return partition.isLeader && partition.isr.some((id) => id !== replicaManager.brokerId);
}

/**
 * A clean shutdown's leadership handover (controlled.shutdown.enable), ordered so a client loses
 * nothing and sees only retriable errors:
 * 1. Appends to movable partitions are refused from now on (NOT_LEADER_OR_FOLLOWER, nothing
 *    written), and the broker waits until its in-sync followers hold everything already appended
 *    (high watermark = log end offset), which also answers every acks=all produce still waiting.
 *    Kafka hands over without this wait: a record appended but not yet acknowledged when the
 *    leadership moves is answered NOT_LEADER_OR_FOLLOWER although the new leader has it, and a
 *    producer without idempotence that retries it writes it twice. Here no such record exists.
 * 2. The controller moves the leaderships (ControlledShutdown).
 * 3. The broker waits for the controller's LeaderAndIsr that makes it a follower, so until its
 *    listeners close it steers clients to the new leaders instead of naming itself.
 * Answers the partitions it still leads that another in-sync replica could lead (none, normally).
 */
export async function handOverLeaderships(replicaManager: ReplicaManager, options: LeadershipHandoverOptions): Promise<string[]> {
  replicaManager.fenceAppendsForHandover();
  const undrained = await waitUntilNone(options, () => [...replicaManager.partitions.values()]
    .filter((p) => movable(replicaManager, p) && p.highWatermark < p.logEndOffset), options.drainTimeoutMs);
  if (undrained.length > 0) options.logger.warn({ partitions: undrained.slice(0, 10) }, 'handing leaderships over before the followers hold every record');
  const moved = await options.controlledShutdown();
  const led = () => [...replicaManager.partitions.values()].filter((p) => movable(replicaManager, p));
  return moved ? waitUntilNone(options, led, options.moveTimeoutMs) : led().map((p) => p.key);
}

/** Polls until `pending` is empty or the time is up; answers what was still pending (their keys). */
async function waitUntilNone(options: LeadershipHandoverOptions, pending: () => Partition[], timeoutMs: number): Promise<string[]> {
  const deadline = options.time.now() + timeoutMs;
  let left = pending();
  while (left.length > 0 && options.time.now() < deadline) {
    await new Promise<void>((resolve) => options.time.setTimeout(resolve, POLL_INTERVAL_MS));
    left = pending();
  }
  return left.map((p) => p.key);
}
