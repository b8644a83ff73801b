import type { IncomingMessage } from 'node:http';
import { ApiHttpError } from './http-errors.ts';

const LOOPBACK_NAMES: ReadonlySet<string> = new Set(['localhost', '127.0.0.1', '[::1]']);

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/**
 * Refuses what a page of another site could make a browser send. A console bound to loopback
 * answers only requests naming it by a loopback name (a DNS-rebound name would reach it from a
 * foreign page, with the page's origin treated as the console's); and a request that changes
 * something must come from the console's own origin when the browser says where it comes from.
 */
export function checkRequestOrigin(request: IncomingMessage, boundToLoopback: boolean): void {
  const hostHeader = request.headers.host ?? '';
  if (boundToLoopback) {
    const name = hostHeader.replace(/:\d+$/, '').toLowerCase();
    if (!LOOPBACK_NAMES.has(name) && !/^127\.\d+\.\d+\.\d+$/.test(name)) {
      throw new ApiHttpError('FORBIDDEN', `this console listens on loopback only; open it as localhost or 127.0.0.1, not '${hostHeader}'`);
    }
  }
  const method = request.method ?? 'GET';
  const origin = request.headers.origin;
  if (method !== 'GET' && method !== 'HEAD' && origin !== undefined) {
    let originHost: string;
    try {
      originHost = new URL(origin).host;
    } catch {
      originHost = '';
    }
    if (originHost.toLowerCase() !== hostHeader.toLowerCase()) {
      throw new ApiHttpError('FORBIDDEN', `a ${method} from another origin (${origin}) is refused: changes come only from the console's own page`);
    }
  }
}
