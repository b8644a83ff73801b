/**
 * The Samsa console's JSON HTTP API: every endpoint's path, method, query, body and answer.
 *
 * Types only (no runtime code, no imports), so the browser bundle (src/console/web) and the server
 * (src/console/server) share one contract and a change to either fails the type check of the other.
 * docs/console-api.md documents the same endpoints for scripts.
 *
 * Conventions that hold for every endpoint:
 * - Bodies and answers are JSON (`content-type: application/json`), except the live tail (Server-Sent
 *   Events) and the web app's static files.
 * - Offsets, timestamps (milliseconds since the epoch), sizes and counts are JSON numbers. Kafka's
 *   offsets are int64 but stay below 2^53 in practice; a value that does not fit is reported as an error.
 * - Query values are written with String(value); booleans as `true` / `false`, lists comma-separated.
 * - A failure answers with an HTTP error status and an `ApiErrorBody`.
 * - Path parameters (`:topic`, `:group`, `:brokerId`, `:user`) are URL-encoded (encodeURIComponent).
 */

// ---------------------------------------------------------------------------------------------
// Errors

/** What went wrong, independent of Kafka; the HTTP status follows from it (see docs/console-api.md). */
export type ApiErrorCode =
  | 'BAD_REQUEST' // 400: a query or body the endpoint cannot take (the message says which field and why)
  | 'UNAUTHORIZED' // 401: --basic-auth-file is set and the request has no valid credentials
  | 'READ_ONLY' // 403: the console runs with --read-only and the endpoint changes the cluster
  | 'FORBIDDEN' // 403: the cluster refused (Kafka's *_AUTHORIZATION_FAILED)
  | 'NOT_FOUND' // 404: no such route, topic, group, broker or user
  | 'METHOD_NOT_ALLOWED' // 405: the path exists, not with this method
  | 'CONFLICT' // 409: the cluster's state forbids it (topic exists, group not empty, ...)
  | 'PAYLOAD_TOO_LARGE' // 413: a body over the limit (1 MiB)
  | 'UNSUPPORTED_MEDIA_TYPE' // 415: a body that is not application/json
  | 'UNSUPPORTED' // 501: the cluster does not support it (UNSUPPORTED_VERSION, security disabled)
  | 'KAFKA_ERROR' // 502: any other error the cluster answered
  | 'UNAVAILABLE' // 503: the cluster cannot be reached, or a leader/coordinator is not available
  | 'TIMEOUT' // 504: the cluster did not answer in time
  | 'INTERNAL'; // 500: a bug in the console (logged on the server)

export interface ApiError {
  readonly code: ApiErrorCode;
  /** One line a person can read: what was asked and why it failed. */
  readonly message: string;
  /** The Kafka error code when the cluster answered with one (e.g. 36 TOPIC_ALREADY_EXISTS). */
  readonly kafkaErrorCode?: number;
  /** Its name, as Kafka's Errors enum spells it. */
  readonly kafkaErrorName?: string;
}

export interface ApiErrorBody {
  readonly error: ApiError;
}

// ---------------------------------------------------------------------------------------------
// Shared pieces

export interface BrokerRef {
  readonly id: number;
  readonly host: string;
  readonly port: number;
  readonly rack: string | null;
}

/** Kafka's ConfigEntry.ConfigSource names. */
export type ConfigSourceName =
  | 'DYNAMIC_TOPIC_CONFIG' | 'DYNAMIC_BROKER_LOGGER_CONFIG' | 'DYNAMIC_BROKER_CONFIG' | 'DYNAMIC_DEFAULT_BROKER_CONFIG'
  | 'DYNAMIC_CLIENT_METRICS_CONFIG' | 'DYNAMIC_GROUP_CONFIG' | 'STATIC_BROKER_CONFIG' | 'DEFAULT_CONFIG' | 'UNKNOWN';

export interface ConfigEntryView {
  readonly name: string;
  /** null for a sensitive value (never sent) or a config without a value. */
  readonly value: string | null;
  readonly source: ConfigSourceName;
  readonly isDefault: boolean;
  readonly isSensitive: boolean;
  readonly readOnly: boolean;
  /** Kafka's ConfigEntry.ConfigType name (BOOLEAN, STRING, INT, LONG, LIST, PASSWORD, ...). */
  readonly type: string;
  /** One line on what the config does, when the cluster gives it. */
  readonly documentation: string | null;
  /** Where the value may come from, the one in force first. */
  readonly synonyms: ReadonlyArray<{ readonly name: string; readonly value: string | null; readonly source: ConfigSourceName }>;
}

