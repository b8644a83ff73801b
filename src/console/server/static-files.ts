import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where `npm run build:console` (Vite) writes the web app: dist/console at the package's root. */
export const DEFAULT_STATIC_DIR = fileURLToPath(new URL('../../../dist/console/', import.meta.url));

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8', '.json': 'application/json; charset=utf-8', '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml', '.png': 'image/png', '.jpg': 'image/jpeg', '.ico': 'image/x-icon', '.webp': 'image/webp',
  '.woff': 'font/woff', '.woff2': 'font/woff2', '.txt': 'text/plain; charset=utf-8', '.webmanifest': 'application/manifest+json',
};

/** The page loads only its own scripts and talks only to this server. */
const CONTENT_SECURITY_POLICY = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'";

const NOT_BUILT = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Samsa console</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 3rem auto; line-height: 1.5">
<h1>Samsa console</h1>
<p>The web app is not built. In the Samsa checkout run:</p>
<pre>npm run build:console</pre>
<p>and reload this page. The JSON API works meanwhile: try <a href="/api/cluster">/api/cluster</a>
(documented in docs/console-api.md).</p>
</body></html>
`;

async function fileAt(path: string): Promise<{ path: string; size: number } | null> {
  try {
    const info = await stat(path);
    return info.isFile() ? { path, size: info.size } : null;
  } catch {
    return null;
  }
}

function sendText(response: ServerResponse, status: number, type: string, text: string, method: string): void {
  response.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
  response.end(method === 'HEAD' ? undefined : text);
}

/**
 * Serves the built web app: a file under `root` as it is (Vite's hashed /assets/ cached for good),
 * index.html for any other path without a file extension (the app's own routes, so a reload of
 * /topics/orders works), 404 for a missing file. Without a build, the app's paths answer a page
 * that says how to build it.
 */
export async function serveStatic(request: IncomingMessage, response: ServerResponse, url: URL, root: string): Promise<void> {
  const method = request.method ?? 'GET';
  if (method !== 'GET' && method !== 'HEAD') {
    response.setHeader('allow', 'GET, HEAD');
    sendText(response, 405, 'text/plain; charset=utf-8', `${method} is not allowed here\n`, method);
    return;
  }
  let relative: string;
  try {
    relative = normalize(decodeURIComponent(url.pathname)).replace(/^([/\\])+/, '');
  } catch {
    sendText(response, 400, 'text/plain; charset=utf-8', 'bad URL encoding\n', method);
    return;
  }
  // normalize() resolved every '..'; one left at the start would leave the root.
  if (relative.includes('\0') || relative === '..' || relative.startsWith(`..${sep}`)) {
    sendText(response, 404, 'text/plain; charset=utf-8', 'not found\n', method);
    return;
  }
  const file = relative === '' ? null : await fileAt(join(root, relative));
  const index = file === null && extname(relative) === '' ? await fileAt(join(root, 'index.html')) : null;
  const chosen = file ?? index;
  if (chosen === null) {
    if (extname(relative) === '' || relative === 'index.html') sendText(response, 503, 'text/html; charset=utf-8', NOT_BUILT, method);
    else sendText(response, 404, 'text/plain; charset=utf-8', `not found: /${relative}\n`, method);
    return;
  }
  const type = CONTENT_TYPES[extname(chosen.path).toLowerCase()] ?? 'application/octet-stream';
  const immutable = file !== null && relative.startsWith(`assets${sep}`);
  response.writeHead(200, {
    'content-type': type, 'content-length': chosen.size,
    'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
    ...(type.startsWith('text/html') ? { 'content-security-policy': CONTENT_SECURITY_POLICY } : {}),
  });
  if (method === 'HEAD') {
    response.end();
    return;
  }
  const stream = createReadStream(chosen.path);
  stream.on('error', () => response.destroy());
  stream.pipe(response);
}
