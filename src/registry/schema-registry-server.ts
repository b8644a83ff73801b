import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FORWARDED_HEADER } from './leader-forwarding.ts';
import { RegistryRouter, readJsonBody, registryErrorOf, send, sendError, type RegistryRoutes } from './registry-http.ts';
import { configRoutes } from './routes-config.ts';
import { metadataRoutes } from './routes-metadata.ts';
import { schemaRoutes } from './routes-schemas.ts';
import { subjectRoutes } from './routes-subjects.ts';
import { SchemaRegistry, type SchemaRegistryOptions } from './schema-registry.ts';

export interface SchemaRegistryServerOptions extends SchemaRegistryOptions {
  /** Confluent's `listeners`: one http://host:port (default http://127.0.0.1:8081; port 0 picks a free one). */
  readonly listener?: string;
  /**
   * Confluent's `host.name`: the host other instances forward writes to (default: the listener's
   * host, so a registry on 0.0.0.0 must name itself).
   */
  readonly hostName?: string;
  /** Told of failures the API answered with 500, with their cause. */
  readonly logError?: (message: string, error: unknown) => void;
}

export interface SchemaRegistryServer {
  readonly host: string;
  readonly port: number;
  /** http://host:port */
  readonly url: string;
  readonly registry: SchemaRegistry;
  close(): Promise<void>;
}

const ROUTES: RegistryRoutes = {
  'GET /': () => ({}),
  ...subjectRoutes,
  ...schemaRoutes,
  ...configRoutes,
  ...metadataRoutes,
};

/** The host and port of a listener URL; only http (TLS listeners are not built yet). */
export function parseListener(listener: string): { host: string; port: number } {
  if (!URL.canParse(listener)) throw new Error(`listener '${listener}' is not a URL such as http://127.0.0.1:8081`);
  const url = new URL(listener);
  if (url.protocol !== 'http:') throw new Error(`listener '${listener}': only http:// listeners are supported`);
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  return { host: host === '' ? '127.0.0.1' : host, port: url.port === '' ? 80 : Number(url.port) };
}

/**
 * Starts a schema registry: reads `_schemas` to its end (creating it if missing), then serves
 * Confluent's REST API. close() stops the server, then the registry's clients.
 */
export async function startSchemaRegistryServer(options: SchemaRegistryServerOptions): Promise<SchemaRegistryServer> {
  const { host, port } = parseListener(options.listener ?? 'http://127.0.0.1:8081');
  const registry = new SchemaRegistry(options);
  try {
    await registry.start();
  } catch (error) {
    await registry.close();
    throw error;
  }
  const router = new RegistryRouter(ROUTES);
  const logError = options.logError ?? (() => {});

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    try {
      const url = new URL(request.url ?? '/', 'http://registry.invalid');
      const method = request.method ?? 'GET';
      const { handler, params } = router.find(method, url.pathname);
      const body = method === 'GET' || method === 'HEAD' || method === 'DELETE' ? undefined : await readJsonBody(request);
      if (method === 'GET' || method === 'HEAD' || method === 'DELETE') request.resume();
      const forwarded = request.headers[FORWARDED_HEADER] !== undefined;
      const write = <T>(operation: Parameters<typeof registry.execute<T>>[0]): Promise<T> =>
        registry.execute(operation, { method, path: url.pathname + url.search, body, forwarded });
      const answer = await handler({ params, query: url.searchParams, body, registry, write });
      send(response, 200, answer);
    } catch (error) {
      const { error: registryError, internal } = registryErrorOf(error);
      if (internal) logError(`${request.method} ${request.url} failed`, error);
      request.resume();
      sendError(response, registryError);
    }
  };
  const server = createServer((request, response) => void handle(request, response));
  // A malformed request line or header is answered by Node itself; it never reaches a route.
  server.on('clientError', (_error, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n');
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    await registry.close();
    throw error;
  }
  const bound = (server.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  const close = async (): Promise<void> => {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
    await registry.close();
  };
  try {
    // Joined once serving, as the identity carries the bound port; writes answer 50004 until then.
    await registry.startElection(options.hostName ?? host, bound);
  } catch (error) {
    await close();
    throw error;
  }
  return { host, port: bound, url: `http://${urlHost}:${bound}`, registry, close };
}

