import { addOffsetsToTxnRequest, addOffsetsToTxnResponse } from '../protocol/generated/add-offsets-to-txn.ts';
import { addPartitionsToTxnRequest, addPartitionsToTxnResponse } from '../protocol/generated/add-partitions-to-txn.ts';
import { alterClientQuotasRequest, alterClientQuotasResponse } from '../protocol/generated/alter-client-quotas.ts';
import { alterConfigsRequest, alterConfigsResponse } from '../protocol/generated/alter-configs.ts';
import { alterPartitionReassignmentsRequest, alterPartitionReassignmentsResponse } from '../protocol/generated/alter-partition-reassignments.ts';
import { alterReplicaLogDirsRequest, alterReplicaLogDirsResponse } from '../protocol/generated/alter-replica-log-dirs.ts';
import { alterUserScramCredentialsRequest, alterUserScramCredentialsResponse } from '../protocol/generated/alter-user-scram-credentials.ts';
import { apiVersionsRequest, apiVersionsResponse } from '../protocol/generated/api-versions.ts';
import { consumerGroupDescribeRequest, consumerGroupDescribeResponse } from '../protocol/generated/consumer-group-describe.ts';
import { consumerGroupHeartbeatRequest, consumerGroupHeartbeatResponse } from '../protocol/generated/consumer-group-heartbeat.ts';
import { createAclsRequest, createAclsResponse } from '../protocol/generated/create-acls.ts';
import { createPartitionsRequest, createPartitionsResponse } from '../protocol/generated/create-partitions.ts';
import { createTopicsRequest, createTopicsResponse } from '../protocol/generated/create-topics.ts';
import { deleteAclsRequest, deleteAclsResponse } from '../protocol/generated/delete-acls.ts';
import { deleteGroupsRequest, deleteGroupsResponse } from '../protocol/generated/delete-groups.ts';
import { deleteRecordsRequest, deleteRecordsResponse } from '../protocol/generated/delete-records.ts';
import { deleteTopicsRequest, deleteTopicsResponse } from '../protocol/generated/delete-topics.ts';
import { describeAclsRequest, describeAclsResponse } from '../protocol/generated/describe-acls.ts';
import { describeClientQuotasRequest, describeClientQuotasResponse } from '../protocol/generated/describe-client-quotas.ts';
import { describeClusterRequest, describeClusterResponse } from '../protocol/generated/describe-cluster.ts';
import { describeConfigsRequest, describeConfigsResponse } from '../protocol/generated/describe-configs.ts';
import { describeGroupsRequest, describeGroupsResponse } from '../protocol/generated/describe-groups.ts';
import { describeLogDirsRequest, describeLogDirsResponse } from '../protocol/generated/describe-log-dirs.ts';
import { describeProducersRequest, describeProducersResponse } from '../protocol/generated/describe-producers.ts';
import { describeTransactionsRequest, describeTransactionsResponse } from '../protocol/generated/describe-transactions.ts';
import { describeUserScramCredentialsRequest, describeUserScramCredentialsResponse } from '../protocol/generated/describe-user-scram-credentials.ts';
import { electLeadersRequest, electLeadersResponse } from '../protocol/generated/elect-leaders.ts';
import { endTxnRequest, endTxnResponse } from '../protocol/generated/end-txn.ts';
import { fetchRequest, fetchResponse } from '../protocol/generated/fetch.ts';
import { findCoordinatorRequest, findCoordinatorResponse } from '../protocol/generated/find-coordinator.ts';
import { heartbeatRequest, heartbeatResponse } from '../protocol/generated/heartbeat.ts';
import { incrementalAlterConfigsRequest, incrementalAlterConfigsResponse } from '../protocol/generated/incremental-alter-configs.ts';
import { initProducerIdRequest, initProducerIdResponse } from '../protocol/generated/init-producer-id.ts';
import { joinGroupRequest, joinGroupResponse } from '../protocol/generated/join-group.ts';
import { leaveGroupRequest, leaveGroupResponse } from '../protocol/generated/leave-group.ts';
import { listGroupsRequest, listGroupsResponse } from '../protocol/generated/list-groups.ts';
import { listOffsetsRequest, listOffsetsResponse } from '../protocol/generated/list-offsets.ts';
import { listPartitionReassignmentsRequest, listPartitionReassignmentsResponse } from '../protocol/generated/list-partition-reassignments.ts';
import { listTransactionsRequest, listTransactionsResponse } from '../protocol/generated/list-transactions.ts';
import { metadataRequest, metadataResponse } from '../protocol/generated/metadata.ts';
import { offsetCommitRequest, offsetCommitResponse } from '../protocol/generated/offset-commit.ts';
import { offsetDeleteRequest, offsetDeleteResponse } from '../protocol/generated/offset-delete.ts';
import { offsetFetchRequest, offsetFetchResponse } from '../protocol/generated/offset-fetch.ts';
import { produceRequest, produceResponse } from '../protocol/generated/produce.ts';
import { saslAuthenticateRequest, saslAuthenticateResponse } from '../protocol/generated/sasl-authenticate.ts';
import { saslHandshakeRequest, saslHandshakeResponse } from '../protocol/generated/sasl-handshake.ts';
import { syncGroupRequest, syncGroupResponse } from '../protocol/generated/sync-group.ts';
import { txnOffsetCommitRequest, txnOffsetCommitResponse } from '../protocol/generated/txn-offset-commit.ts';
import { writeTxnMarkersRequest, writeTxnMarkersResponse } from '../protocol/generated/write-txn-markers.ts';
import type { MessageCodec } from '../protocol/primitives/message-codec.ts';

