import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApiRoute, ParamsOf, ResponseOf } from '../api-types.ts';
import type { ConsoleContext } from './context.ts';
import { ApiHttpError, badRequest } from './http-errors.ts';
import { readJsonBody, sendJson } from './http-io.ts';
import type { QueryParams } from './validate.ts';
import { QueryParams as Query } from './validate.ts';

export interface ApiRequest<R extends ApiRoute> {
  readonly params: ParamsOf<R>;
  readonly query: QueryParams;
  /** The JSON body; undefined when the request has none. */
  readonly body: unknown;
  readonly http: IncomingMessage;
  /** For routes that answer themselves (the live tail); the others return their answer. */
  readonly response: ServerResponse;
  readonly context: ConsoleContext;
}

/** An answer with a status other than 200 (201 Created). */
export class Answer<T> {
  readonly status: number;
  readonly body: T;

  constructor(status: number, body: T) {
    this.status = status;
    this.body = body;
  }
}

/** Returned by a route that wrote the response itself (a stream). */
export const STREAMED: unique symbol = Symbol('streamed');

export type RouteResult<R extends ApiRoute> = ResponseOf<R> | Answer<ResponseOf<R>> | typeof STREAMED;
export type RouteHandler<R extends ApiRoute> = (request: ApiRequest<R>) => Promise<RouteResult<R>>;
/** Every route of ConsoleApi must have its handler: a route added to api-types.ts and not served fails the type check. */
export type RouteHandlers = { readonly [R in ApiRoute]: RouteHandler<R> };

/**
 * What --read-only does to each route: `read` always runs; `write` is refused with 403;
 * `dry-run-or-write` runs, and the route itself refuses its writing form (reset-offsets).
 */
export type RouteAccess = 'read' | 'write' | 'dry-run-or-write';
export type RouteAccessTable = { readonly [R in ApiRoute]: RouteAccess };

interface CompiledRoute {
  readonly key: ApiRoute;
  readonly method: string;
  /** Literal segments, or a parameter's name prefixed with ':'. */
  readonly segments: readonly string[];
}

function compile(keys: readonly ApiRoute[]): CompiledRoute[] {
  return keys.map((key) => {
    const [method, path] = key.split(' ') as [string, string];
    return { key, method, segments: path.split('/').slice(1) };
  });
}

/** Path segments, each URL-decoded on its own (so an encoded '/' stays inside a group id). */
function segmentsOf(pathname: string): string[] {
  return pathname.split('/').slice(1).map((segment) => {
    try {
      return decodeURIComponent(segment);
    } catch {
      throw badRequest(`the path segment '${segment}' is not valid URL encoding`);
    }
  });
}

function match(route: CompiledRoute, segments: readonly string[]): Record<string, string> | null {
  if (route.segments.length !== segments.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < segments.length; i++) {
    const want = route.segments[i]!;
    if (want.startsWith(':')) {
      if (segments[i] === '') return null;
      params[want.slice(1)] = segments[i]!;
    } else if (want !== segments[i]) {
      return null;
    }
  }
  return params;
}

/** The API's dispatcher: finds the route, applies --read-only, reads the body, runs the handler and answers. */
export class Router {
  readonly #handlers: RouteHandlers;
  readonly #access: RouteAccessTable;
  readonly #routes: CompiledRoute[];

  constructor(handlers: RouteHandlers, access: RouteAccessTable) {
    this.#handlers = handlers;
    this.#access = access;
    this.#routes = compile(Object.keys(handlers) as ApiRoute[]);
  }

  async handle(http: IncomingMessage, response: ServerResponse, url: URL, context: ConsoleContext): Promise<void> {
    const segments = segmentsOf(url.pathname.replace(/\/+$/, '') || '/');
    const method = http.method ?? 'GET';
    let found: { route: CompiledRoute; params: Record<string, string> } | null = null;
    const allowed: string[] = [];
    for (const route of this.#routes) {
      const params = match(route, segments);
      if (params === null) continue;
      allowed.push(route.method);
      if (route.method === method || (method === 'HEAD' && route.method === 'GET')) found ??= { route, params };
    }
    if (found === null) {
      if (allowed.length > 0) {
        response.setHeader('allow', [...new Set(allowed)].join(', '));
        throw new ApiHttpError('METHOD_NOT_ALLOWED', `${method} is not allowed on ${url.pathname} (allowed: ${[...new Set(allowed)].join(', ')})`);
      }
      throw new ApiHttpError('NOT_FOUND', `no API endpoint ${method} ${url.pathname} (see docs/console-api.md)`);
    }
    const { route, params } = found;
    if (context.readOnly && this.#access[route.key] === 'write') {
      http.resume();
      throw new ApiHttpError('READ_ONLY', `the console runs with --read-only: ${route.key} is refused`);
    }
    const body = method === 'GET' || method === 'HEAD' ? undefined : await readJsonBody(http);
    const handler = this.#handlers[route.key] as RouteHandler<ApiRoute>;
    const result = await handler({ params: params as ParamsOf<ApiRoute>, query: new Query(url.searchParams), body, http, response, context });
    if (result === STREAMED) return;
    if (result instanceof Answer) sendJson(response, result.status, result.body);
    else sendJson(response, 200, result);
  }
}
