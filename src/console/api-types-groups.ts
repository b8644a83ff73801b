/** The console API's consumer groups, brokers and security (ACLs, SCRAM users); see api-types.ts for the conventions. */
import type { BrokerRef, ConfigEntryView, TopicPartitionRef } from './api-types-common.ts';

// ---------------------------------------------------------------------------------------------
// Consumer groups

export interface GroupSummary {
  readonly groupId: string;
  /** Kafka's group state: Empty, Stable, PreparingRebalance, CompletingRebalance, Dead, Assigning, Reconciling, ... */
  readonly state: string;
  /** 'classic' or 'consumer' (KIP-848). */
  readonly type: string;
  /** 'consumer' for consumer groups, '' or another for other classic group users (Connect, ...). */
  readonly protocolType: string;
  readonly members: number;
  /** Topics the group has committed offsets for. */
  readonly topics: readonly string[];
  /** Sum of lag over partitions with a committed offset; null when it could not be computed. */
  readonly totalLag: number | null;
}

export interface GroupList {
  readonly groups: readonly GroupSummary[];
}

export interface GroupMember {
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  readonly clientId: string;
  readonly host: string;
  readonly assignment: readonly TopicPartitionRef[];
}

export interface GroupPartitionOffset {
  readonly topic: string;
  readonly partition: number;
  /** null: the group has no committed offset here (an assigned partition not committed yet). */
  readonly committedOffset: number | null;
  readonly startOffset: number;
  readonly endOffset: number;
  /** endOffset - committedOffset (null without a committed offset). */
  readonly lag: number | null;
  /** The member assigned this partition, if any. */
  readonly memberId: string | null;
  readonly clientId: string | null;
}

export interface GroupDetail {
  readonly groupId: string;
  readonly state: string;
  readonly type: string;
  readonly protocolType: string;
  /** The assignor (classic: the chosen protocol; consumer: the server-side assignor). */
  readonly protocol: string;
  readonly coordinator: BrokerRef | null;
  readonly members: readonly GroupMember[];
  readonly offsets: readonly GroupPartitionOffset[];
  readonly totalLag: number;
  readonly lagByTopic: ReadonlyArray<{ readonly topic: string; readonly lag: number }>;
}

export interface LagSample {
  readonly timestampMs: number;
  readonly totalLag: number;
}

/** GET /api/groups/:group/lag-history: samples the console took (every lag computation, and every 10 s for groups viewed in the last 10 min). */
export interface LagHistory {
  readonly groupId: string;
  readonly samples: readonly LagSample[];
}

/** kafka-consumer-groups --reset-offsets' scenarios. */
export type ResetStrategy =
  | { readonly type: 'to-earliest' }
  | { readonly type: 'to-latest' }
  | { readonly type: 'to-current' }
  | { readonly type: 'to-offset'; readonly offset: number }
  | { readonly type: 'shift-by'; readonly shift: number }
  /** ISO-8601 date-time, e.g. 2024-05-01T12:00:00.000Z; without a zone it is the server's local time (as Kafka's tool). */
  | { readonly type: 'to-datetime'; readonly datetime: string }
  /** ISO-8601 duration back from now, e.g. PT1H or P1DT2H30M. */
  | { readonly type: 'by-duration'; readonly duration: string };

export interface ResetOffsetsRequest {
  /** Topics (optionally some partitions); absent with allTopics: every topic the group has committed offsets for. */
  readonly topics?: ReadonlyArray<{ readonly topic: string; readonly partitions?: readonly number[] }>;
  readonly allTopics?: boolean;
  readonly strategy: ResetStrategy;
  /** true: compute and show only (also allowed with --read-only); false: commit (the group must be empty). */
  readonly dryRun: boolean;
}

export interface ResetOffsetsResponse {
  readonly groupId: string;
  readonly dryRun: boolean;
  readonly offsets: ReadonlyArray<TopicPartitionRef & { readonly previousOffset: number | null; readonly newOffset: number }>;
}

export interface DeleteGroupResponse {
  readonly groupId: string;
  readonly deleted: true;
}

// ---------------------------------------------------------------------------------------------
// Brokers

