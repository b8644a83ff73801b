/**
 * A stand-in for the registry in this module's unit tests: a node:http server on loopback answering
 * the REST calls serializers make (register, look up, by id, by version, a subject's config) with
 * Confluent's payloads and error codes, and recording every request so tests can tell a cache hit
 * from a call. It checks nothing a real registry checks (compatibility, schema validity).
 */
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

interface StoredSchema {
  readonly schema: string;
  readonly schemaType: string;
  readonly references: readonly unknown[];
}

export interface StubRegistry {
  readonly url: string;
  /** `METHOD path[?query]` of every request, in order. */
  readonly requests: string[];
  /** Registers as a client would, outside the HTTP path: the schema's id. */
  register(subject: string, schema: StoredSchema): number;
  close(): Promise<void>;
}

export async function startStubRegistry(options: { basicAuth?: string } = {}): Promise<StubRegistry> {
  const schemas: StoredSchema[] = [];
  const idByKey = new Map<string, number>();
  const subjects = new Map<string, number[]>(); // subject -> ids by version - 1
  const requests: string[] = [];

  const register = (subject: string, schema: StoredSchema): number => {
    const key = JSON.stringify([schema.schemaType, schema.schema, schema.references]);
    let id = idByKey.get(key);
    if (id === undefined) {
      schemas.push(schema);
      id = schemas.length;
      idByKey.set(key, id);
    }
    const versions = subjects.get(subject) ?? [];
    if (!versions.includes(id)) versions.push(id);
    subjects.set(subject, versions);
    return id;
  };
  const versionAnswer = (subject: string, version: number) => {
    const id = subjects.get(subject)![version - 1]!;
    return { subject, version, id, ...answerSchema(schemas[id - 1]!) };
  };

  const handle = (method: string, path: string, body: Record<string, unknown>): [number, unknown] => {
    let m: RegExpMatchArray | null;
    if (method === 'GET' && (m = path.match(/^\/schemas\/ids\/(\d+)$/))) {
      const stored = schemas[Number(m[1]) - 1];
      return stored === undefined ? [404, { error_code: 40403, message: `Schema ${m[1]} not found` }] : [200, answerSchema(stored)];
    }
    if ((m = path.match(/^\/subjects\/([^/]+)(\/versions)?(?:\/([^/]+))?$/))) {
      const subject = decodeURIComponent(m[1]!);
      const versions = subjects.get(subject);
      if (method === 'POST' && m[2] !== undefined) {
        return [200, { id: register(subject, storedOf(body)) }];
      }
      if (versions === undefined) return [404, { error_code: 40401, message: `Subject '${subject}' not found.` }];
      if (method === 'POST') {
        const id = idByKey.get(JSON.stringify([storedOf(body).schemaType, storedOf(body).schema, storedOf(body).references]));
        const version = id === undefined ? 0 : versions.indexOf(id) + 1;
        return version === 0 ? [404, { error_code: 40403, message: 'Schema not found' }] : [200, versionAnswer(subject, version)];
      }
      if (m[3] === undefined) return [200, versions.map((_, i) => i + 1)];
      const version = m[3] === 'latest' ? versions.length : Number(m[3]);
      if (!(version >= 1 && version <= versions.length)) return [404, { error_code: 40402, message: `Version ${m[3]} not found.` }];
      return [200, versionAnswer(subject, version)];
    }
    if ((m = path.match(/^\/config\/([^/]+)$/))) {
      return method === 'PUT' ? [200, body] : [404, { error_code: 40408, message: 'Subject does not have subject-level compatibility configured' }];
    }
    return [404, { error_code: 404, message: 'HTTP 404 Not Found' }];
  };

  const server: Server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const [path, query] = (request.url ?? '/').split('?') as [string, string | undefined];
      requests.push(`${request.method} ${path}${query === undefined ? '' : `?${query}`}`);
      let status: number;
      let answer: unknown;
      if (options.basicAuth !== undefined && request.headers.authorization !== `Basic ${Buffer.from(options.basicAuth).toString('base64')}`) {
        [status, answer] = [401, { error_code: 401, message: 'Unauthorized' }];
      } else {
        const text = Buffer.concat(chunks).toString();
        [status, answer] = handle(request.method ?? 'GET', path, text === '' ? {} : JSON.parse(text) as Record<string, unknown>);
      }
      response.writeHead(status, { 'Content-Type': 'application/vnd.schemaregistry.v1+json' });
      response.end(JSON.stringify(answer));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    register,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

function storedOf(body: Record<string, unknown>): StoredSchema {
  return { schema: String(body.schema), schemaType: typeof body.schemaType === 'string' ? body.schemaType : 'AVRO', references: (body.references as unknown[] | undefined) ?? [] };
}

/** As Confluent answers: schemaType left out for AVRO, references only when there are some. */
function answerSchema(stored: StoredSchema): Record<string, unknown> {
  return {
    schema: stored.schema,
    ...(stored.schemaType === 'AVRO' ? {} : { schemaType: stored.schemaType }),
    ...(stored.references.length === 0 ? {} : { references: stored.references }),
  };
}
