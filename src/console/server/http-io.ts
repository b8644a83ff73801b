import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApiErrorBody } from '../api-types.ts';
import { ApiHttpError } from './http-errors.ts';

/** Bodies larger than this are refused (413) before they are read to the end: no endpoint needs more. */
export const MAX_BODY_BYTES = 1_048_576;

/**
 * The request's JSON body (undefined when it has none). A body that is not application/json, too
 * large or not JSON is an ApiHttpError, so a client's mistake never reaches a route as a crash.
 */
export async function readJsonBody(request: IncomingMessage, maxBytes = MAX_BODY_BYTES): Promise<unknown> {
  const declared = Number(request.headers['content-length'] ?? NaN);
  if (declared > maxBytes) {
    request.resume();
    throw new ApiHttpError('PAYLOAD_TOO_LARGE', `the body is ${declared} bytes; the limit is ${maxBytes}`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) {
      request.resume();
      throw new ApiHttpError('PAYLOAD_TOO_LARGE', `the body is over the limit of ${maxBytes} bytes`);
    }
    chunks.push(chunk);
  }
  if (size === 0) return undefined;
  const type = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json') {
    throw new ApiHttpError('UNSUPPORTED_MEDIA_TYPE', `the body must be application/json, not '${type || 'none'}'`);
  }
  try {
    return JSON.parse(Buffer.concat(chunks, size).toString('utf8')) as unknown;
  } catch (error) {
    throw new ApiHttpError('BAD_REQUEST', `the body is not valid JSON: ${(error as Error).message}`);
  }
}

/** Security headers every answer carries: the API is never framed, sniffed or cached. */
export function commonHeaders(response: ServerResponse): void {
  response.setHeader('x-content-type-options', 'nosniff');
  response.setHeader('x-frame-options', 'DENY');
  response.setHeader('referrer-policy', 'no-referrer');
}

export function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
  });
  response.end(text);
}

export function sendApiError(response: ServerResponse, status: number, body: ApiErrorBody, headers: Record<string, string> = {}): void {
  if (response.headersSent) {
    response.destroy();
    return;
  }
  for (const [name, value] of Object.entries(headers)) response.setHeader(name, value);
  sendJson(response, status, body);
}
