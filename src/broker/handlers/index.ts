import type { ApiHandler } from './handler.ts';
import { apiVersionsHandler } from './api-versions.ts';
import { saslHandshakeHandler } from './sasl-handshake.ts';
import { saslAuthenticateHandler } from './sasl-authenticate.ts';
import { consumerGroupDescribeHandler } from './consumer-group-describe.ts';
import { consumerGroupHeartbeatHandler } from './consumer-group-heartbeat.ts';
import { createPartitionsHandler } from './create-partitions.ts';
import { createTopicsHandler } from './create-topics.ts';
import { deleteRecordsHandler } from './delete-records.ts';
import { deleteTopicsHandler } from './delete-topics.ts';
import { describeClusterHandler } from './describe-cluster.ts';
import { describeConfigsHandler } from './describe-configs.ts';
import { describeLogDirsHandler } from './describe-log-dirs.ts';
import { alterReplicaLogDirsHandler } from './alter-replica-log-dirs.ts';
import { alterConfigsHandler } from './alter-configs.ts';
import { incrementalAlterConfigsHandler } from './incremental-alter-configs.ts';
import { fetchHandler } from './fetch.ts';
import { findCoordinatorHandler } from './find-coordinator.ts';
import { offsetCommitHandler } from './offset-commit.ts';
import { offsetFetchHandler } from './offset-fetch.ts';
import { offsetDeleteHandler } from './offset-delete.ts';
import { txnOffsetCommitHandler } from './txn-offset-commit.ts';
import { offsetForLeaderEpochHandler } from './offset-for-leader-epoch.ts';
import { listGroupsHandler } from './list-groups.ts';
import { deleteGroupsHandler } from './delete-groups.ts';
import { listOffsetsHandler } from './list-offsets.ts';
import { metadataHandler } from './metadata.ts';
import { produceHandler } from './produce.ts';
import { joinGroupHandler } from './join-group.ts';
import { syncGroupHandler } from './sync-group.ts';
import { heartbeatHandler } from './heartbeat.ts';
import { leaveGroupHandler } from './leave-group.ts';
import { describeGroupsHandler } from './describe-groups.ts';
import { updateMetadataHandler } from './update-metadata.ts';
import { alterPartitionHandler } from './alter-partition.ts';
import { controlledShutdownHandler } from './controlled-shutdown.ts';
import { leaderAndIsrHandler } from './leader-and-isr.ts';
import { stopReplicaHandler } from './stop-replica.ts';
import { alterPartitionReassignmentsHandler } from './alter-partition-reassignments.ts';
import { listPartitionReassignmentsHandler } from './list-partition-reassignments.ts';
import { electLeadersHandler } from './elect-leaders.ts';
import { writeTxnMarkersHandler } from './write-txn-markers.ts';
import { describeProducersHandler } from './describe-producers.ts';
import { initProducerIdHandler } from './init-producer-id.ts';
import { addPartitionsToTxnHandler } from './add-partitions-to-txn.ts';
import { addOffsetsToTxnHandler } from './add-offsets-to-txn.ts';
import { endTxnHandler } from './end-txn.ts';
import { listTransactionsHandler } from './list-transactions.ts';
import { describeTransactionsHandler } from './describe-transactions.ts';
import { allocateProducerIdsHandler } from './allocate-producer-ids.ts';
import { alterClientQuotasHandler } from './alter-client-quotas.ts';
import { describeClientQuotasHandler } from './describe-client-quotas.ts';
import { createAclsHandler } from './create-acls.ts';
import { describeAclsHandler } from './describe-acls.ts';
import { deleteAclsHandler } from './delete-acls.ts';
import { alterUserScramCredentialsHandler } from './alter-user-scram-credentials.ts';
import { describeUserScramCredentialsHandler } from './describe-user-scram-credentials.ts';

/** The one table of APIs Samsa serves; ApiVersions answers from it. */
export const handlers: readonly ApiHandler[] = [
  produceHandler,
  fetchHandler,
  listOffsetsHandler,
  metadataHandler,
  findCoordinatorHandler,
  offsetCommitHandler,
  offsetFetchHandler,
  offsetDeleteHandler,
  txnOffsetCommitHandler,
  listGroupsHandler,
  deleteGroupsHandler,
  apiVersionsHandler,
  saslHandshakeHandler,
  saslAuthenticateHandler,
  createTopicsHandler,
  deleteTopicsHandler,
  deleteRecordsHandler,
  offsetForLeaderEpochHandler,
  describeConfigsHandler,
  alterConfigsHandler,
  createPartitionsHandler,
  incrementalAlterConfigsHandler,
  alterReplicaLogDirsHandler,
  describeLogDirsHandler,
  describeClusterHandler,
  consumerGroupHeartbeatHandler,
  consumerGroupDescribeHandler,
  joinGroupHandler,
  syncGroupHandler,
  heartbeatHandler,
  leaveGroupHandler,
  describeGroupsHandler,
  updateMetadataHandler,
  controlledShutdownHandler,
  alterPartitionHandler,
  leaderAndIsrHandler,
  stopReplicaHandler,
  electLeadersHandler,
  writeTxnMarkersHandler,
  describeProducersHandler,
  alterPartitionReassignmentsHandler,
  listPartitionReassignmentsHandler,
  initProducerIdHandler,
  addPartitionsToTxnHandler,
  addOffsetsToTxnHandler,
  endTxnHandler,
  listTransactionsHandler,
  describeTransactionsHandler,
  allocateProducerIdsHandler,
  describeClientQuotasHandler,
  alterClientQuotasHandler,
  describeAclsHandler,
  createAclsHandler,
  deleteAclsHandler,
  describeUserScramCredentialsHandler,
  alterUserScramCredentialsHandler,
];

/** The APIs a broker serves and advertises: the cluster-only ones in cluster mode alone. */
export function servedHandlers(clusterMode: boolean): readonly ApiHandler[] {
  return clusterMode ? handlers : handlers.filter((handler) => handler.clusterOnly !== true);
}
