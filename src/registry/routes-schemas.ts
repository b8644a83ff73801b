import { SCHEMA_TYPES } from './formats.ts';
import { RawText, type RegistryRequest, type RegistryRoutes } from './registry-http.ts';
import { idParam, queryFlag, schemaEntity, schemaStringEntity } from './registry-params.ts';
import { schemaNotFound } from './registry-errors.ts';
import type { SchemaById } from './registry-state.ts';

/** The schema of a path's id; with ?subject=, only if that subject has it (40403 otherwise), as Confluent. */
function schemaOf({ registry, params, query }: RegistryRequest): SchemaById {
  const id = idParam(params.id!);
  const schema = registry.state.schemaById(id);
  if (schema === undefined) throw schemaNotFound(id);
  const subject = query.get('subject');
  if (subject !== null && subject !== '' && !registry.state.usesOfId(id, true).some((v) => v.subject === subject)) throw schemaNotFound(id);
  return schema;
}

export const schemaRoutes: RegistryRoutes = {
  'GET /schemas': ({ registry, query }) => {
    const prefix = query.get('subjectPrefix') ?? '';
    const deleted = queryFlag(query, 'deleted');
    const latestOnly = queryFlag(query, 'latestOnly');
    return registry.state.subjects(deleted).filter((s) => s.startsWith(prefix)).flatMap((subject) => {
      const versions = registry.state.versions(subject, deleted);
      return (latestOnly ? versions.slice(-1) : versions).map(schemaEntity);
    });
  },

  'GET /schemas/types': () => [...SCHEMA_TYPES],

  'GET /schemas/ids/{id}': (request) => schemaStringEntity(schemaOf(request)),

  'GET /schemas/ids/{id}/schema': (request) => new RawText(schemaOf(request).schema),

  'GET /schemas/ids/{id}/versions': (request) => {
    const { id } = schemaOf(request);
    return request.registry.state.usesOfId(id, queryFlag(request.query, 'deleted')).map((v) => ({ subject: v.subject, version: v.version }));
  },

  'GET /schemas/ids/{id}/subjects': (request) => {
    const { id } = schemaOf(request);
    return [...new Set(request.registry.state.usesOfId(id, queryFlag(request.query, 'deleted')).map((v) => v.subject))];
  },
};
