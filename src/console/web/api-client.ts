/**
 * The typed client of the console's JSON API, keyed by the route table in ../api-types.ts: the
 * route key ('GET /api/topics/:topic') fixes the method, the path, and the types of the params,
 * query, body and answer, so a change on the server's side fails this build's type check.
 */
import type { ApiErrorBody, ApiErrorCode, ApiRoute, BodyOf, ParamsOf, QueryOf, ResponseOf, RoutesWithBody } from '../api-types.ts';

/** A refused or failed call, with the server's error code and its one-line message. */
export class ApiRequestError extends Error {
  readonly code: ApiErrorCode | 'NETWORK';
  readonly status: number;
  readonly kafkaErrorName: string | undefined;

  constructor(code: ApiErrorCode | 'NETWORK', status: number, message: string, kafkaErrorName?: string) {
    super(message);
    this.name = 'ApiRequestError';
    this.code = code;
    this.status = status;
    this.kafkaErrorName = kafkaErrorName;
  }
}

type HasKeys<T> = keyof T extends never ? false : true;

export type RequestOf<R extends ApiRoute> = (HasKeys<ParamsOf<R>> extends true ? { readonly params: ParamsOf<R> } : { readonly params?: ParamsOf<R> }) & {
  readonly query?: QueryOf<R>;
} & (R extends RoutesWithBody ? { readonly body: BodyOf<R> } : { readonly body?: undefined });

/** The request argument is optional only for routes that need nothing. */
export type RequestArgs<R extends ApiRoute> = {} extends RequestOf<R> ? [request?: RequestOf<R>] : [request: RequestOf<R>];

/** Query values as the API takes them: String(value), lists comma-separated; undefined and '' left out. */
export function queryString(query: object | undefined): string {
  if (query === undefined) return '';
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === '') continue;
    search.set(name, Array.isArray(value) ? value.join(',') : String(value));
  }
  const text = search.toString();
  return text === '' ? '' : `?${text}`;
}

/** The URL of a route with its params filled in (encodeURIComponent) and its query appended. */
export function routeUrl<R extends ApiRoute>(route: R, params: object | undefined, query: object | undefined): string {
  const path = route.slice(route.indexOf(' ') + 1);
  const values = (params ?? {}) as Record<string, string>;
  const filled = path.replace(/:(\w+)/g, (_m, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`${route}: missing path parameter ${name}`);
    return encodeURIComponent(value);
  });
  return filled + queryString(query);
}

function isErrorBody(body: unknown): body is ApiErrorBody {
  return typeof body === 'object' && body !== null && 'error' in body && typeof (body as ApiErrorBody).error?.message === 'string';
}

export async function api<R extends ApiRoute>(route: R, ...[request]: RequestArgs<R>): Promise<ResponseOf<R>> {
  const method = route.slice(0, route.indexOf(' '));
  const req = request as { params?: object; query?: object; body?: unknown } | undefined;
  const url = routeUrl(route, req?.params, req?.query);
  let response: Response;
  try {
    response = await fetch(url, {
      method,
      headers: req?.body !== undefined ? { 'content-type': 'application/json', accept: 'application/json' } : { accept: 'application/json' },
      body: req?.body !== undefined ? JSON.stringify(req.body) : undefined,
    });
  } catch (e) {
    throw new ApiRequestError('NETWORK', 0, `The console server did not answer (${method} ${url}): ${e instanceof Error ? e.message : String(e)}`);
  }
  const text = await response.text();
  let body: unknown;
  try {
    body = text === '' ? undefined : JSON.parse(text);
  } catch {
    body = undefined;
  }
  if (!response.ok) {
    if (isErrorBody(body)) throw new ApiRequestError(body.error.code, response.status, body.error.message, body.error.kafkaErrorName);
    throw new ApiRequestError('INTERNAL', response.status, `${method} ${url}: HTTP ${response.status} ${response.statusText}`);
  }
  return body as ResponseOf<R>;
}