/** One change of IncrementalAlterConfigs: set a value, delete an override, or append/subtract list items. */
export interface ConfigOp {
  readonly name: string;
  readonly op: 'set' | 'delete' | 'append' | 'subtract';
  /** Required for set, append and subtract. */
  readonly value?: string;
}

export interface TopicPartitionRef {
  readonly topic: string;
  readonly partition: number;
}

/** Bytes rendered for a person: how, and the result. */
export type ByteEncoding = 'text' | 'json' | 'hex';
/** What the browse and tail endpoints take: `auto` is json if the bytes parse as JSON, text if valid UTF-8, else hex. */
export type ByteFormat = 'auto' | ByteEncoding;
/** How a produced key, value or header value is given: text as UTF-8, json checked then UTF-8, hex or base64 bytes. */
export type InputEncoding = 'text' | 'json' | 'hex' | 'base64';

export interface RenderedBytes {
  readonly encoding: ByteEncoding;
  /** text: the UTF-8 text; json: the JSON text as stored (JSON.parse it to pretty-print); hex: lowercase hex. */
  readonly data: string;
  /** The size of the bytes in the record, before any truncation. */
  readonly size: number;
  /** True when `data` shows only the first maxBytes bytes (query `maxBytes`, default 65536). */
  readonly truncated: boolean;
}

// ---------------------------------------------------------------------------------------------
// Console and cluster

/** GET /api/info: what this console is and may do. Needs no cluster connection. */
export interface ConsoleInfo {
  readonly version: string;
  readonly readOnly: boolean;
  readonly bootstrapServers: readonly string[];
  /** The client's security.protocol: PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL. */
  readonly securityProtocol: string;
  /** Whether --metrics-url was given (then the overview has byte rates). */
  readonly metrics: boolean;
  readonly basicAuth: boolean;
}

/** One scrape interval's rates, summed over every broker that answered. */
export interface RateSample {
  readonly timestampMs: number;
  readonly bytesInPerSec: number;
  readonly bytesOutPerSec: number;
  readonly messagesInPerSec: number;
}

export interface ClusterOverview {
  readonly clusterId: string;
  /** -1 when the cluster names none. */
  readonly controllerId: number;
  readonly brokers: ReadonlyArray<BrokerRef & { readonly isController: boolean }>;
  readonly topicCount: number;
  readonly internalTopicCount: number;
  readonly partitionCount: number;
  readonly replicaCount: number;
  /** Partitions whose ISR is smaller than their replica set. */
  readonly underReplicatedPartitions: number;
  /** Partitions without a leader. */
  readonly offlinePartitions: number;
  /** The newest rates (null without --metrics-url or before two scrapes). */
  readonly rates: RateSample | null;
  readonly readOnly: boolean;
}

/** GET /api/metrics/rates: the rate history the console kept (one sample per scrape, the last hour at most). */
export interface RateHistory {
  readonly metrics: boolean;
  readonly intervalMs: number;
  readonly samples: readonly RateSample[];
  /** The last scrape failures, by URL (empty when all answered). */
  readonly errors: ReadonlyArray<{ readonly url: string; readonly message: string }>;
}

// ---------------------------------------------------------------------------------------------
// Topics

export interface TopicSummary {
  readonly name: string;
  readonly topicId: string;
  readonly internal: boolean;
  readonly partitions: number;
  readonly replicationFactor: number;
  readonly underReplicatedPartitions: number;
  readonly offlinePartitions: number;
  /** Sum over partitions of endOffset - startOffset (an estimate: compaction and transaction markers). */
  readonly messageCount: number;
  /** Sum of the leaders' partition sizes from DescribeLogDirs; null when the cluster did not tell. */
  readonly sizeBytes: number | null;
}

export interface TopicListQuery {
  /** Case-insensitive substring of the name. */
  readonly search?: string;
  /** Internal topics (__consumer_offsets, ...) too; default true. */
  readonly includeInternal?: boolean;
}

export interface TopicList {
  readonly topics: readonly TopicSummary[];
}

export interface PartitionDetail {
  readonly partition: number;
  /** -1 when offline. */
  readonly leader: number;
  readonly leaderEpoch: number;
  readonly replicas: readonly number[];
  readonly isr: readonly number[];
  readonly offlineReplicas: readonly number[];
  readonly underReplicated: boolean;
  /** The log start offset (earliest). */
  readonly startOffset: number;
  /** The high watermark (latest). */
  readonly endOffset: number;
  readonly messageCount: number;
  /** The leader's log size; null when unknown. */
  readonly sizeBytes: number | null;
}

export interface TopicDetail extends TopicSummary {
  readonly partitionDetails: readonly PartitionDetail[];
  readonly configs: readonly ConfigEntryView[];
}

