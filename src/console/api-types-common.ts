/** The console API's errors, shared pieces and cluster overview; see api-types.ts for the conventions. */

// ---------------------------------------------------------------------------------------------
// Errors

/** What went wrong, independent of Kafka; the HTTP status follows from it (see docs/console-api.md). */
export type ApiErrorCode =
  | 'BAD_REQUEST' // 400: a query or body the endpoint cannot take (the message says which field and why)
  | 'UNAUTHORIZED' // 401: --basic-auth-file is set and the request has no valid credentials
  | 'READ_ONLY' // 403: the console runs with --read-only and the endpoint changes the cluster
  | 'FORBIDDEN' // 403: the cluster refused (Kafka's *_AUTHORIZATION_FAILED), or a request from another site's page
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
  /**
   * With `samsa console --schema-registry`: the bytes were in Confluent's wire format (magic byte 0,
   * schema id) with a schema the registry knows, and `data` is the record decoded as JSON (encoding
   * json): Avro in Avro's JSON encoding, JSON Schema as its JSON, Protobuf in its JSON mapping.
   */
  readonly schema?: RenderedSchema;
}

export interface RenderedSchema {
  readonly id: number;
  readonly type: 'AVRO' | 'JSON' | 'PROTOBUF';
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
