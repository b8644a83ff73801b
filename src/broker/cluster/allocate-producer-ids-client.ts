import { ErrorCode, errorName, KafkaError } from '../../protocol/errors.ts';
import type { ProducerIdBlockSource } from '../coordinator/txn/producer-id-manager.ts';
import type { BrokerToControllerChannel } from './broker-to-controller-channel.ts';
import { InterBrokerApis } from './inter-broker-apis.ts';

export interface ControllerProducerIdBlocksOptions {
  readonly channel: BrokerToControllerChannel;
  readonly brokerId: number;
  /** This broker's epoch now: it changes when the broker registers again after a lost session. */
  readonly brokerEpoch: () => bigint;
}

/**
 * A cluster broker's producer id blocks: each asked of the active controller with
 * AllocateProducerIds (Kafka's RPCProducerIdManager.sendRequest), through the channel that finds
 * the controller and follows it when it moves (NOT_CONTROLLER is retried there). Any other error,
 * STALE_BROKER_EPOCH or BROKER_ID_NOT_REGISTERED while this broker is (re-)registering included,
 * fails this fetch; the producer id manager answers its callers with a retriable error and asks
 * again on the next call.
 */
export function controllerProducerIdBlocks(options: ControllerProducerIdBlocksOptions): ProducerIdBlockSource {
  const { channel, brokerId } = options;
  return async () => {
    const response = await channel.send(InterBrokerApis.AllocateProducerIds, { brokerId, brokerEpoch: options.brokerEpoch() });
    if (response.errorCode !== ErrorCode.NONE) {
      throw new KafkaError(response.errorCode, `AllocateProducerIds: the controller answered ${errorName(response.errorCode)}`);
    }
    return { assignedBrokerId: brokerId, firstProducerId: response.producerIdStart, size: response.producerIdLen };
  };
}