export interface CreateTopicRequest {
  readonly name: string;
  /** Default: the broker's num.partitions. */
  readonly partitions?: number;
  /** Default: the broker's default.replication.factor. */
  readonly replicationFactor?: number;
  readonly configs?: Readonly<Record<string, string>>;
}

export interface AddPartitionsRequest {
  /** The new total partition count (larger than the current one). */
  readonly count: number;
}

export interface AlterConfigsRequest {
  readonly ops: readonly ConfigOp[];
  /** Ask the cluster to check the changes without making them. */
  readonly validateOnly?: boolean;
}

export interface ConfigList {
  readonly configs: readonly ConfigEntryView[];
}

export interface DeleteTopicResponse {
  readonly topic: string;
  readonly deleted: true;
}

// ---------------------------------------------------------------------------------------------
// Messages

/** Where browsing starts: each partition's log start, an offset, the first record at a timestamp, or the last `limit` records. */
export type BrowseFrom = 'beginning' | 'offset' | 'timestamp' | 'end';

export interface MessageFilterQuery {
  /** Case-sensitive substring of the key as text (UTF-8). */
  readonly key?: string;
  /** Case-sensitive substring of the value as text. */
  readonly value?: string;
  /** Substring of any header's key or value, or `name=text`: a header named `name` whose value contains `text`. */
  readonly header?: string;
  readonly keyFormat?: ByteFormat;
  readonly valueFormat?: ByteFormat;
  /** How many bytes of each key, value and header value to render (default 65536, at most 1048576). */
  readonly maxBytes?: number;
}

export interface BrowseQuery extends MessageFilterQuery {
  /** One partition; all of them when absent. */
  readonly partition?: number;
  /** Default 'beginning'. Ignored when `cursor` is given. */
  readonly from?: BrowseFrom;
  /** For from=offset: the same offset in every partition browsed (clamped into [start, end]). */
  readonly offset?: number;
  /** For from=timestamp: milliseconds since the epoch. */
  readonly timestamp?: number;
  /** Messages to return, 1-1000 (default 100). */
  readonly limit?: number;
  /** The previous answer's nextCursor: continue after the messages it returned. */
  readonly cursor?: string;
  /** Records to read at most, matching or not (default 10000, at most 100000): bounds a filtered scan. */
  readonly maxScan?: number;
}

export interface MessageHeader {
  readonly key: string;
  readonly value: RenderedBytes | null;
}

export interface Message {
  readonly partition: number;
  readonly offset: number;
  readonly timestamp: number;
  readonly timestampType: 'CreateTime' | 'LogAppendTime';
  readonly key: RenderedBytes | null;
  readonly value: RenderedBytes | null;
  readonly headers: readonly MessageHeader[];
  /** Key, value and header bytes together, as the record holds them. */
  readonly sizeBytes: number;
}

export interface BrowsePartitionState {
  readonly partition: number;
  readonly startOffset: number;
  /** The high watermark when the request began; browsing never waits past it. */
  readonly endOffset: number;
  /** Where the next page reads this partition from. */
  readonly nextOffset: number;
}

export interface BrowseResponse {
  /** Oldest first: by timestamp, then partition, then offset. */
  readonly messages: readonly Message[];
  /** Pass as `cursor` (with the same filters) for the messages after these; null when every partition was read to its end. */
  readonly nextCursor: string | null;
  /** Records read, matching or not. */
  readonly scanned: number;
  readonly partitions: readonly BrowsePartitionState[];
}

/** GET /api/topics/:topic/tail: Server-Sent Events from the end of the topic on. */
export interface TailQuery extends MessageFilterQuery {
  readonly partition?: number;
}

/**
 * The tail's events (`event:` name -> `data:` JSON). A comment line (`: keep-alive`) comes every
 * 15 s so proxies keep the stream open. `ready` comes once the tail reads from the end, so a
 * message produced after it is delivered.
 */
export interface TailEvents {
  readonly ready: { readonly partitions: ReadonlyArray<{ readonly partition: number; readonly offset: number }> };
  readonly message: Message;
  readonly error: ApiError;
}

export interface ProduceHeader {
  readonly key: string;
  readonly value: string | null;
  /** Default 'text'. */
  readonly encoding?: InputEncoding;
}

export interface ProduceRequest {
  /** Default: the producer's partitioner (murmur2 of the key, sticky for none). */
  readonly partition?: number;
  readonly key?: string | null;
  /** Default 'text'. */
  readonly keyEncoding?: InputEncoding;
  readonly value: string | null;
  /** Default 'text'. */
  readonly valueEncoding?: InputEncoding;
  readonly headers?: readonly ProduceHeader[];
  /** CreateTime in ms; default now. */
  readonly timestamp?: number;
}

