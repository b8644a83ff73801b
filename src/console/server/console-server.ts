import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Admin, packageVersion, Producer, type ClusterOptions } from '../../client/index.ts';
import type { ConsoleContext, ConsoleLogger } from './context.ts';
import { BASIC_AUTH_CHALLENGE, type BasicAuth } from './basic-auth.ts';
import { groupTotalLag } from './group-lag.ts';
import { apiErrorOf } from './http-errors.ts';
import { commonHeaders, sendApiError } from './http-io.ts';
import { checkRequestOrigin, isLoopback } from './request-guard.ts';
import { LagHistoryStore } from './lag-history.ts';
import { MetricsScraper } from './metrics-scraper.ts';
import { Router, type RouteAccessTable, type RouteHandlers } from './router.ts';
import { brokerRoutes } from './routes-brokers.ts';
import { clusterRoutes } from './routes-cluster.ts';
import { groupRoutes } from './routes-groups.ts';
import { messageRoutes } from './routes-messages.ts';
import { securityRoutes } from './routes-security.ts';
import { tailRoutes } from './routes-tail.ts';
import { topicRoutes } from './routes-topics.ts';
import { SchemaDecoder } from './schema-decoder.ts';
import { DEFAULT_STATIC_DIR, serveStatic } from './static-files.ts';

export interface ConsoleServerOptions {
  /** How the console reaches the cluster: bootstrap servers, client id, security (TLS, SASL), timeouts. */
  readonly client: ClusterOptions;
  /** Default 127.0.0.1: the console changes the cluster, so it is reachable from elsewhere only when asked. */
  readonly host?: string;
  /** Default 8080; 0 picks a free port. */
  readonly port?: number;
  readonly readOnly?: boolean;
  readonly basicAuth?: BasicAuth | null;
  /** Brokers' Prometheus /metrics URLs, for the in and out rates. */
  readonly metricsUrls?: readonly string[];
  readonly metricsIntervalMs?: number;
  /** A schema registry's URL(s): keys and values in Confluent's wire format are shown decoded. */
  readonly schemaRegistryUrls?: readonly string[];
  /** How often watched groups' lag is sampled for the lag chart (default 10 s). */
  readonly lagSampleIntervalMs?: number;
  /** The built web app (default dist/console). */
  readonly staticDir?: string;
  readonly maxTails?: number;
  readonly log?: ConsoleLogger;
}

export interface ConsoleServer {
  readonly host: string;
  readonly port: number;
  /** http://host:port */
  readonly url: string;
  close(): Promise<void>;
}

/** Every route's handler: the type requires one for each endpoint of api-types.ts. */
const HANDLERS: RouteHandlers = { ...clusterRoutes, ...topicRoutes, ...messageRoutes, ...tailRoutes, ...groupRoutes, ...brokerRoutes, ...securityRoutes };

/** What --read-only refuses; the type requires a decision for each endpoint. */
const ACCESS: RouteAccessTable = {
  'GET /api/info': 'read', 'GET /api/cluster': 'read', 'GET /api/metrics/rates': 'read',
  'GET /api/topics': 'read', 'POST /api/topics': 'write', 'GET /api/topics/:topic': 'read', 'DELETE /api/topics/:topic': 'write',
  'POST /api/topics/:topic/partitions': 'write', 'GET /api/topics/:topic/configs': 'read', 'PATCH /api/topics/:topic/configs': 'write',
  'GET /api/topics/:topic/messages': 'read', 'POST /api/topics/:topic/messages': 'write', 'GET /api/topics/:topic/tail': 'read',
  'GET /api/groups': 'read', 'GET /api/groups/:group': 'read', 'DELETE /api/groups/:group': 'write', 'GET /api/groups/:group/lag-history': 'read',
  'POST /api/groups/:group/reset-offsets': 'dry-run-or-write',
  'GET /api/brokers': 'read', 'GET /api/brokers/:brokerId': 'read',
  'GET /api/acls': 'read', 'POST /api/acls': 'write', 'DELETE /api/acls': 'write',
  'GET /api/users': 'read', 'PUT /api/users/:user': 'write', 'DELETE /api/users/:user': 'write',
};

