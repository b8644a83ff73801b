import type { EntityConfigListener } from './entity-configs.ts';
import { entityOfPath, entityPath, type EntityConfigs, type EntityName } from './entity-path.ts';

/**
 * The in-memory side both entity config stores share: configs by entity path (`users/alice`),
 * an entity without configs absent, and the listeners told of each change.
 */
export class EntityConfigCache {
  readonly #configs = new Map<string, EntityConfigs>();
  readonly #listeners: EntityConfigListener[] = [];

  get(entity: EntityName): EntityConfigs {
    return this.#configs.get(entityPath(entity)) ?? {};
  }

  byPath(path: string): EntityConfigs {
    return this.#configs.get(path) ?? {};
  }

  *all(): Iterable<readonly [EntityName, EntityConfigs]> {
    for (const [path, configs] of this.#configs) {
      const entity = entityOfPath(path);
      if (entity !== undefined) yield [entity, configs];
    }
  }

  /** Every entity path with configs and its configs, as the local file holds them. */
  entries(): Record<string, EntityConfigs> {
    return Object.fromEntries(this.#configs);
  }

  /** Takes `configs` as the entity's; listeners are told, and true returned, when they differ from what was known. */
  apply(path: string, configs: EntityConfigs): boolean {
    const entity = entityOfPath(path);
    if (entity === undefined) return false;
    const before = this.#configs.get(path) ?? {};
    const frozen = Object.freeze({ ...configs });
    if (Object.keys(frozen).length === 0) this.#configs.delete(path);
    else this.#configs.set(path, frozen);
    if (sameConfigs(before, frozen)) return false;
    for (const listener of this.#listeners) listener(entity, frozen);
    return true;
  }

  onChange(listener: EntityConfigListener): void {
    this.#listeners.push(listener);
  }
}

function sameConfigs(a: EntityConfigs, b: EntityConfigs): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((key) => b[key] === a[key]);
}