export interface ProduceResponse {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly timestamp: number;
}

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

// ---------------------------------------------------------------------------------------------
// The route table

/** What one endpoint takes and gives; `mutates` marks the endpoints --read-only refuses. */
export interface RouteSpec {
  readonly params?: Readonly<Record<string, string>>;
  readonly query?: object;
  readonly body?: unknown;
  readonly response: unknown;
  readonly mutates?: true;
}

type Empty = Record<never, never>;

/**
 * Every JSON endpoint, keyed `METHOD /path` with `:name` path parameters. The live tail
 * (`GET /api/topics/:topic/tail`) is listed with its query; its answer is the TailEvents stream.
 */
export interface ConsoleApi {
  'GET /api/info': { params: Empty; query: Empty; response: ConsoleInfo };
  'GET /api/cluster': { params: Empty; query: Empty; response: ClusterOverview };
  'GET /api/metrics/rates': { params: Empty; query: Empty; response: RateHistory };

  'GET /api/topics': { params: Empty; query: TopicListQuery; response: TopicList };
  'POST /api/topics': { params: Empty; query: Empty; body: CreateTopicRequest; response: TopicDetail; mutates: true };
  'GET /api/topics/:topic': { params: { topic: string }; query: Empty; response: TopicDetail };
  'DELETE /api/topics/:topic': { params: { topic: string }; query: Empty; response: DeleteTopicResponse; mutates: true };
  'POST /api/topics/:topic/partitions': { params: { topic: string }; query: Empty; body: AddPartitionsRequest; response: TopicDetail; mutates: true };
  'GET /api/topics/:topic/configs': { params: { topic: string }; query: Empty; response: ConfigList };
  'PATCH /api/topics/:topic/configs': { params: { topic: string }; query: Empty; body: AlterConfigsRequest; response: ConfigList; mutates: true };

  'GET /api/topics/:topic/messages': { params: { topic: string }; query: BrowseQuery; response: BrowseResponse };
  'POST /api/topics/:topic/messages': { params: { topic: string }; query: Empty; body: ProduceRequest; response: ProduceResponse; mutates: true };
  'GET /api/topics/:topic/tail': { params: { topic: string }; query: TailQuery; response: TailEvents };

  'GET /api/groups': { params: Empty; query: Empty; response: GroupList };
  'GET /api/groups/:group': { params: { group: string }; query: Empty; response: GroupDetail };
  'DELETE /api/groups/:group': { params: { group: string }; query: Empty; response: DeleteGroupResponse; mutates: true };
  'GET /api/groups/:group/lag-history': { params: { group: string }; query: Empty; response: LagHistory };
  /** A dry run is allowed with --read-only; an execution is refused there. */
  'POST /api/groups/:group/reset-offsets': { params: { group: string }; query: Empty; body: ResetOffsetsRequest; response: ResetOffsetsResponse; mutates: true };

  'GET /api/brokers': { params: Empty; query: Empty; response: BrokerList };
  'GET /api/brokers/:brokerId': { params: { brokerId: string }; query: Empty; response: BrokerDetail };

  'GET /api/acls': { params: Empty; query: AclListQuery; response: AclList };
  'POST /api/acls': { params: Empty; query: Empty; body: CreateAclsRequest; response: CreateAclsResponse; mutates: true };
  'DELETE /api/acls': { params: Empty; query: Empty; body: DeleteAclsRequest; response: DeleteAclsResponse; mutates: true };

  'GET /api/users': { params: Empty; query: Empty; response: ScramUserList };
  'PUT /api/users/:user': { params: { user: string }; query: Empty; body: UpsertScramUserRequest; response: ScramUserChanged; mutates: true };
  'DELETE /api/users/:user': { params: { user: string }; query: DeleteScramUserQuery; response: ScramUserChanged; mutates: true };
}

export type ApiRoute = keyof ConsoleApi;
export type ApiMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export type ParamsOf<R extends ApiRoute> = ConsoleApi[R]['params'];
export type QueryOf<R extends ApiRoute> = ConsoleApi[R]['query'];
export type BodyOf<R extends ApiRoute> = ConsoleApi[R] extends { body: infer B } ? B : undefined;
export type ResponseOf<R extends ApiRoute> = ConsoleApi[R]['response'];
/** Routes that take a JSON body. */
export type RoutesWithBody = { [R in ApiRoute]: ConsoleApi[R] extends { body: unknown } ? R : never }[ApiRoute];
/** Routes --read-only refuses (reset-offsets only when not a dry run). */
export type MutatingRoute = { [R in ApiRoute]: ConsoleApi[R] extends { mutates: true } ? R : never }[ApiRoute];
