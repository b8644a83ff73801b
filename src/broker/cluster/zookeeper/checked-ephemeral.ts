import { setTimeout as sleep } from 'node:timers/promises';
import type { ZnodeStat, ZooKeeperClient } from './zookeeper-client.ts';
import { ConnectionLossError, NodeExistsError, NoNodeError } from './zookeeper-errors.ts';
import { sessionIdHex } from './zookeeper-requests.ts';

/**
 * Kafka's KafkaZkClient.checkedEphemeralCreate: creates an ephemeral znode and answers its Stat,
 * telling apart the NodeExists that means "someone else holds it" from the ones that do not:
 * - the znode is owned by this very session: an earlier attempt went through but its answer was
 *   lost with the connection (ConnectionLoss, then a retry): that is success;
 * - the znode is owned by another session that `isOwnPrevious` recognises (the same broker before
 *   a restart, whose session ZooKeeper has not expired yet): it will vanish within the session
 *   timeout, so this waits for it (at most `previousSessionWaitMs`) and creates it again;
 * - otherwise the znode is someone else's: EphemeralOwnedByOtherError, with the owner's data.
 */
export class EphemeralOwnedByOtherError extends Error {
  readonly path: string;
  readonly ephemeralOwner: bigint;
  readonly data: Buffer;

  constructor(path: string, ephemeralOwner: bigint, data: Buffer, message?: string) {
    super(message ?? `${path} exists and is owned by another live session (${sessionIdHex(ephemeralOwner)})`);
    this.name = 'EphemeralOwnedByOtherError';
    this.path = path;
    this.ephemeralOwner = ephemeralOwner;
    this.data = data;
  }
}

export interface CheckedEphemeralOptions {
  /** True when the existing znode's data shows it is this owner's own, from a session now ending. */
  readonly isOwnPrevious?: (data: Buffer) => boolean;
  /** How long to wait for a previous session's znode to vanish: about the session timeout. */
  readonly previousSessionWaitMs?: number;
}

const RETRY_MS = 100;

export async function checkedEphemeralCreate(
  client: ZooKeeperClient, path: string, data: Buffer, options: CheckedEphemeralOptions = {},
): Promise<ZnodeStat> {
  const deadline = Date.now() + (options.previousSessionWaitMs ?? 0);
  for (;;) {
    const { sessionId } = await client.sessionCredentials();
    try {
      await client.create(path, data, 'ephemeral');
    } catch (error) {
      if (!(error instanceof NodeExistsError || error instanceof ConnectionLossError)) throw error;
    }
    let existing;
    try {
      existing = await client.getData(path);
    } catch (error) {
      // Gone between the create and the read (its owner's session just ended): try again.
      if (error instanceof NoNodeError || error instanceof ConnectionLossError) continue;
      throw error;
    }
    // A new session since the create: its znode (if any) is the old session's, gone by now.
    if ((await client.sessionCredentials()).sessionId !== sessionId) continue;
    if (existing.stat.ephemeralOwner === sessionId) return existing.stat;
    const ownPrevious = options.isOwnPrevious?.(existing.data) ?? false;
    if (!ownPrevious || Date.now() >= deadline) {
      throw new EphemeralOwnedByOtherError(path, existing.stat.ephemeralOwner, existing.data);
    }
    await sleep(RETRY_MS);
  }
}

/**
 * Deletes an ephemeral znode now, when `isOwn` recognises it, rather than when its session ends:
 * at a clean shutdown another broker can take over at once. Gives up after `timeoutMs` (ZooKeeper
 * unreachable: the znode then goes with the session) and never throws.
 */
export async function deleteEphemeralIfOwned(
  client: ZooKeeperClient, path: string, isOwn: (stat: ZnodeStat) => boolean, timeoutMs: number,
): Promise<boolean> {
  if (client.closed) return false;
  const attempt = (async (): Promise<boolean> => {
    const stat = await client.exists(path);
    if (stat === null || !isOwn(stat)) return false;
    await client.delete(path, stat.version);
    return true;
  })().catch(() => false);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => { timer = setTimeout(() => resolve(false), timeoutMs); });
  try {
    return await Promise.race([attempt, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
