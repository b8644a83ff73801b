/**
 * The Samsa console's JSON HTTP API: every endpoint's path, method, query, body and answer.
 *
 * Types only (no runtime code; only `import type` of its siblings api-types-common.ts, -topics.ts
 * and -groups.ts, all re-exported here: import every type from this file), so the browser bundle
 * (src/console/web) and the server (src/console/server) share one contract and a change to either
 * fails the type check of the other.
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

import type { ConsoleInfo, ClusterOverview, RateHistory } from './api-types-common.ts';
import type {
  AddPartitionsRequest, AlterConfigsRequest, BrowseQuery, BrowseResponse, ConfigList, CreateTopicRequest, DeleteTopicResponse,
  ProduceRequest, ProduceResponse, TailEvents, TailQuery, TopicDetail, TopicList, TopicListQuery,
} from './api-types-topics.ts';
import type {
  AclList, AclListQuery, BrokerDetail, BrokerList, CreateAclsRequest, CreateAclsResponse, DeleteAclsRequest, DeleteAclsResponse,
  DeleteGroupResponse, DeleteScramUserQuery, GroupDetail, GroupList, LagHistory, ResetOffsetsRequest, ResetOffsetsResponse,
  ScramUserChanged, ScramUserList, UpsertScramUserRequest,
} from './api-types-groups.ts';

export type * from './api-types-common.ts';
export type * from './api-types-topics.ts';
export type * from './api-types-groups.ts';

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
