import { compatibilityErrors, type CompatibilityLevel } from './compatibility.ts';
import { schemaFormat } from './formats.ts';
import {
  idDoesNotMatch, incompatibleSchema, invalidSubject, operationNotPermitted, referenceExists, subjectNotFound, subjectNotSoftDeleted,
  subjectSoftDeleted, versionNotFound, versionNotSoftDeleted, versionSoftDeleted,
} from './registry-errors.ts';
import type { RegistryState } from './registry-state.ts';
import { normalizedReferences, parseSchema, parseStored, sameSchema } from './schema-parsing.ts';
import type { ParsedSchema, SchemaReference, SchemaTypeName } from './schema-type.ts';
import type { ConfigValue, ModeName, RegistryRecord, SchemaValue } from './schemas-records.ts';

/**
 * The registry's writes as DESIGN rule 5 has them: each reads the state and returns the records to
 * write and the answer to give once they have been read back. None changes the state itself.
 */
export interface Operation<T> {
  readonly records: RegistryRecord[];
  readonly response: T;
}

export interface RegisterRequest {
  readonly subject: string;
  readonly schemaType: SchemaTypeName;
  readonly schema: string;
  readonly references: readonly SchemaReference[];
  /** Only in IMPORT mode: the id and version the schema had where it came from. */
  readonly id?: number | undefined;
  readonly version?: number | undefined;
  readonly normalize?: boolean | undefined;
}

function checkWritable(state: RegistryState, subject: string | null): ModeName {
  const mode = state.modeOf(subject);
  if (mode === 'READONLY' || mode === 'READONLY_OVERRIDE') throw operationNotPermitted(`Subject ${subject ?? ''} is in read-only mode`);
  return mode;
}

/** Confluent's incompatibility answer: the messages in a details list. */
export function incompatibleMessage(subject: string, errors: readonly string[], level: CompatibilityLevel): string {
  return `Schema being registered is incompatible with an earlier schema for subject "${subject}", details: [${[...errors, `{compatibility: '${level}'}`].join(', ')}]`;
}

/** The subject's live versions, parsed, oldest first (what compatibility compares a candidate with). */
export function parsedVersions(state: RegistryState, versions: readonly SchemaValue[]): ParsedSchema[] {
  return versions.map((v) => parseStored(state, v)).filter((p): p is ParsedSchema => p !== null);
}

/** POST /subjects/{s}/versions: the id of the schema in the subject, registering it as a new version if it is not yet one. */
export function register(state: RegistryState, request: RegisterRequest): Operation<{ id: number }> {
  const { subject } = request;
  // Confluent's rule: no control characters, and not the names it reserves for its own contexts.
  if (subject === '' || /[\u0000-\u001f\u007f]/.test(subject) || subject === '__GLOBAL' || subject === '__EMPTY') throw invalidSubject(subject);
  const mode = checkWritable(state, subject);
  const importing = mode === 'IMPORT';
  if (!importing && (request.id !== undefined || request.version !== undefined)) {
    throw operationNotPermitted(`Subject ${subject} is not in import mode: a schema's id and version are chosen by the registry`);
  }
  const normalize = request.normalize ?? state.normalizeOf(subject);
  const candidate = parseSchema(state, request.schemaType, request.schema, request.references, normalize);
  // Normalized, the references are compared and stored in Confluent's order, each once (parsed as given).
  const references = normalize ? normalizedReferences(request.references) : request.references;
  const all = state.versions(subject, true);
  const live = all.filter((v) => !v.deleted);
  const existing = live.find((v) => sameSchema(state, v, candidate, references, normalize));
  if (existing !== undefined && (request.id === undefined || request.id === existing.id)) return { records: [], response: { id: existing.id } };

  if (!importing) {
    const level = state.compatibilityOf(subject);
    const errors = compatibilityErrors(schemaFormat(request.schemaType), level, candidate, parsedVersions(state, live));
    if (errors.length > 0) throw incompatibleSchema(incompatibleMessage(subject, errors, level));
  }
  const sameId = state.idOf(candidate.type, candidate.canonical, references);
  let id: number;
  if (request.id !== undefined) {
    const taken = state.schemaById(request.id);
    if (taken !== undefined && !sameSchema(state, taken, candidate, references, normalize)) {
      throw idDoesNotMatch(`Overwrite new schema with id ${request.id} is not permitted.`);
    }
    id = request.id;
  } else {
    id = sameId ?? state.maxId + 1;
  }
  const version = request.version ?? (all.length === 0 ? 1 : all.at(-1)!.version + 1);
  if (request.version !== undefined && state.version(subject, version) !== undefined) {
    throw idDoesNotMatch(`Version ${version} of subject ${subject} already exists`);
  }
  const value: SchemaValue = {
    subject, version, id, schemaType: candidate.type, schema: candidate.canonical, references, deleted: false,
  };
  return { records: [{ key: { keytype: 'SCHEMA', subject, version }, value }], response: { id } };
}

function checkNotReferenced(state: RegistryState, versions: readonly SchemaValue[]): void {
  for (const v of versions) {
    if (state.referencedBy(v.subject, v.version).length > 0) {
      throw referenceExists(`One or more references exist to the schema {magic=1,keytype=SCHEMA,subject=${v.subject},version=${v.version}}.`);
    }
  }
}

