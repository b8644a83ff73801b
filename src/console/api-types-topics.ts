/** The console API's topics and messages; see api-types.ts for the conventions. */
import type { ConfigEntryView, ConfigOp, ApiError, ByteFormat, InputEncoding, RenderedBytes } from './api-types-common.ts';

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
