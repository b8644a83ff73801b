import { ZkPaths } from '../zookeeper/zk-paths.ts';
import type { ZooKeeperClient, ZooKeeperOp, ZooKeeperOpResult } from '../zookeeper/zookeeper-client.ts';
import { BadVersionError, NoNodeError, SessionExpiredError, ZooKeeperError } from '../zookeeper/zookeeper-errors.ts';

/**
 * A newer controller exists (or this one's session ended): the controller that tried the write
 * must stop acting as one. Kafka's ControllerMovedException.
 */
export class ControllerMovedError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ControllerMovedError';
  }
}

/**
 * Kafka's KafkaZkClient.checkControllerAndWrite: `ops` applied in one multi together with a check
 * that /controller_epoch still has the version this controller gave it when it was elected. Every
 * election changes that version, so a deposed controller's write fails as a whole
 * (ControllerMovedError) instead of overwriting what its successor wrote. Any other failure is the
 * typed error of the failing op, its `failedOp` the index within `ops`.
 */
export async function checkControllerAndWrite(
  client: ZooKeeperClient, epochZkVersion: number, ops: readonly ZooKeeperOp[],
): Promise<ZooKeeperOpResult[]> {
  const check: ZooKeeperOp = { type: 'check', path: ZkPaths.controllerEpoch, version: epochZkVersion };
  try {
    return (await client.multi([check, ...ops])).slice(1);
  } catch (error) {
    if (error instanceof SessionExpiredError) {
      throw new ControllerMovedError('the controller\'s ZooKeeper session expired', { cause: error });
    }
    if (error instanceof ZooKeeperError && error.failedOp === 0 && (error instanceof BadVersionError || error instanceof NoNodeError)) {
      throw new ControllerMovedError(`controller epoch zkVersion ${epochZkVersion} is stale: a newer controller was elected`, { cause: error });
    }
    if (error instanceof ZooKeeperError && error.failedOp !== undefined) error.failedOp -= 1;
    throw error;
  }
}
