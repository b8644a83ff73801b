import type { ClientApi } from '../../client/apis.ts';
import { allocateProducerIdsRequest, allocateProducerIdsResponse } from '../../protocol/generated/allocate-producer-ids.ts';
import { addPartitionsToTxnRequest, addPartitionsToTxnResponse } from '../../protocol/generated/add-partitions-to-txn.ts';
import { alterPartitionRequest, alterPartitionResponse } from '../../protocol/generated/alter-partition.ts';
import { controlledShutdownRequest, controlledShutdownResponse } from '../../protocol/generated/controlled-shutdown.ts';
import { leaderAndIsrRequest, leaderAndIsrResponse } from '../../protocol/generated/leader-and-isr.ts';
import type { MessageCodec } from '../../protocol/primitives/message-codec.ts';
import { stopReplicaRequest, stopReplicaResponse } from '../../protocol/generated/stop-replica.ts';
import { updateMetadataRequest, updateMetadataResponse } from '../../protocol/generated/update-metadata.ts';
import { writeTxnMarkersRequest, writeTxnMarkersResponse } from '../../protocol/generated/write-txn-markers.ts';

function api<Req, Res>(request: MessageCodec<Req>, response: MessageCodec<Res>, minVersion: number, maxVersion = request.maxVersion): ClientApi<Req, Res> {
  return { name: request.name.replace(/Request$/, ''), request, response, minVersion, maxVersion };
}

/**
 * The requests brokers send one another (Kafka's inter-broker protocol in ZooKeeper mode), as
 * ClientApi definitions for src/client/connection.ts: controller to broker (LeaderAndIsr,
 * UpdateMetadata, StopReplica) and broker to controller (AlterPartition, ControlledShutdown,
 * AllocateProducerIds).
 * The lowest versions are those whose shape the senders fill: LeaderAndIsr 2+ groups partitions by
 * topic, UpdateMetadata 5+ likewise, StopReplica 3+ carries a leader epoch and a delete flag per
 * partition, ControlledShutdown 2+ the broker epoch.
 */
export const InterBrokerApis = {
  LeaderAndIsr: api(leaderAndIsrRequest, leaderAndIsrResponse, 2),
  UpdateMetadata: api(updateMetadataRequest, updateMetadataResponse, 5),
  StopReplica: api(stopReplicaRequest, stopReplicaResponse, 3),
  AlterPartition: api(alterPartitionRequest, alterPartitionResponse, 0),
  ControlledShutdown: api(controlledShutdownRequest, controlledShutdownResponse, 2),
  WriteTxnMarkers: api(writeTxnMarkersRequest, writeTxnMarkersResponse, 0),
  AllocateProducerIds: api(allocateProducerIdsRequest, allocateProducerIdsResponse, 0),
  // KIP-890 verification: 4+ is the brokers' batched form (verifyOnly).
  AddPartitionsToTxn: api(addPartitionsToTxnRequest, addPartitionsToTxnResponse, 4),
} as const;