export interface BrokerSummary extends BrokerRef {
  readonly isController: boolean;
  readonly leaderCount: number;
  readonly replicaCount: number;
  /** Sum of the broker's log dir sizes (every replica); null when DescribeLogDirs failed. */
  readonly sizeBytes: number | null;
}

export interface BrokerList {
  readonly brokers: readonly BrokerSummary[];
}

export interface LogDirView {
  readonly path: string;
  /** Kafka's error name for a failed dir (KAFKA_STORAGE_ERROR), else null. */
  readonly error: string | null;
  /** The volume's size and free space; -1 when the broker does not tell (before DescribeLogDirs v4). */
  readonly totalBytes: number;
  readonly usableBytes: number;
  /** Sum of the partitions' sizes in this dir. */
  readonly sizeBytes: number;
  readonly partitions: ReadonlyArray<TopicPartitionRef & { readonly sizeBytes: number; readonly offsetLag: number; readonly isFuture: boolean }>;
}

export interface BrokerDetail extends BrokerSummary {
  readonly configs: readonly ConfigEntryView[];
  readonly logDirs: readonly LogDirView[];
}

// ---------------------------------------------------------------------------------------------
// Security: ACLs and SCRAM users

export type AclResourceTypeName = 'TOPIC' | 'GROUP' | 'CLUSTER' | 'TRANSACTIONAL_ID' | 'DELEGATION_TOKEN' | 'USER';
export type AclPatternTypeName = 'LITERAL' | 'PREFIXED';
export type AclOperationName =
  | 'ALL' | 'READ' | 'WRITE' | 'CREATE' | 'DELETE' | 'ALTER' | 'DESCRIBE' | 'CLUSTER_ACTION'
  | 'DESCRIBE_CONFIGS' | 'ALTER_CONFIGS' | 'IDEMPOTENT_WRITE' | 'CREATE_TOKENS' | 'DESCRIBE_TOKENS';
export type AclPermissionTypeName = 'ALLOW' | 'DENY';

/** One ACL: `principal` (User:alice) from `host` (* for any) is allowed or denied `operation` on the resources the pattern names. */
export interface AclBindingView {
  readonly resourceType: AclResourceTypeName;
  readonly resourceName: string;
  readonly patternType: AclPatternTypeName;
  readonly principal: string;
  readonly host: string;
  readonly operation: AclOperationName;
  readonly permissionType: AclPermissionTypeName;
}

/** A filter: absent fields match anything; patternType MATCH also finds the `*` and prefix patterns that apply to resourceName. */
export interface AclFilterView {
  readonly resourceType?: AclResourceTypeName | 'ANY';
  readonly resourceName?: string;
  readonly patternType?: AclPatternTypeName | 'ANY' | 'MATCH';
  readonly principal?: string;
  readonly host?: string;
  readonly operation?: AclOperationName | 'ANY';
  readonly permissionType?: AclPermissionTypeName | 'ANY';
}

/** The list's query is an AclFilterView (every field optional). */
export type AclListQuery = AclFilterView;

export interface AclList {
  readonly acls: readonly AclBindingView[];
}

export interface CreateAclsRequest {
  readonly acls: readonly AclBindingView[];
}

export interface CreateAclsResponse {
  readonly created: number;
}

export interface DeleteAclsRequest {
  readonly filters: readonly AclFilterView[];
}

export interface DeleteAclsResponse {
  readonly deleted: readonly AclBindingView[];
}

export type ScramMechanismNameView = 'SCRAM-SHA-256' | 'SCRAM-SHA-512';

export interface ScramUser {
  readonly user: string;
  readonly credentials: ReadonlyArray<{ readonly mechanism: ScramMechanismNameView | 'UNKNOWN'; readonly iterations: number }>;
}

export interface ScramUserList {
  readonly users: readonly ScramUser[];
}

export interface UpsertScramUserRequest {
  readonly mechanism: ScramMechanismNameView;
  readonly password: string;
  /** Default 4096 (at least 4096, as Kafka requires). */
  readonly iterations?: number;
}

export interface ScramUserChanged {
  readonly user: string;
}

export interface DeleteScramUserQuery {
  /** One mechanism's credential; every credential of the user when absent. */
  readonly mechanism?: ScramMechanismNameView;
}