/** An API as this client speaks it: its codecs and the version range the client's code handles. */
export interface ClientApi<Req, Res> {
  readonly name: string;
  readonly request: MessageCodec<Req>;
  readonly response: MessageCodec<Res>;
  readonly minVersion: number;
  readonly maxVersion: number;
}

function api<Req, Res>(request: MessageCodec<Req>, response: MessageCodec<Res>, minVersion = request.minVersion, maxVersion = request.maxVersion): ClientApi<Req, Res> {
  return { name: request.name.replace(/Request$/, ''), request, response, minVersion, maxVersion };
}

/**
 * The versions are capped where a newer version changes what the code must send, not just the
 * encoding: Fetch 13+ names topics by id, OffsetFetch 8+ batches groups, FindCoordinator 4+ batches
 * keys; Produce starts at 3 (record batch v2 only); ConsumerGroupHeartbeat 1+ has the client make
 * its member id and subscribe by regex on the broker. ElectLeaders starts at 1, the first with an
 * election type. AddPartitionsToTxn 4+ is the brokers' batched form (KIP-890 verification); EndTxn 5
 * asks the coordinator for KIP-890's transaction protocol v2, which the transaction manager uses
 * only when it runs that protocol (so it caps EndTxn at 4 otherwise).
 */
export const Apis = {
  Produce: api(produceRequest, produceResponse, 3, 11),
  Fetch: api(fetchRequest, fetchResponse, 4, 12),
  ListOffsets: api(listOffsetsRequest, listOffsetsResponse, 1, 10),
  Metadata: api(metadataRequest, metadataResponse, 1, 12),
  ApiVersions: api(apiVersionsRequest, apiVersionsResponse),
  // v1+: tokens travel in SaslAuthenticate requests (KIP-152), not as bare frames.
  SaslHandshake: api(saslHandshakeRequest, saslHandshakeResponse, 1, 1),
  SaslAuthenticate: api(saslAuthenticateRequest, saslAuthenticateResponse),
  CreateTopics: api(createTopicsRequest, createTopicsResponse, 2, 7),
  DeleteTopics: api(deleteTopicsRequest, deleteTopicsResponse, 1, 5),
  CreatePartitions: api(createPartitionsRequest, createPartitionsResponse),
  DeleteRecords: api(deleteRecordsRequest, deleteRecordsResponse),
  DescribeConfigs: api(describeConfigsRequest, describeConfigsResponse, 1, 4),
  AlterConfigs: api(alterConfigsRequest, alterConfigsResponse),
  IncrementalAlterConfigs: api(incrementalAlterConfigsRequest, incrementalAlterConfigsResponse),
  DescribeCluster: api(describeClusterRequest, describeClusterResponse),
  DescribeLogDirs: api(describeLogDirsRequest, describeLogDirsResponse),
  AlterReplicaLogDirs: api(alterReplicaLogDirsRequest, alterReplicaLogDirsResponse),
  AlterPartitionReassignments: api(alterPartitionReassignmentsRequest, alterPartitionReassignmentsResponse),
  ListPartitionReassignments: api(listPartitionReassignmentsRequest, listPartitionReassignmentsResponse),
  ElectLeaders: api(electLeadersRequest, electLeadersResponse, 1, 2),
  FindCoordinator: api(findCoordinatorRequest, findCoordinatorResponse, 1, 3),
  JoinGroup: api(joinGroupRequest, joinGroupResponse, 2, 9),
  SyncGroup: api(syncGroupRequest, syncGroupResponse, 1, 5),
  Heartbeat: api(heartbeatRequest, heartbeatResponse, 1, 4),
  LeaveGroup: api(leaveGroupRequest, leaveGroupResponse, 3, 5),
  OffsetCommit: api(offsetCommitRequest, offsetCommitResponse, 2, 9),
  OffsetFetch: api(offsetFetchRequest, offsetFetchResponse, 1, 7),
  OffsetDelete: api(offsetDeleteRequest, offsetDeleteResponse),
  DescribeGroups: api(describeGroupsRequest, describeGroupsResponse),
  ListGroups: api(listGroupsRequest, listGroupsResponse),
  DeleteGroups: api(deleteGroupsRequest, deleteGroupsResponse),
  ConsumerGroupHeartbeat: api(consumerGroupHeartbeatRequest, consumerGroupHeartbeatResponse, 0, 0),
  ConsumerGroupDescribe: api(consumerGroupDescribeRequest, consumerGroupDescribeResponse),
  InitProducerId: api(initProducerIdRequest, initProducerIdResponse),
  AddPartitionsToTxn: api(addPartitionsToTxnRequest, addPartitionsToTxnResponse, 0, 3),
  AddOffsetsToTxn: api(addOffsetsToTxnRequest, addOffsetsToTxnResponse),
  EndTxn: api(endTxnRequest, endTxnResponse),
  TxnOffsetCommit: api(txnOffsetCommitRequest, txnOffsetCommitResponse),
  WriteTxnMarkers: api(writeTxnMarkersRequest, writeTxnMarkersResponse),
  DescribeProducers: api(describeProducersRequest, describeProducersResponse),
  ListTransactions: api(listTransactionsRequest, listTransactionsResponse),
  DescribeTransactions: api(describeTransactionsRequest, describeTransactionsResponse),
  // v1+: pattern types (LITERAL, PREFIXED) travel with every ACL.
  CreateAcls: api(createAclsRequest, createAclsResponse, 1, 3),
  DescribeAcls: api(describeAclsRequest, describeAclsResponse, 1, 3),
  DeleteAcls: api(deleteAclsRequest, deleteAclsResponse, 1, 3),
  DescribeUserScramCredentials: api(describeUserScramCredentialsRequest, describeUserScramCredentialsResponse),
  AlterUserScramCredentials: api(alterUserScramCredentialsRequest, alterUserScramCredentialsResponse),
  DescribeClientQuotas: api(describeClientQuotasRequest, describeClientQuotasResponse),
  AlterClientQuotas: api(alterClientQuotasRequest, alterClientQuotasResponse),
} as const;
