import { compatibilityErrors, parseCompatibilityLevel } from './compatibility.ts';
import { schemaFormat } from './formats.ts';
import type { RegistryRequest, RegistryRoutes } from './registry-http.ts';
import { deleteConfig, deleteMode, parsedVersions, setConfig, setMode } from './registry-operations.ts';
import { bodyObject, queryFlag, schemaRequestBody, versionParam } from './registry-params.ts';
import { httpError, invalidCompatibilityLevel, invalidMode, subjectCompatibilityNotConfigured, subjectModeNotConfigured, subjectNotFound } from './registry-errors.ts';
import { parseSchema } from './schema-parsing.ts';
import { MODES, type ModeName } from './schemas-records.ts';
import { versionOf } from './routes-subjects.ts';

function configUpdate(body: unknown): { compatibility?: ReturnType<typeof parseCompatibilityLevel>; normalize?: boolean } {
  const object = bodyObject(body);
  // Confluent's request names it `compatibility`; some tools send the answer's `compatibilityLevel`.
  const given = object.compatibility ?? object.compatibilityLevel;
  const compatibility = given === undefined || given === null ? undefined : parseCompatibilityLevel(given);
  if (given !== undefined && given !== null && compatibility === undefined) throw invalidCompatibilityLevel();
  if (object.normalize !== undefined && object.normalize !== null && typeof object.normalize !== 'boolean') {
    throw httpError(422, "Unrecognized field value: 'normalize' must be true or false");
  }
  const normalize = typeof object.normalize === 'boolean' ? object.normalize : undefined;
  if (compatibility === undefined && normalize === undefined) throw invalidCompatibilityLevel();
  return { ...(compatibility === undefined ? {} : { compatibility }), ...(normalize === undefined ? {} : { normalize }) };
}

/**
 * GET /config and /config/{s}: what the subject sets itself (40408 when it sets nothing), each
 * setting it leaves out taken from the global config with ?defaultToGlobal=true.
 */
function getConfig({ registry, params, query }: RegistryRequest): Record<string, unknown> {
  const subject = params.subject ?? null;
  const own = registry.state.config(subject);
  const fallback = subject === null || queryFlag(query, 'defaultToGlobal');
  if (own === undefined && !fallback) throw subjectCompatibilityNotConfigured(subject!);
  const level = own?.compatibilityLevel ?? (fallback ? registry.state.compatibilityOf(null) : null);
  const normalize = own?.normalize ?? (fallback ? registry.state.config(null)?.normalize : null) ?? null;
  return { ...(level === null ? {} : { compatibilityLevel: level }), ...(normalize === null ? {} : { normalize }) };
}

function modeName(body: unknown): ModeName {
  const mode = bodyObject(body).mode;
  const upper = typeof mode === 'string' ? mode.toUpperCase() : '';
  if (!(MODES as readonly string[]).includes(upper)) throw invalidMode();
  return upper as ModeName;
}

function getMode({ registry, params, query }: RegistryRequest): { mode: ModeName } {
  const subject = params.subject ?? null;
  if (subject === null) return { mode: registry.state.modeOf(null) };
  const own = registry.state.mode(subject);
  if (own !== undefined) return { mode: own };
  if (!queryFlag(query, 'defaultToGlobal')) throw subjectModeNotConfigured(subject);
  return { mode: registry.state.modeOf(null) };
}

/**
 * POST /compatibility/...: whether the schema could be registered. Against a numbered version,
 * that version (40401, 40402 when missing); against "latest" or no version, the live versions its
 * level compares, and a subject without versions takes anything, as Confluent answers.
 */
function testCompatibility({ registry, params, query, body }: RegistryRequest): Record<string, unknown> {
  const { state } = registry;
  const subject = params.subject!;
  const version = params.version === undefined ? 'latest' : versionParam(params.version);
  const request = schemaRequestBody(body);
  const previous = version === 'latest' ? state.versions(subject) : [versionOf(state, subject, String(version), false)];
  const normalize = query.has('normalize') ? queryFlag(query, 'normalize') : state.normalizeOf(subject);
  const candidate = parseSchema(state, request.schemaType, request.schema, request.references, normalize);
  const level = state.compatibilityOf(subject);
  const errors = compatibilityErrors(schemaFormat(request.schemaType), level, candidate, parsedVersions(state, previous));
  return { is_compatible: errors.length === 0, ...(queryFlag(query, 'verbose') ? { messages: errors } : {}) };
}

export const configRoutes: RegistryRoutes = {
  'GET /config': getConfig,
  'PUT /config': ({ body, write }) => {
    const update = configUpdate(body);
    return write((state) => setConfig(state, null, update));
  },
  'DELETE /config': ({ write }) => write((state) => deleteConfig(state, null)),
  'GET /config/{subject}': getConfig,
  'PUT /config/{subject}': ({ params, body, write }) => {
    const update = configUpdate(body);
    return write((state) => setConfig(state, params.subject!, update));
  },
  'DELETE /config/{subject}': ({ params, write }) => write((state) => deleteConfig(state, params.subject!)),

  'GET /mode': getMode,
  'PUT /mode': ({ body, query, write }) => {
    const mode = modeName(body);
    return write((state) => setMode(state, null, mode, queryFlag(query, 'force')));
  },
  'GET /mode/{subject}': getMode,
  'PUT /mode/{subject}': ({ params, body, query, write }) => {
    const mode = modeName(body);
    return write((state) => setMode(state, params.subject!, mode, queryFlag(query, 'force')));
  },
  'DELETE /mode/{subject}': ({ registry, params, write }) => {
    if (registry.state.versions(params.subject!, true).length === 0 && registry.state.mode(params.subject!) === undefined) throw subjectNotFound(params.subject!);
    return write((state) => deleteMode(state, params.subject!));
  },

  'POST /compatibility/subjects/{subject}/versions/{version}': testCompatibility,
  'POST /compatibility/subjects/{subject}/versions': testCompatibility,
};
