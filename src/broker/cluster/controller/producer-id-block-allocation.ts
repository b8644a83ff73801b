import type { AllocateProducerIdsResponse } from '../../../protocol/generated/allocate-producer-ids.ts';
import { ErrorCode } from '../../../protocol/errors.ts';
import { blockAfter, lastProducerIdOf, type ProducerIdsBlock } from '../../coordinator/txn/producer-id-manager.ts';
import type { Logger } from '../../logger.ts';
import { decodeProducerIdBlock, encodeProducerIdBlock } from '../zookeeper/zk-data.ts';
import { ZkPaths } from '../zookeeper/zk-paths.ts';
import type { Znode, ZooKeeperClient } from '../zookeeper/zookeeper-client.ts';
import { BadVersionError, NodeExistsError, NoNodeError } from '../zookeeper/zookeeper-errors.ts';
import type { ControllerContext } from './controller-context.ts';

const MAX_PRODUCER_ID = 0x7fff_ffff_ffff_ffffn;

/**
 * The controller's answer to AllocateProducerIds (Kafka's KafkaController.processAllocateProducerIds):
 * only a live broker, at its current broker epoch, gets a block (BROKER_ID_NOT_REGISTERED and
 * STALE_BROKER_EPOCH otherwise, which the broker's producer id manager retries). A failure to
 * write the block is answered UNKNOWN_SERVER_ERROR, as Kafka's Errors.forException answers it: the
 * block is not handed out, and the controller's own state is untouched, so there is nothing to reload.
 */
export async function allocateProducerIds(
  client: ZooKeeperClient, context: ControllerContext, request: { brokerId: number; brokerEpoch: bigint }, logger: Logger,
): Promise<AllocateProducerIdsResponse> {
  const failed = (errorCode: number): AllocateProducerIdsResponse => ({ throttleTimeMs: 0, errorCode, producerIdStart: 0n, producerIdLen: 0 });
  const broker = context.liveBrokers.get(request.brokerId);
  if (broker === undefined) {
    logger.warn({ brokerId: request.brokerId }, 'AllocateProducerIds from a broker that is not registered');
    return failed(ErrorCode.BROKER_ID_NOT_REGISTERED);
  }
  if (broker.brokerEpoch !== request.brokerEpoch) {
    logger.warn({ brokerId: request.brokerId, brokerEpoch: request.brokerEpoch, current: broker.brokerEpoch }, 'AllocateProducerIds with a stale broker epoch');
    return failed(ErrorCode.STALE_BROKER_EPOCH);
  }
  try {
    const block = await allocateProducerIdBlock(client, request.brokerId);
    logger.info({ brokerId: request.brokerId, blockStart: block.firstProducerId, blockEnd: lastProducerIdOf(block) }, 'allocated a producer id block');
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, producerIdStart: block.firstProducerId, producerIdLen: block.size };
  } catch (error) {
    logger.error({ err: error, brokerId: request.brokerId }, 'could not allocate a producer id block');
    return failed(ErrorCode.UNKNOWN_SERVER_ERROR);
  }
}

/**
 * Kafka's ZkProducerIdManager.getNewProducerIdBlock: reads /latest_producer_id_block, and writes
 * the block after it only if the znode is still the version read; when another writer came
 * first (BADVERSION, or a znode created meanwhile) it reads again. So no two blocks overlap, even
 * with two controllers for a moment (a deposed one still writing) or brokers of an older Kafka
 * writing the znode themselves. A write whose answer was lost may have taken its block; that block
 * is skipped, never handed out twice.
 */
export async function allocateProducerIdBlock(client: ZooKeeperClient, brokerId: number): Promise<ProducerIdsBlock> {
  for (;;) {
    const current = await readLatest(client);
    const latest = current === undefined ? undefined : decodeProducerIdBlock(current.data);
    const block = blockAfter(latest?.blockEnd ?? -1n, brokerId);
    const blockEnd = lastProducerIdOf(block);
    if (blockEnd > MAX_PRODUCER_ID) throw new Error(`every producer id has been handed out (the latest block ends at ${latest?.blockEnd})`);
    const data = encodeProducerIdBlock({ brokerId, blockStart: block.firstProducerId, blockEnd });
    try {
      if (current === undefined) await client.create(ZkPaths.latestProducerIdBlock, data);
      else await client.setData(ZkPaths.latestProducerIdBlock, data, current.stat.version);
      return block;
    } catch (error) {
      if (!(error instanceof BadVersionError || error instanceof NodeExistsError)) throw error;
    }
  }
}

/** The znode, or undefined when it does not exist (the persistent paths create it; someone may have deleted it). */
async function readLatest(client: ZooKeeperClient): Promise<Znode | undefined> {
  try {
    return await client.getData(ZkPaths.latestProducerIdBlock);
  } catch (error) {
    if (error instanceof NoNodeError) return undefined;
    throw error;
  }
}
