import type { IncomingMessage, ServerResponse } from 'node:http';
import { httpError, RegistryError } from './registry-errors.ts';
import type { Operation } from './registry-operations.ts';
import type { RegistryState } from './registry-state.ts';
import type { SchemaRegistry } from './schema-registry.ts';

/** What Confluent's registry answers with, and what it reads. */
export const CONTENT_TYPE = 'application/vnd.schemaregistry.v1+json';
const ACCEPTED_BODY_TYPES = [CONTENT_TYPE, 'application/vnd.schemaregistry+json', 'application/json', 'application/octet-stream'];

/** No request needs more: a schema of several megabytes is a mistake or an attack. */
export const MAX_BODY_BYTES = 16 * 1024 * 1024;

export interface RegistryRequest {
  readonly params: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
  /** The JSON body; undefined for GET and DELETE or an empty body. */
  readonly body: unknown;
  readonly registry: SchemaRegistry;
  /** Runs a write: on the leader, or by forwarding this very request to it (SchemaRegistry.execute). */
  readonly write: <T>(operation: (state: RegistryState) => Operation<T>) => Promise<T>;
}

/** A route's answer: a JSON value, or raw text (GET .../schema answers the schema itself). */
export type RegistryAnswer = unknown;
export class RawText {
  readonly text: string;

  constructor(text: string) {
    this.text = text;
  }
}

export type RegistryHandler = (request: RegistryRequest) => RegistryAnswer | Promise<RegistryAnswer>;
export type RegistryRoutes = Readonly<Record<string, RegistryHandler>>;

export async function readJsonBody(request: IncomingMessage): Promise<unknown> {
  const declared = Number(request.headers['content-length'] ?? NaN);
  if (declared > MAX_BODY_BYTES) {
    request.resume();
    throw httpError(413, `Request entity of ${declared} bytes is larger than the limit of ${MAX_BODY_BYTES}`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) {
      request.resume();
      throw httpError(413, `Request entity is larger than the limit of ${MAX_BODY_BYTES} bytes`);
    }
    chunks.push(chunk);
  }
  if (size === 0) return undefined;
  const type = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  // Confluent's clients send one of these; curl -d sends form encoding, which Confluent refuses too.
  if (type !== '' && !ACCEPTED_BODY_TYPES.includes(type)) throw httpError(415, 'HTTP 415 Unsupported Media Type');
  try {
    return JSON.parse(Buffer.concat(chunks, size).toString('utf8')) as unknown;
  } catch (error) {
    throw httpError(400, `Unexpected character in the request body: ${(error as Error).message}`);
  }
}

export function send(response: ServerResponse, status: number, body: unknown): void {
  const text = body instanceof RawText ? body.text : JSON.stringify(body);
  response.writeHead(status, {
    'content-type': CONTENT_TYPE,
    'content-length': Buffer.byteLength(text),
  });
  response.end(text);
}

export function sendError(response: ServerResponse, error: RegistryError): void {
  if (response.headersSent) {
    response.destroy();
    return;
  }
  send(response, error.status, { error_code: error.errorCode, message: error.message });
}

interface CompiledRoute {
  readonly method: string;
  readonly segments: readonly string[];
  readonly handler: RegistryHandler;
}

/** Finds the route of `METHOD /path/{param}` keys; a path that matches none is 404, a method the path lacks 405. */
export class RegistryRouter {
  readonly #routes: CompiledRoute[];

  constructor(routes: RegistryRoutes) {
    this.#routes = Object.entries(routes).map(([key, handler]) => {
      const [method, path] = key.split(' ') as [string, string];
      return { method, segments: path === '/' ? [] : path.split('/').slice(1), handler };
    });
  }

  find(method: string, pathname: string): { handler: RegistryHandler; params: Record<string, string> } {
    const trimmed = pathname.replace(/\/+$/, '');
    let segments: string[];
    try {
      segments = trimmed === '' ? [] : trimmed.split('/').slice(1).map(decodeURIComponent);
    } catch {
      throw httpError(404, 'HTTP 404 Not Found');
    }
    let pathMatched = false;
    for (const route of this.#routes) {
      const params = match(route.segments, segments);
      if (params === null) continue;
      pathMatched = true;
      if (route.method === method || (method === 'HEAD' && route.method === 'GET')) return { handler: route.handler, params };
    }
    throw pathMatched ? httpError(405, 'HTTP 405 Method Not Allowed') : httpError(404, 'HTTP 404 Not Found');
  }
}

function match(want: readonly string[], segments: readonly string[]): Record<string, string> | null {
  if (want.length !== segments.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    const w = want[i]!;
    if (w.startsWith('{')) {
      if (segments[i] === '') return null;
      params[w.slice(1, -1)] = segments[i]!;
    } else if (w !== segments[i]) {
      return null;
    }
  }
  return params;
}

/** Any error as Confluent answers it: a RegistryError as it is, anything else 500 / 50001. */
export function registryErrorOf(error: unknown): { error: RegistryError; internal: boolean } {
  if (error instanceof RegistryError) return { error, internal: false };
  return { error: new RegistryError(500, 50001, `Error in the backend data store: ${(error as Error)?.message ?? String(error)}`), internal: true };
}
