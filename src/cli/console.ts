import { BasicAuth } from '../console/server/basic-auth.ts';
import { startConsoleServer } from '../console/server/console-server.ts';
import { EXIT_OK, UsageError } from './cli-io.ts';
import type { CliIo } from './cli-io.ts';
import { adminOptions, warnUnknownProperties } from './client-properties.ts';
import { announcedShutdown, waitForSignal } from './wait-for-signal.ts';
import { bootstrapServers, clientProperties, flag, intOption, listOption, parseOptions, stringOption } from './cli-options.ts';

export const consoleUsage = `Usage: samsa console --bootstrap-server <host:port> [options]

Serves the Samsa console: a web app and its JSON API (docs/console-api.md) over any Kafka-compatible
cluster, through Samsa's own Admin, Consumer and Producer. Build the web app once with
'npm run build:console'; the API works without it.

Options:
  --bootstrap-server <host:port[,...]>   the cluster (required)
  --command-config <file>      client properties: security.protocol, ssl.*, sasl.*, client.id,
                               request.timeout.ms, default.api.timeout.ms, ... (as the other tools)
  --port <n>                   HTTP port (default 8080; 0 picks a free one)
  --host <address>             address to bind (default 127.0.0.1: this machine only)
  --read-only                  refuse every change (create, delete, produce, reset, configs, ACLs,
                               users) with 403; browsing, tails and dry runs still work
  --basic-auth-file <file>     require HTTP Basic authentication: lines 'user:password' or
                               'user:sha256:<hex of SHA-256(password)>'; # starts a comment
  --metrics-url <url[,url]>    brokers' Prometheus /metrics, for the in and out rates (repeatable)
  --metrics-interval-ms <n>    how often to scrape them (default 5000)
  --schema-registry <url[,url]>  a schema registry: keys and values in Confluent's wire format
                               (Avro, JSON Schema, Protobuf) are shown decoded, with their schema id
`;

const OPTIONS = {
  'bootstrap-server': { type: 'string' }, 'command-config': { type: 'string' },
  port: { type: 'string' }, host: { type: 'string' }, 'read-only': { type: 'boolean' },
  'basic-auth-file': { type: 'string' }, 'metrics-url': { type: 'string', multiple: true }, 'metrics-interval-ms': { type: 'string' },
  'schema-registry': { type: 'string' },
} as const;

/** `samsa console`: runs until SIGINT or SIGTERM (or `waitForShutdown` resolves, for tests). */
export async function runConsoleCommand(args: readonly string[], io: CliIo, waitForShutdown: () => Promise<string> = waitForSignal): Promise<number> {
  const { values } = parseOptions(args, OPTIONS);
  if (flag(values, 'help')) {
    io.stdout(consoleUsage);
    return EXIT_OK;
  }
  const servers = bootstrapServers(values);
  const port = intOption(values, 'port', { min: 0 }) ?? 8080;
  if (port > 65_535) throw new UsageError(`--port must be at most 65535, not ${port}`);
  const metricsIntervalMs = intOption(values, 'metrics-interval-ms', { min: 100 });
  const metricsUrls = listOption(values, 'metrics-url').flatMap((v) => v.split(',')).map((u) => u.trim()).filter((u) => u !== '');
  for (const url of metricsUrls) {
    if (!URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol)) throw new UsageError(`--metrics-url takes http(s) URLs, not '${url}'`);
  }
  const schemaRegistryUrls = (stringOption(values, 'schema-registry') ?? '').split(',').map((u) => u.trim()).filter((u) => u !== '');
  for (const url of schemaRegistryUrls) {
    if (!URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol)) throw new UsageError(`--schema-registry takes http(s) URLs, not '${url}'`);
  }
  const props = await clientProperties(stringOption(values, 'command-config'), [], '--command-config');
  const { options, unknown } = adminOptions({ bootstrapServers: servers, clientId: 'samsa-console' }, props);
  warnUnknownProperties(io, 'console', unknown);
  const authFile = stringOption(values, 'basic-auth-file');
  let basicAuth: BasicAuth | null = null;
  if (authFile !== undefined) {
    try {
      basicAuth = await BasicAuth.fromFile(authFile);
    } catch (error) {
      throw new UsageError(`--basic-auth-file: ${(error as Error).message}`);
    }
  }
  const readOnly = flag(values, 'read-only');
  const shutdown = announcedShutdown('console', io, waitForShutdown);
  const server = await startConsoleServer({
    client: { ...options, bootstrapServers: servers }, host: stringOption(values, 'host') ?? '127.0.0.1', port, readOnly, basicAuth,
    metricsUrls, ...(metricsIntervalMs === undefined ? {} : { metricsIntervalMs }), schemaRegistryUrls,
    log: {
      info: (message) => io.stderr(`samsa console: ${message}\n`),
      error: (message, error) => io.stderr(`samsa console: ${message}: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`),
    },
  });
  const notes = [readOnly ? 'read-only' : '', basicAuth !== null ? 'basic auth' : '', metricsUrls.length > 0 ? `metrics from ${metricsUrls.length} URL(s)` : '',
    schemaRegistryUrls.length > 0 ? `schema registry ${schemaRegistryUrls.join(',')}` : ''].filter((n) => n !== '');
  io.stdout(`Samsa console at ${server.url}/ for ${servers.join(',')}${notes.length > 0 ? ` (${notes.join(', ')})` : ''}\n`);
  await shutdown;
  await server.close();
  return EXIT_OK;
}
