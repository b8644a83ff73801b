import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomically } from '../../storage/file-io.ts';
import { AclCache, distinctEntries } from './acl-cache.ts';
import {
  AclOperationCode, PermissionTypeCode, ResourceTypeCode,
  type AccessControlEntry, type ResourcePattern,
} from './acl-model.ts';
import { sameEntries, type AclStore, type AclUpdate } from './acl-store.ts';

export const LOCAL_ACLS_FILE = 'samsa-acls.json';

/**
 * A single node's ACLs: `samsa-acls.json` in the first log dir, replaced atomically at every
 * change (storage's writeFileAtomically: temporary file, fsync, rename, directory fsync), so a
 * crash leaves the ACLs before or after a change. Writes are queued one behind another.
 *
 * File format: {"version":1,"resources":[{"resourceType":"TOPIC","patternType":"LITERAL","name":"orders",
 * "acls":[{"principal":"User:alice","host":"*","operation":"READ","permissionType":"ALLOW"}]}]}.
 */
export class LocalAclStore implements AclStore {
  readonly cache = new AclCache();
  readonly #path: string;
  #writes: Promise<void> = Promise.resolve();

  private constructor(path: string) {
    this.#path = path;
  }

  static async open(dir: string): Promise<LocalAclStore> {
    await mkdir(dir, { recursive: true });
    const store = new LocalAclStore(join(dir, LOCAL_ACLS_FILE));
    let text: string;
    try {
      text = await readFile(store.#path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return store;
      throw error;
    }
    for (const { pattern, entries } of parseAclsFile(text, store.#path)) store.cache.set(pattern, entries);
    return store;
  }

  async update(pattern: ResourcePattern, change: (current: readonly AccessControlEntry[]) => readonly AccessControlEntry[]): Promise<AclUpdate> {
    const before = this.cache.get(pattern);
    const after = distinctEntries(change(before));
    // Nothing to write: a delete that matched nothing, an ACL created again.
    if (sameEntries(before, after)) return { before, after };
    this.cache.set(pattern, after);
    const stored = this.cache.get(pattern);
    try {
      await this.#save();
    } catch (error) {
      // Not stored, so not in force: back to what the file holds, unless a later change replaced it already.
      const now = this.cache.get(pattern);
      if (now === stored || (now.length === 0 && stored.length === 0)) this.cache.set(pattern, before);
      throw error;
    }
    return { before, after };
  }

  async close(): Promise<void> {
    await this.#writes;
  }

  /** Snapshots the ACLs now and queues their write behind earlier ones. */
  #save(): Promise<void> {
    const resources = [...this.cache.patterns()].map((pattern) => ({ ...pattern, acls: this.cache.get(pattern) }));
    const body = JSON.stringify({ version: 1, resources }, null, 1);
    const write = this.#writes.then(() => writeFileAtomically(this.#path, body, 'write ACLs'));
    this.#writes = write.catch(() => undefined);
    return write;
  }
}

function parseAclsFile(text: string, path: string): Array<{ pattern: ResourcePattern; entries: AccessControlEntry[] }> {
  const bad = (what: string): Error => new Error(`${path}: ${what}`);
  let saved: unknown;
  try {
    saved = JSON.parse(text);
  } catch (error) {
    throw new Error(`${path} is not JSON`, { cause: error });
  }
  const file = saved as { version?: unknown; resources?: unknown };
  if (file.version !== 1 || !Array.isArray(file.resources)) throw bad('not a version 1 ACL file');
  const known = (table: Readonly<Record<string, number>>, value: unknown): boolean => typeof value === 'string' && Object.hasOwn(table, value);
  return file.resources.map((item: unknown) => {
    const r = item as Record<string, unknown>;
    if (!known(ResourceTypeCode, r['resourceType']) || (r['patternType'] !== 'LITERAL' && r['patternType'] !== 'PREFIXED')
      || typeof r['name'] !== 'string' || !Array.isArray(r['acls'])) throw bad(`bad resource ${JSON.stringify(item)}`);
    const entries = (r['acls'] as unknown[]).map((acl) => {
      const e = acl as Record<string, unknown>;
      if (typeof e['principal'] !== 'string' || typeof e['host'] !== 'string' || !known(AclOperationCode, e['operation'])
        || !known(PermissionTypeCode, e['permissionType'])) throw bad(`bad ACL ${JSON.stringify(acl)}`);
      return { principal: e['principal'], host: e['host'], operation: e['operation'], permissionType: e['permissionType'] } as AccessControlEntry;
    });
    return { pattern: { resourceType: r['resourceType'], patternType: r['patternType'], name: r['name'] } as ResourcePattern, entries };
  });
}
