/**
 * ZooKeeper's failures as typed errors, so callers branch on `instanceof` (a stale conditional update
 * is a BadVersionError, a znode gone a NoNodeError) instead of on the library's numeric codes. The
 * codes are ZooKeeper's own (KeeperException.Code).
 */
export class ZooKeeperError extends Error {
  /** ZooKeeper's error code (KeeperException.Code), e.g. -101 for NONODE. */
  readonly code: number;
  /** The znode the request was about, relative to the client's chroot, when there is one. */
  readonly path: string | undefined;
  /** In a failed multi: the index of the op that failed. */
  failedOp: number | undefined;

  constructor(code: number, message: string, path?: string, options?: ErrorOptions) {
    super(path === undefined ? message : `${message}: ${path}`, options);
    this.name = new.target.name;
    this.code = code;
    this.path = path;
  }
}

export class NoNodeError extends ZooKeeperError {}
export class NodeExistsError extends ZooKeeperError {}
/** A setData, delete or check whose expected version is not the znode's: someone else wrote first. */
export class BadVersionError extends ZooKeeperError {}
export class NotEmptyError extends ZooKeeperError {}
export class NoChildrenForEphemeralsError extends ZooKeeperError {}
/** The session ended (the server expired or closed it); the client opens a new one by itself. */
export class SessionExpiredError extends ZooKeeperError {}
/** The connection dropped with the request unanswered: it may or may not have been applied. */
export class ConnectionLossError extends ZooKeeperError {}

/** The client was closed (by close()); it makes no more requests. */
export class ZooKeeperClientClosedError extends Error {
  constructor() {
    super('the ZooKeeper client is closed');
    this.name = 'ZooKeeperClientClosedError';
  }
}

/** No session within zookeeper.connection.timeout.ms (Kafka's ZooKeeperClientTimeoutException). */
export class ZooKeeperConnectTimeoutError extends Error {
  constructor(connectString: string, timeoutMs: number) {
    super(`timed out after ${timeoutMs} ms waiting to connect to ZooKeeper at ${connectString}`);
    this.name = 'ZooKeeperConnectTimeoutError';
  }
}

/** ZooKeeper's codes (KeeperException.Code) that the typed errors stand for. */
export const ZOOKEEPER_CODES = Object.freeze({
  CONNECTION_LOSS: -4,
  NO_NODE: -101,
  BAD_VERSION: -103,
  NO_CHILDREN_FOR_EPHEMERALS: -108,
  NODE_EXISTS: -110,
  NOT_EMPTY: -111,
  SESSION_EXPIRED: -112,
});

const TYPED: ReadonlyMap<number, new (code: number, message: string, path?: string, options?: ErrorOptions) => ZooKeeperError> = new Map([
  [ZOOKEEPER_CODES.CONNECTION_LOSS, ConnectionLossError],
  [ZOOKEEPER_CODES.NO_NODE, NoNodeError],
  [ZOOKEEPER_CODES.BAD_VERSION, BadVersionError],
  [ZOOKEEPER_CODES.NO_CHILDREN_FOR_EPHEMERALS, NoChildrenForEphemeralsError],
  [ZOOKEEPER_CODES.NODE_EXISTS, NodeExistsError],
  [ZOOKEEPER_CODES.NOT_EMPTY, NotEmptyError],
  [ZOOKEEPER_CODES.SESSION_EXPIRED, SessionExpiredError],
]);

/** The library's exception (an object with a numeric `code` and a `name`) as one of ours. */
export function toZooKeeperError(error: unknown, path?: string): Error {
  if (error instanceof ZooKeeperError || error instanceof ZooKeeperClientClosedError) return error;
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'number') return error instanceof Error ? error : new Error(String(error));
  const name = String((error as { name?: unknown }).name ?? 'ZooKeeper error');
  const Type = TYPED.get(code) ?? ZooKeeperError;
  return new Type(code, `${name} [${code}]`, path, { cause: error });
}
