import type { AclBinding, AclBindingFilter } from '../../client/index.ts';
import type {
  AclBindingView, AclFilterView, AclOperationName, AclPatternTypeName, AclPermissionTypeName, AclResourceTypeName, ScramMechanismNameView,
} from '../api-types.ts';
import { Answer, type RouteHandlers } from './router.ts';
import { badRequest, notFound } from './http-errors.ts';
import { Fields, type QueryParams } from './validate.ts';

const RESOURCE_TYPES: readonly AclResourceTypeName[] = ['TOPIC', 'GROUP', 'CLUSTER', 'TRANSACTIONAL_ID', 'DELEGATION_TOKEN', 'USER'];
const PATTERN_TYPES: readonly AclPatternTypeName[] = ['LITERAL', 'PREFIXED'];
const OPERATIONS: readonly AclOperationName[] = [
  'ALL', 'READ', 'WRITE', 'CREATE', 'DELETE', 'ALTER', 'DESCRIBE', 'CLUSTER_ACTION', 'DESCRIBE_CONFIGS', 'ALTER_CONFIGS', 'IDEMPOTENT_WRITE',
  'CREATE_TOKENS', 'DESCRIBE_TOKENS',
];
const PERMISSION_TYPES: readonly AclPermissionTypeName[] = ['ALLOW', 'DENY'];
const MECHANISMS: readonly ScramMechanismNameView[] = ['SCRAM-SHA-256', 'SCRAM-SHA-512'];

function aclView(binding: AclBinding): AclBindingView {
  return {
    resourceType: binding.pattern.resourceType as AclResourceTypeName, resourceName: binding.pattern.name,
    patternType: binding.pattern.patternType as AclPatternTypeName, principal: binding.entry.principal, host: binding.entry.host,
    operation: binding.entry.operation as AclOperationName, permissionType: binding.entry.permissionType as AclPermissionTypeName,
  };
}

function aclBinding(item: unknown, where: string): AclBinding {
  const fields = new Fields(item, where);
  const binding: AclBinding = {
    pattern: { resourceType: fields.oneOf('resourceType', RESOURCE_TYPES), name: fields.string('resourceName', { maxLength: 1_000 }), patternType: fields.optionalOneOf('patternType', PATTERN_TYPES) ?? 'LITERAL' },
    entry: {
      principal: fields.string('principal', { maxLength: 1_000 }), host: fields.optionalString('host', { allowEmpty: false }) ?? '*',
      operation: fields.oneOf('operation', OPERATIONS), permissionType: fields.optionalOneOf('permissionType', PERMISSION_TYPES) ?? 'ALLOW',
    },
  };
  if (!binding.entry.principal.includes(':')) throw badRequest(`${where}.principal must be type:name, e.g. User:alice`);
  fields.done();
  return binding;
}

/** A filter from a body object or the query: absent fields match anything. */
function aclFilter(get: { oneOf<T extends string>(name: string, allowed: readonly T[]): T | undefined; string(name: string): string | undefined }): AclBindingFilter {
  const view: AclFilterView = {
    resourceType: get.oneOf('resourceType', [...RESOURCE_TYPES, 'ANY'] as const), resourceName: get.string('resourceName'),
    patternType: get.oneOf('patternType', [...PATTERN_TYPES, 'ANY', 'MATCH'] as const), principal: get.string('principal'), host: get.string('host'),
    operation: get.oneOf('operation', [...OPERATIONS, 'ANY'] as const), permissionType: get.oneOf('permissionType', [...PERMISSION_TYPES, 'ANY'] as const),
  };
  return {
    pattern: { ...(view.resourceType ? { resourceType: view.resourceType } : {}), name: view.resourceName ?? null, ...(view.patternType ? { patternType: view.patternType } : {}) },
    entry: {
      principal: view.principal ?? null, host: view.host ?? null,
      ...(view.operation ? { operation: view.operation } : {}), ...(view.permissionType ? { permissionType: view.permissionType } : {}),
    },
  };
}

function queryFilter(query: QueryParams): AclBindingFilter {
  return aclFilter({ oneOf: (name, allowed) => query.oneOf(name, allowed), string: (name) => query.string(name) || undefined });
}

function bodyFilter(item: unknown, where: string): AclBindingFilter {
  const fields = new Fields(item, where);
  const filter = aclFilter({ oneOf: (name, allowed) => fields.optionalOneOf(name, allowed), string: (name) => fields.optionalString(name) });
  fields.done();
  return filter;
}

export const securityRoutes = {
  async 'GET /api/acls'({ query, context }) {
    const acls = await context.admin.describeAcls(queryFilter(query));
    return { acls: acls.map(aclView) };
  },

  async 'POST /api/acls'({ body, context }) {
    const fields = new Fields(body);
    const acls = fields.array('acls', aclBinding, { maxItems: 1_000 });
    fields.done();
    if (acls.length === 0) throw badRequest('body.acls must hold at least one ACL');
    await context.admin.createAcls(acls);
    return new Answer(201, { created: acls.length });
  },

  async 'DELETE /api/acls'({ body, context }) {
    const fields = new Fields(body);
    const filters = fields.array('filters', bodyFilter, { maxItems: 1_000 });
    fields.done();
    if (filters.length === 0) throw badRequest('body.filters must hold at least one filter');
    const deleted = await context.admin.deleteAcls(filters);
    return { deleted: deleted.flat().map(aclView) };
  },

  async 'GET /api/users'({ context }) {
    const users = await context.admin.describeUserScramCredentials();
    return {
      users: users.filter((u) => u.error === null).map((u) => ({ user: u.user, credentials: u.credentialInfos.map((c) => ({ mechanism: c.mechanism, iterations: c.iterations })) }))
        .sort((a, b) => a.user.localeCompare(b.user)),
    };
  },

  async 'PUT /api/users/:user'({ params, body, context }) {
    const fields = new Fields(body);
    const mechanism = fields.oneOf('mechanism', MECHANISMS);
    const password = fields.string('password', { maxLength: 10_000 });
    const iterations = fields.optionalInt('iterations', { min: 4_096, max: 16_384 }) ?? 4_096;
    fields.done();
    const [result] = await context.admin.alterUserScramCredentials([{ user: params.user, mechanism, iterations, password }]);
    if (result?.error) throw result.error;
    return { user: params.user };
  },

  async 'DELETE /api/users/:user'({ params, query, context }) {
    const mechanism = query.oneOf('mechanism', MECHANISMS);
    const [described] = await context.admin.describeUserScramCredentials([params.user]);
    const held = (described?.error === null ? described.credentialInfos : []).map((c) => c.mechanism).filter((m): m is ScramMechanismNameView => m !== 'UNKNOWN');
    const remove = mechanism === undefined ? held : held.filter((m) => m === mechanism);
    if (remove.length === 0) throw notFound(`user '${params.user}' has no ${mechanism ?? 'SCRAM'} credential`);
    const results = await context.admin.alterUserScramCredentials(remove.map((m) => ({ user: params.user, mechanism: m, delete: true as const })));
    const failed = results.find((r) => r.error !== null);
    if (failed?.error) throw failed.error;
    return { user: params.user };
  },
} satisfies Partial<RouteHandlers>;
