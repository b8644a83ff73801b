import { RawText, type RegistryRequest, type RegistryRoutes } from './registry-http.ts';
import { deleteSubject, deleteVersion, register } from './registry-operations.ts';
import { queryFlag, schemaEntity, schemaRequestBody, versionParam } from './registry-params.ts';
import { schemaNotFound, subjectNotFound, versionNotFound } from './registry-errors.ts';
import type { RegistryState } from './registry-state.ts';
import { parseSchema, sameSchema } from './schema-parsing.ts';
import type { SchemaValue } from './schemas-records.ts';

/**
 * The version a path names: "latest" is the newest live one (or, with `deleted`, the newest of
 * all). The subject must have versions (40401), the version exist (40402), and be live unless
 * `deleted` is asked for.
 */
export function versionOf(state: RegistryState, subject: string, text: string, deleted: boolean): SchemaValue {
  const version = versionParam(text);
  const all = state.versions(subject, true);
  if (all.length === 0 || (!deleted && all.every((v) => v.deleted))) throw subjectNotFound(subject);
  const candidates = deleted ? all : all.filter((v) => !v.deleted);
  const found = version === 'latest' ? candidates.at(-1) : candidates.find((v) => v.version === version);
  if (found === undefined) throw versionNotFound(version);
  return found;
}

function getVersion({ registry, params, query }: RegistryRequest): SchemaValue {
  return versionOf(registry.state, params.subject!, params.version!, queryFlag(query, 'deleted'));
}

export const subjectRoutes: RegistryRoutes = {
  'GET /subjects': ({ registry, query }) => {
    const prefix = query.get('subjectPrefix') ?? '';
    return registry.state.subjects(queryFlag(query, 'deleted')).filter((s) => s.startsWith(prefix));
  },

  'GET /subjects/{subject}/versions': ({ registry, params, query }) => {
    const versions = registry.state.versions(params.subject!, queryFlag(query, 'deleted'));
    if (versions.length === 0) throw subjectNotFound(params.subject!);
    return versions.map((v) => v.version);
  },

  'POST /subjects/{subject}/versions': async ({ params, query, body, write }) => {
    const request = schemaRequestBody(body);
    const normalize = query.has('normalize') ? queryFlag(query, 'normalize') : undefined;
    return write((state) => register(state, { subject: params.subject!, ...request, normalize }));
  },

  'GET /subjects/{subject}/versions/{version}': (request) => schemaEntity(getVersion(request)),

  'GET /subjects/{subject}/versions/{version}/schema': (request) => new RawText(getVersion(request).schema),

  'GET /subjects/{subject}/versions/{version}/referencedby': (request) => {
    const version = getVersion(request);
    return request.registry.state.referencedBy(version.subject, version.version).map((v) => v.id);
  },

  'DELETE /subjects/{subject}/versions/{version}': ({ params, query, write }) => {
    const version = versionParam(params.version!);
    return write((state) => deleteVersion(state, params.subject!, version, queryFlag(query, 'permanent')));
  },

  'DELETE /subjects/{subject}': ({ params, query, write }) =>
    write((state) => deleteSubject(state, params.subject!, queryFlag(query, 'permanent'))),

  /** Looks a schema up in a subject: the version it was registered as, or 40403. */
  'POST /subjects/{subject}': ({ registry, params, query, body }) => {
    const { state } = registry;
    const subject = params.subject!;
    const request = schemaRequestBody(body);
    const deleted = queryFlag(query, 'deleted');
    const versions = state.versions(subject, deleted);
    if (versions.length === 0) throw subjectNotFound(subject);
    const normalize = query.has('normalize') ? queryFlag(query, 'normalize') : state.normalizeOf(subject);
    const candidate = parseSchema(state, request.schemaType, request.schema, request.references, normalize);
    const found = versions.findLast((v) => sameSchema(state, v, candidate, request.references, normalize));
    if (found === undefined) throw schemaNotFound();
    return schemaEntity(found);
  },
};
