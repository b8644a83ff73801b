import { setTimeout as sleep } from 'node:timers/promises';
import { ErrorCode, errorName } from '../../protocol/errors.ts';
import type { Logger } from '../logger.ts';
import type { BrokerToControllerChannel } from './broker-to-controller-channel.ts';
import { InterBrokerApis } from './inter-broker-apis.ts';

export interface ControlledShutdownOptions {
  readonly channel: BrokerToControllerChannel;
  readonly brokerId: number;
  readonly brokerEpoch: bigint;
  /** controlled.shutdown.max.retries: attempts after the first. */
  readonly maxRetries: number;
  /** controlled.shutdown.retry.backoff.ms. */
  readonly retryBackoffMs: number;
  /** How long one attempt may take (to find the controller and hear back). */
  readonly requestTimeoutMs: number;
  readonly logger: Logger;
}

/**
 * A stopping broker's side of controlled shutdown (Kafka's KafkaServer.controlledShutdown, run when
 * controlled.shutdown.enable): asks the controller to move its leaderships away, and asks again
 * while partitions remain that it alone can lead, up to the retries. Answers whether the controller
 * moved everything; the broker stops either way (as Kafka does), but then clients of the remaining
 * partitions see them offline until the broker returns.
 */
export async function requestControlledShutdown(options: ControlledShutdownOptions): Promise<boolean> {
  const { channel, brokerId, brokerEpoch, logger } = options;
  for (let attempt = 0; attempt <= options.maxRetries; attempt++) {
    if (attempt > 0) await sleep(options.retryBackoffMs);
    try {
      const response = await channel.send(InterBrokerApis.ControlledShutdown, { brokerId, brokerEpoch }, Date.now() + options.requestTimeoutMs);
      if (response.errorCode === ErrorCode.NONE && response.remainingPartitions.length === 0) {
        logger.info({ brokerId }, 'controlled shutdown succeeded');
        return true;
      }
      logger.warn({
        brokerId, attempt, error: errorName(response.errorCode),
        remainingPartitions: response.remainingPartitions.slice(0, 10).map((p) => `${p.topicName}-${p.partitionIndex}`),
      }, 'controlled shutdown incomplete');
    } catch (error) {
      logger.warn({ err: error, brokerId, attempt }, 'controlled shutdown request failed');
    }
  }
  logger.warn({ brokerId }, 'controlled shutdown did not complete; stopping anyway');
  return false;
}
