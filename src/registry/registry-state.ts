import type { SchemaReference, SchemaTypeName } from './schema-type.ts';
import { DEFAULT_COMPATIBILITY_LEVEL, type CompatibilityLevel } from './compatibility.ts';
import type { ConfigValue, ModeName, RegistryRecord, SchemaValue } from './schemas-records.ts';

/** The schema an id names: the same for every subject and version registered with that id. */
export interface SchemaById {
  readonly id: number;
  readonly schemaType: SchemaTypeName;
  readonly schema: string;
  readonly references: readonly SchemaReference[];
}

/** Identical schemas (type, canonical text, references) share an id; this is what "identical" compares. */
export function identityOf(schemaType: SchemaTypeName, schema: string, references: readonly SchemaReference[]): string {
  return JSON.stringify([schemaType, schema, references.map((r) => [r.name, r.subject, r.version])]);
}

export const DEFAULT_MODE: ModeName = 'READWRITE';

/**
 * The registry's state: subjects and their versions, schemas by id, configs and modes. It changes
 * only in replay(), record by record in `_schemas` order, which is how it loads at start and how
 * every write reaches it (DESIGN rule 5): two instances that read the same log hold the same state.
 */
export class RegistryState {
  /** subject -> version -> what was registered (soft-deleted versions included, flagged). */
  readonly #subjects = new Map<string, Map<number, SchemaValue>>();
  readonly #ids = new Map<number, SchemaById>();
  readonly #idByIdentity = new Map<string, number>();
  readonly #configs = new Map<string | null, ConfigValue>();
  readonly #modes = new Map<string | null, ModeName>();
  #maxId = 0;

  replay(record: RegistryRecord): void {
    switch (record.key.keytype) {
      case 'SCHEMA': {
        const { subject, version } = record.key;
        const value = record.value as SchemaValue | null;
        if (value === null) {
          const versions = this.#subjects.get(subject);
          const removed = versions?.get(version);
          versions?.delete(version);
          if (versions !== undefined && versions.size === 0) this.#subjects.delete(subject);
          if (removed !== undefined) this.#forgetIdIfUnused(removed.id);
          return;
        }
        let versions = this.#subjects.get(subject);
        if (versions === undefined) this.#subjects.set(subject, versions = new Map());
        versions.set(version, value);
        if (!this.#ids.has(value.id)) {
          this.#ids.set(value.id, { id: value.id, schemaType: value.schemaType, schema: value.schema, references: value.references });
          this.#idByIdentity.set(identityOf(value.schemaType, value.schema, value.references), value.id);
        }
        this.#maxId = Math.max(this.#maxId, value.id);
        return;
      }
      case 'CONFIG':
        if (record.value === null) this.#configs.delete(record.key.subject);
        else this.#configs.set(record.key.subject, record.value as ConfigValue);
        return;
      case 'MODE':
        if (record.value === null) this.#modes.delete(record.key.subject);
        else this.#modes.set(record.key.subject, (record.value as { mode: ModeName }).mode);
        return;
      case 'DELETE_SUBJECT': {
        // Confluent's soft delete of a subject: every version up to the one named is deleted.
        const value = record.value as { version: number } | null;
        const versions = this.#subjects.get(record.key.subject);
        if (value === null || versions === undefined) return;
        for (const [version, schema] of versions) {
          if (version <= value.version && !schema.deleted) versions.set(version, { ...schema, deleted: true });
        }
        return;
      }
      case 'CLEAR_SUBJECT': {
        // Confluent's permanent delete of a whole subject: its (soft-deleted) versions are gone.
        const versions = this.#subjects.get(record.key.subject);
        if (versions === undefined) return;
        for (const [version, schema] of versions) {
          if (!schema.deleted) continue;
          versions.delete(version);
          this.#forgetIdIfUnused(schema.id);
        }
        if (versions.size === 0) this.#subjects.delete(record.key.subject);
        return;
      }
      case 'NOOP':
        return;
    }
  }

  #forgetIdIfUnused(id: number): void {
    for (const versions of this.#subjects.values()) {
      for (const schema of versions.values()) if (schema.id === id) return;
    }
    const byId = this.#ids.get(id);
    if (byId === undefined) return;
    this.#ids.delete(id);
    const identity = identityOf(byId.schemaType, byId.schema, byId.references);
    if (this.#idByIdentity.get(identity) === id) this.#idByIdentity.delete(identity);
  }

  /** Subjects with a live version (or, with `deleted`, any version), sorted. */
  subjects(deleted = false): string[] {
    return [...this.#subjects].filter(([, versions]) => deleted || [...versions.values()].some((v) => !v.deleted)).map(([s]) => s).sort();
  }

  /** The subject's versions oldest first; soft-deleted ones only with `deleted`. */
  versions(subject: string, deleted = false): SchemaValue[] {
    const versions = this.#subjects.get(subject);
    if (versions === undefined) return [];
    return [...versions.values()].filter((v) => deleted || !v.deleted).sort((a, b) => a.version - b.version);
  }

  version(subject: string, version: number): SchemaValue | undefined {
    return this.#subjects.get(subject)?.get(version);
  }

  schemaById(id: number): SchemaById | undefined {
    return this.#ids.get(id);
  }

  idOf(schemaType: SchemaTypeName, schema: string, references: readonly SchemaReference[]): number | undefined {
    return this.#idByIdentity.get(identityOf(schemaType, schema, references));
  }

  /** Every (subject, version) registered with the id, soft-deleted ones only with `deleted`. */
  usesOfId(id: number, deleted = false): SchemaValue[] {
    const found: SchemaValue[] = [];
    for (const subject of [...this.#subjects.keys()].sort()) {
      for (const v of this.versions(subject, deleted)) if (v.id === id) found.push(v);
    }
    return found;
  }

  /** Live versions whose references name subject/version: they keep it from being deleted. */
  referencedBy(subject: string, version: number): SchemaValue[] {
    const found: SchemaValue[] = [];
    for (const versions of this.#subjects.values()) {
      for (const v of versions.values()) {
        if (!v.deleted && v.references.some((r) => r.subject === subject && r.version === version)) found.push(v);
      }
    }
    return found.sort((a, b) => a.id - b.id);
  }

  get maxId(): number {
    return this.#maxId;
  }

  /** The config set for the subject (null: the global one), if any. */
  config(subject: string | null): ConfigValue | undefined {
    return this.#configs.get(subject);
  }

  /** The level that applies to the subject: its own, else the global one, else BACKWARD. */
  compatibilityOf(subject: string | null): CompatibilityLevel {
    return (subject === null ? undefined : this.#configs.get(subject)?.compatibilityLevel)
      ?? this.#configs.get(null)?.compatibilityLevel ?? DEFAULT_COMPATIBILITY_LEVEL;
  }

  normalizeOf(subject: string): boolean {
    return this.#configs.get(subject)?.normalize ?? this.#configs.get(null)?.normalize ?? false;
  }

  mode(subject: string | null): ModeName | undefined {
    return this.#modes.get(subject);
  }

  modeOf(subject: string | null): ModeName {
    return (subject === null ? undefined : this.#modes.get(subject)) ?? this.#modes.get(null) ?? DEFAULT_MODE;
  }
}
