import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { HttpEndpoint } from '../broker/config-definition.ts';
import type { Logger } from '../broker/logger.ts';

export interface MetricsServer {
  /** As bound: port 0 in the config becomes the real port. */
  readonly host: string;
  readonly port: number;
  close(): Promise<void>;
}

/**
 * The metrics listener: GET /metrics answers the Prometheus text exposition `scrape` makes, with
 * its content type; any other path is 404, any other method on /metrics 405.
 */
export async function startMetricsServer(
  endpoint: HttpEndpoint,
  scrape: () => Promise<{ body: string; contentType: string }>,
  logger: Logger,
): Promise<MetricsServer> {
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    if (path !== '/metrics') {
      response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Not found: metrics are at /metrics\n');
      return;
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' }).end('Only GET\n');
      return;
    }
    scrape().then(
      ({ body, contentType }) => {
        response.writeHead(200, { 'content-type': contentType });
        response.end(request.method === 'HEAD' ? undefined : body);
      },
      (error: unknown) => {
        logger.error({ err: error }, 'collecting metrics failed');
        response.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end('Collecting metrics failed\n');
      },
    );
  });
  // A scraper keeps its connection open between scrapes; close() must not wait for it.
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: endpoint.host === '' ? undefined : endpoint.host, port: endpoint.port }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', (error) => logger.error({ err: error }, 'metrics listener error'));
  const address = server.address() as AddressInfo;
  logger.info({ url: `http://${address.address}:${address.port}/metrics` }, 'serving metrics');
  return {
    host: address.address,
    port: address.port,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}
