import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomically } from '../../storage/file-io.ts';
import { EntityConfigCache } from './entity-config-cache.ts';
import type { EntityConfigListener, EntityConfigStore } from './entity-configs.ts';
import { alteredConfigs, entityOfPath, entityPath, type EntityConfigs, type EntityName } from './entity-path.ts';

const FILE_NAME = 'samsa-entity-configs.json';

/**
 * The single node's user and client entity configs: one JSON file, `samsa-entity-configs.json`,
 * in the first log dir, beside samsa-metadata.json.
 *
 * File format: { "version": 1, "entities": { "<entity path>": { "<key>": "<value>", ... } } },
 * entity paths as in ZooKeeper (`users/alice`, `clients/<default>`, `users/alice/clients/app`,
 * names sanitized as Kafka's), values as Kafka stores them (a SCRAM credential's
 * `salt=...,stored_key=...,server_key=...,iterations=...`, never a password). Every change
 * replaces the file atomically (storage's writeFileAtomically, as the metadata file), so after a
 * crash it holds the configs before or after a change, never a mix; memory changes only once the
 * file did.
 */
export class LocalEntityConfigs implements EntityConfigStore {
  readonly #path: string;
  readonly #cache = new EntityConfigCache();

  static async open(dir: string): Promise<LocalEntityConfigs> {
    await mkdir(dir, { recursive: true });
    const path = join(dir, FILE_NAME);
    const store = new LocalEntityConfigs(path);
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return store;
      throw error;
    }
    for (const [entity, configs] of Object.entries(parseEntityConfigsFile(text, path))) store.#cache.apply(entity, configs);
    return store;
  }

  private constructor(path: string) {
    this.#path = path;
  }

  get(entity: EntityName): EntityConfigs {
    return this.#cache.get(entity);
  }

  all(): Iterable<readonly [EntityName, EntityConfigs]> {
    return this.#cache.all();
  }

  alter(entity: EntityName, set: EntityConfigs, remove: readonly string[]): Promise<void> {
    const path = entityPath(entity);
    const next = alteredConfigs(this.#cache.byPath(path), set, remove);
    const entities: Record<string, EntityConfigs> = { ...this.#cache.entries() };
    if (Object.keys(next).length === 0) delete entities[path];
    else entities[path] = next;
    // Synchronous, so two alters never interleave their writes and the file order is the call order.
    writeFileAtomically(this.#path, `${JSON.stringify({ version: 1, entities }, null, 1)}\n`, 'write entity configs');
    this.#cache.apply(path, next);
    return Promise.resolve();
  }

  onChange(listener: EntityConfigListener): void {
    this.#cache.onChange(listener);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** The file's entities, checked: a file this version cannot read stops the broker rather than lose credentials. */
function parseEntityConfigsFile(text: string, path: string): Record<string, Record<string, string>> {
  const saved = JSON.parse(text) as { version?: unknown; entities?: unknown };
  if (saved.version !== 1) throw new Error(`${path}: unknown entity configs version ${String(saved.version)}`);
  const entities = saved.entities;
  if (typeof entities !== 'object' || entities === null || Array.isArray(entities)) throw new Error(`${path}: no entities`);
  const checked: Record<string, Record<string, string>> = {};
  for (const [entity, configs] of Object.entries(entities as Record<string, unknown>)) {
    if (entityOfPath(entity) === undefined) throw new Error(`${path}: ${JSON.stringify(entity)} is not a user or client entity`);
    if (typeof configs !== 'object' || configs === null || Array.isArray(configs)
      || Object.values(configs).some((value) => typeof value !== 'string')) {
      throw new Error(`${path}: the configs of ${entity} are not strings`);
    }
    checked[entity] = configs as Record<string, string>;
  }
  return checked;
}