/** Tombstones for the subject's own config and mode, which Confluent removes with the subject. */
function subjectSettingsRemoved(state: RegistryState, subject: string): RegistryRecord[] {
  return [
    ...(state.config(subject) === undefined ? [] : [{ key: { keytype: 'CONFIG', subject }, value: null } as const]),
    ...(state.mode(subject) === undefined ? [] : [{ key: { keytype: 'MODE', subject }, value: null } as const]),
  ];
}

/** DELETE /subjects/{s}: soft (DELETE_SUBJECT up to the latest version), or permanent after a soft delete (tombstones). */
export function deleteSubject(state: RegistryState, subject: string, permanent: boolean): Operation<number[]> {
  checkWritable(state, subject);
  const all = state.versions(subject, true);
  if (all.length === 0) throw subjectNotFound(subject);
  const live = all.filter((v) => !v.deleted);
  if (permanent) {
    if (live.length > 0) throw subjectNotSoftDeleted(subject);
    checkNotReferenced(state, all);
    return {
      records: [...all.map((v) => ({ key: { keytype: 'SCHEMA', subject, version: v.version }, value: null }) as const), ...subjectSettingsRemoved(state, subject)],
      response: all.map((v) => v.version),
    };
  }
  if (live.length === 0) throw subjectSoftDeleted(subject);
  checkNotReferenced(state, live);
  return {
    records: [{ key: { keytype: 'DELETE_SUBJECT', subject }, value: { subject, version: live.at(-1)!.version } }, ...subjectSettingsRemoved(state, subject)],
    response: live.map((v) => v.version),
  };
}

/** DELETE /subjects/{s}/versions/{v}: soft (the version flagged deleted), or permanent after a soft delete (a tombstone). */
export function deleteVersion(state: RegistryState, subject: string, version: number | 'latest', permanent: boolean): Operation<number> {
  checkWritable(state, subject);
  const all = state.versions(subject, true);
  if (all.length === 0) throw subjectNotFound(subject);
  const target = version === 'latest' ? (permanent ? all : all.filter((v) => !v.deleted)).at(-1) : all.find((v) => v.version === version);
  if (target === undefined) throw versionNotFound(version === 'latest' ? 'latest' : version);
  checkNotReferenced(state, [target]);
  if (permanent) {
    if (!target.deleted) throw versionNotSoftDeleted(subject, target.version);
    return { records: [{ key: { keytype: 'SCHEMA', subject, version: target.version }, value: null }], response: target.version };
  }
  if (target.deleted) throw versionSoftDeleted(subject, target.version);
  return { records: [{ key: { keytype: 'SCHEMA', subject, version: target.version }, value: { ...target, deleted: true } }], response: target.version };
}

/** PUT /config and /config/{s}: the level (and normalize) given, merged with what was set before. */
export function setConfig(
  state: RegistryState, subject: string | null, update: { compatibility?: CompatibilityLevel | undefined; normalize?: boolean | undefined },
): Operation<{ compatibility?: CompatibilityLevel; normalize?: boolean }> {
  const before = state.config(subject);
  const value: ConfigValue = {
    compatibilityLevel: update.compatibility ?? before?.compatibilityLevel ?? null,
    normalize: update.normalize ?? before?.normalize ?? null,
  };
  return {
    records: [{ key: { keytype: 'CONFIG', subject }, value }],
    response: {
      ...(value.compatibilityLevel === null ? {} : { compatibility: value.compatibilityLevel }),
      ...(value.normalize === null ? {} : { normalize: value.normalize }),
    },
  };
}

/** DELETE /config and /config/{s}: the config goes (a tombstone); the answer is what it was. */
export function deleteConfig(state: RegistryState, subject: string | null): Operation<{ compatibilityLevel: CompatibilityLevel }> {
  if (subject !== null && state.versions(subject, true).length === 0) throw subjectNotFound(subject);
  const before = subject === null ? state.compatibilityOf(null) : state.config(subject)?.compatibilityLevel ?? state.compatibilityOf(null);
  return { records: [{ key: { keytype: 'CONFIG', subject }, value: null }], response: { compatibilityLevel: before } };
}

/**
 * PUT /mode and /mode/{s}. IMPORT, which lets clients choose ids, is refused where schemas already
 * are (their ids could collide), unless forced, as in Confluent.
 */
export function setMode(state: RegistryState, subject: string | null, mode: ModeName, force: boolean): Operation<{ mode: ModeName }> {
  if (mode === 'IMPORT' && !force && state.modeOf(subject) !== 'IMPORT') {
    const hasSchemas = subject === null ? state.subjects().length > 0 : state.versions(subject).length > 0;
    if (hasSchemas) throw operationNotPermitted('Cannot import since found existing subjects');
  }
  return { records: [{ key: { keytype: 'MODE', subject }, value: { mode } }], response: { mode } };
}

/** DELETE /mode/{s}: the subject falls back to the global mode. */
export function deleteMode(state: RegistryState, subject: string): Operation<{ mode: ModeName }> {
  return { records: [{ key: { keytype: 'MODE', subject }, value: null }], response: { mode: state.modeOf(subject) } };
}
