export { Admin } from './admin.ts';
export type { AlterOperation, ConfigEntry, ConfigEntryType, ConfigResource, ConfigResourceType, LogDirDescription, NewTopic, OffsetSpec } from './admin.ts';
export type { GroupDescription, GroupListing, GroupMemberDescription, OffsetResetSpec } from './admin-groups.ts';
export type { ElectionType, OngoingPartitionReassignment, PartitionReassignmentRequest, PartitionResult } from './admin-reassignments.ts';
export type { ReplicaLogDirAssignment, ReplicaLogDirResult } from './admin-log-dirs.ts';
export type {
  AclBinding, AclBindingFilter, AclEntry, AclOperation, AclPatternType, AclPermissionType, AclResourcePattern, AclResourceType,
} from './admin-acls.ts';
export { describeAclPattern } from './admin-acls.ts';
export type {
  ClientQuotaAlteration, ClientQuotaAlterationResult, ClientQuotaDescription, ClientQuotaEntity, ClientQuotaFilter, ClientQuotaFilterComponent,
} from './admin-client-quotas.ts';
export type {
  ScramCredentialInfo, ScramMechanismName, UserScramCredentialAlteration, UserScramCredentialAlterationResult, UserScramCredentialDeletion,
  UserScramCredentialsDescription, UserScramCredentialUpsertion,
} from './admin-scram.ts';
export type {
  AbortTransactionSpec, ListTransactionsOptions, PartitionProducerState, ProducerState, TransactionDescription, TransactionListing,
} from './admin-transactions.ts';
export { ASSIGNORS, cooperativeStickyAssignor, rangeAssignor, roundRobinAssignor, stickyAssignor } from './assignors.ts';
export type { Assignor, AssignorName, MemberSubscription } from './assignors.ts';
export { Cluster } from './cluster.ts';
export { configSourceName } from './config-source.ts';
export type { ConfigSourceName } from './config-source.ts';
export { parseIsoDurationMs, parseResetDatetime } from './offset-reset-times.ts';
export { packageVersion } from './package-version.ts';
export type { BrokerNode, ClusterMetadata, ClusterOptions, ConnectionAttempt, PartitionMetadata, TopicMetadata, TrafficKind } from './cluster.ts';
export { Connection } from './connection.ts';
export { ClientSecurityConfigError, clientSecurityFromProperties } from './client-security.ts';
export type { ClientSecurity, SecurityProtocol } from './client-security.ts';
export type { SaslClientConfig } from './sasl/sasl-client.ts';
export { Consumer } from './consumer.ts';
export type { ConsumerBatch, ConsumerOptions, ConsumerRecord, RebalanceListener, TopicPartition } from './consumer.ts';
export { KafkaClientError } from './errors.ts';
export { keyOf } from './topic-partition.ts';
export type { TopicPartitionOffset } from './group-requests.ts';
export type { IsolationLevel, OffsetAnswer } from './list-offsets.ts';
export { murmur2, partitionForKey, toPositive } from './partitioner.ts';
export { Producer } from './producer.ts';
export type { Acks, CompressionName, ConsumerGroupMetadata, ProducerOptions, ProducerRecord, RecordMetadata } from './producer.ts';
export { ProducerConfigError, resolveIdempotence } from './producer-config.ts';
export { IllegalStateError, TransactionAbortedError } from './transaction-manager.ts';
export type { TransactionState } from './transaction-manager.ts';
export * from './schema-registry/index.ts';