const SILENT: ConsoleLogger = { info: () => {}, error: () => {} };

/**
 * Starts the console: the JSON API under /api (over one Admin client, a producer made on first
 * use, and a consumer per browse or tail) and the built web app everywhere else. Basic auth, when
 * set, guards both. close() stops the timers, the live tails, the clients and the server.
 */
export async function startConsoleServer(options: ConsoleServerOptions): Promise<ConsoleServer> {
  const clientId = options.client.clientId ?? 'samsa-console';
  const clientOptions: ClusterOptions = { ...options.client, clientId };
  const log = options.log ?? SILENT;
  const admin = new Admin(clientOptions);
  let producer: Producer | null = null;
  const metrics = options.metricsUrls !== undefined && options.metricsUrls.length > 0
    ? new MetricsScraper(options.metricsUrls, { intervalMs: options.metricsIntervalMs ?? 5_000 }) : null;
  const basicAuth = options.basicAuth ?? null;
  const context: ConsoleContext = {
    admin, clientOptions, readOnly: options.readOnly ?? false, metrics, log,
    schemaDecoder: options.schemaRegistryUrls !== undefined && options.schemaRegistryUrls.length > 0 ? new SchemaDecoder(options.schemaRegistryUrls) : null,
    lagHistory: new LagHistoryStore(), tails: new Set(), maxTails: options.maxTails ?? 100,
    info: {
      version: packageVersion(), readOnly: options.readOnly ?? false, bootstrapServers: [...clientOptions.bootstrapServers],
      securityProtocol: clientOptions.security?.securityProtocol ?? 'PLAINTEXT', metrics: metrics !== null, basicAuth: basicAuth !== null,
    },
    producer: () => producer ??= new Producer({
      ...clientOptions, clientId: `${clientId}-producer`, allowAutoTopicCreation: false, lingerMs: 0, maxBlockMs: 10_000, deliveryTimeoutMs: 30_000,
    }),
  };
  const router = new Router(HANDLERS, ACCESS);
  const host = options.host ?? '127.0.0.1';
  const boundToLoopback = isLoopback(host);
  const staticDir = options.staticDir ?? DEFAULT_STATIC_DIR;

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    commonHeaders(response);
    try {
      if (basicAuth !== null && !basicAuth.check(request.headers.authorization)) {
        request.resume();
        sendApiError(response, 401, { error: { code: 'UNAUTHORIZED', message: 'this console needs a user and password (HTTP Basic authentication)' } },
          { 'www-authenticate': BASIC_AUTH_CHALLENGE });
        return;
      }
      checkRequestOrigin(request, boundToLoopback);
      const url = new URL(request.url ?? '/', 'http://console.invalid');
      if (url.pathname === '/api' || url.pathname.startsWith('/api/')) await router.handle(request, response, url, context);
      else await serveStatic(request, response, url, staticDir);
    } catch (error) {
      const { status, body, internal } = apiErrorOf(error);
      if (internal) log.error(`${request.method} ${request.url} failed`, error);
      sendApiError(response, status, { error: body });
    }
  };
  const server = createServer((request, response) => void handle(request, response));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 8080, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;

  metrics?.start();
  let sampling = false;
  const lagTimer = setInterval(() => {
    if (sampling) return;
    sampling = true;
    void Promise.all(context.lagHistory.watched().map(async (groupId) => {
      context.lagHistory.record(groupId, await groupTotalLag(admin, groupId));
    }).map((p) => p.catch(() => {}))).finally(() => { sampling = false; });
  }, options.lagSampleIntervalMs ?? 10_000);
  lagTimer.unref();

  const urlHost = host.includes(':') ? `[${host}]` : host;
  return {
    host, port, url: `http://${urlHost}:${port}`,
    async close() {
      clearInterval(lagTimer);
      metrics?.stop();
      for (const tail of [...context.tails]) tail.close();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
      await Promise.all([admin.close(), producer?.close()]);
    },
  };
}
