import zookeeper from 'node-zookeeper-client';
import type { Stat as RawStat, Transaction as RawTransaction } from 'node-zookeeper-client';

/** The request and answer types of ZooKeeperClient, and their translation to and from the library's. */
export type CreateMode = 'persistent' | 'ephemeral' | 'persistent-sequential' | 'ephemeral-sequential';

/** A znode's Stat, with ZooKeeper's 64-bit ids as bigints. */
export interface ZnodeStat {
  /** The data version: what setData and delete check. */
  readonly version: number;
  /** The children version. */
  readonly cversion: number;
  readonly dataLength: number;
  readonly numChildren: number;
  /** The owning session's id for an ephemeral znode, 0n otherwise. */
  readonly ephemeralOwner: bigint;
  readonly czxid: bigint;
  readonly mzxid: bigint;
  readonly pzxid: bigint;
  readonly ctimeMs: number;
  readonly mtimeMs: number;
}

export interface Znode {
  readonly data: Buffer;
  readonly stat: ZnodeStat;
}

/** One operation of an atomic multi; a version of -1 matches any. */
export type ZooKeeperOp =
  | { readonly type: 'create'; readonly path: string; readonly data?: Buffer; readonly mode?: CreateMode }
  | { readonly type: 'setData'; readonly path: string; readonly data: Buffer; readonly version?: number }
  | { readonly type: 'delete'; readonly path: string; readonly version?: number }
  | { readonly type: 'check'; readonly path: string; readonly version: number };

export type ZooKeeperOpResult =
  | { readonly type: 'create'; readonly path: string }
  | { readonly type: 'setData'; readonly stat: ZnodeStat }
  | { readonly type: 'delete' }
  | { readonly type: 'check' };

export const MODES: Readonly<Record<CreateMode, number>> = {
  persistent: zookeeper.CreateMode.PERSISTENT,
  ephemeral: zookeeper.CreateMode.EPHEMERAL,
  'persistent-sequential': zookeeper.CreateMode.PERSISTENT_SEQUENTIAL,
  'ephemeral-sequential': zookeeper.CreateMode.EPHEMERAL_SEQUENTIAL,
};
export const ANY_VERSION = -1;
export const RUNTIME_INCONSISTENCY = -2;

/** One op's answer within a multi, as the library gives it. */
export interface RawOpResult {
  readonly type?: number;
  readonly err?: number;
  readonly path?: string;
  readonly stat?: RawStat;
}

export function addOp(transaction: RawTransaction, op: ZooKeeperOp): RawTransaction {
  switch (op.type) {
    case 'create': return transaction.create(op.path, op.data ?? Buffer.alloc(0), MODES[op.mode ?? 'persistent']);
    case 'setData': return withVersion(transaction.setData(op.path, op.data, op.version ?? ANY_VERSION), op.version);
    case 'delete': return withVersion(transaction.remove(op.path, op.version ?? ANY_VERSION), op.version);
    case 'check': return withVersion(transaction.check(op.path, op.version), op.version);
  }
}

/**
 * node-zookeeper-client's Transaction reads its version argument as `version || -1`, so version 0
 * (a znode never written since its creation) would make a conditional op unconditional. The op it
 * queued last gets the version it was asked for.
 */
function withVersion(transaction: RawTransaction, version = ANY_VERSION): RawTransaction {
  const ops = (transaction as unknown as { ops?: Array<{ version?: number }> }).ops;
  const queued = Array.isArray(ops) ? ops.at(-1) : undefined;
  if (queued === undefined || !('version' in queued)) throw new Error('node-zookeeper-client\'s Transaction changed: cannot set an op\'s version');
  queued.version = version;
  return transaction;
}

export function resultOf(op: ZooKeeperOp, result: RawOpResult): ZooKeeperOpResult {
  switch (op.type) {
    case 'create': return { type: 'create', path: result.path ?? op.path };
    case 'setData': return { type: 'setData', stat: toStat(result.stat!) };
    case 'delete': return { type: 'delete' };
    case 'check': return { type: 'check' };
  }
}

/** getData's answer; the library gives no buffer for a znode without data. */
export function toZnode(data: Buffer | undefined, stat: RawStat): Znode {
  return { data: data ?? Buffer.alloc(0), stat: toStat(stat) };
}

/** A ZooKeeper session id as ZooKeeper's own tools print it (0x..., unsigned). */
export function sessionIdHex(sessionId: bigint): string {
  return `0x${BigInt.asUintN(64, sessionId).toString(16)}`;
}

export function toStat(stat: RawStat): ZnodeStat {
  return {
    version: stat.version,
    cversion: stat.cversion,
    dataLength: stat.dataLength,
    numChildren: stat.numChildren,
    ephemeralOwner: stat.ephemeralOwner.readBigInt64BE(0),
    czxid: stat.czxid.readBigInt64BE(0),
    mzxid: stat.mzxid.readBigInt64BE(0),
    pzxid: stat.pzxid.readBigInt64BE(0),
    ctimeMs: Number(stat.ctime.readBigInt64BE(0)),
    mtimeMs: Number(stat.mtime.readBigInt64BE(0)),
  };
}
