import type { Admin, ClusterOptions, Producer } from '../../client/index.ts';
import type { ConsoleInfo } from '../api-types.ts';
import type { LagHistoryStore } from './lag-history.ts';
import type { MetricsScraper } from './metrics-scraper.ts';
import type { SchemaDecoder } from './schema-decoder.ts';

/** Where the console writes what a person running it should know: failures it could not answer, start and stop. */
export interface ConsoleLogger {
  info(message: string): void;
  error(message: string, error?: unknown): void;
}

/** What every route works with; one per running console (nothing module-level). */
export interface ConsoleContext {
  /** One Admin client for every request: its connections and metadata are shared. */
  readonly admin: Admin;
  /** The client's options (bootstrap, security, ...), for the consumers browse and tail open per request. */
  readonly clientOptions: ClusterOptions;
  readonly readOnly: boolean;
  readonly info: ConsoleInfo;
  /** The one producer for the produce endpoint, made on first use. */
  producer(): Producer;
  readonly metrics: MetricsScraper | null;
  /** Decodes records in Confluent's wire format with the registry (--schema-registry); null without one. */
  readonly schemaDecoder: SchemaDecoder | null;
  readonly lagHistory: LagHistoryStore;
  /** Open live tails: closed with the console, and counted against maxTails. */
  readonly tails: Set<{ close(): void }>;
  readonly maxTails: number;
  readonly log: ConsoleLogger;
}
