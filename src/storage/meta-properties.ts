import fs from 'node:fs';
import path from 'node:path';
import { formatProperties, parseProperties, PropertiesSyntaxError } from '../protocol/java-properties.ts';
import { InconsistentClusterIdError, ioError, StorageError } from './errors.ts';
import { writeFileAtomically } from './file-io.ts';

export const META_PROPERTIES = 'meta.properties';

export interface MetaProperties {
  readonly clusterId: string;
  readonly nodeId: number;
}

/**
 * Kafka's `meta.properties` in each log dir: a Java properties file naming the cluster and node
 * that own the directory (`version=1`, `node.id`, `cluster.id`; version 0, from ZooKeeper-era
 * Kafka, says `broker.id`). Written on first start; on later starts a different cluster id or
 * node id means the directory belongs to another broker, and the start fails.
 */
export function ensureMetaProperties(logDir: string, expected: MetaProperties): void {
  const file = path.join(logDir, META_PROPERTIES);
  let text: string | undefined;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code !== 'ENOENT') throw ioError('read', file, cause);
  }
  if (text === undefined) {
    writeMetaProperties(logDir, expected);
    return;
  }
  const stored = parseMetaProperties(file, text);
  const version = stored.get('version');
  const nodeId = version === '0' ? stored.get('broker.id') : stored.get('node.id');
  if ((version !== '0' && version !== '1') || nodeId === undefined || !/^-?\d+$/.test(nodeId)) {
    throw new StorageError(`${file} is not a valid meta.properties (version ${version})`);
  }
  const clusterId = stored.get('cluster.id');
  if (clusterId !== undefined && clusterId !== expected.clusterId) {
    throw new InconsistentClusterIdError(`cluster id ${expected.clusterId} does not match ${clusterId} stored in ${file}`);
  }
  if (Number(nodeId) !== expected.nodeId) {
    throw new StorageError(`node id ${expected.nodeId} does not match node id ${nodeId} stored in ${file}`);
  }
}

/** The cluster id stored in the first log dir that has one: what a restarted broker keeps using. */
export function storedClusterId(logDirs: readonly string[]): string | undefined {
  for (const logDir of logDirs) {
    const file = path.join(logDir, META_PROPERTIES);
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    const clusterId = parseMetaProperties(file, text).get('cluster.id');
    if (clusterId !== undefined) return clusterId;
  }
  return undefined;
}

export function writeMetaProperties(logDir: string, meta: MetaProperties): void {
  const file = path.join(logDir, META_PROPERTIES);
  const entries: Array<[string, string]> = [['cluster.id', meta.clusterId], ['node.id', String(meta.nodeId)], ['version', '1']];
  // As Kafka's store(): an empty comment line, then where the date would be, who wrote the file.
  writeFileAtomically(file, formatProperties(entries, ['', 'Written by Samsa']));
}

/** Values trimmed: ids and versions never hold whitespace, so a stray trailing space is not a different id. */
function parseMetaProperties(file: string, text: string): Map<string, string> {
  try {
    return new Map([...parseProperties(text)].map(([key, value]) => [key, value.trim()]));
  } catch (error) {
    if (error instanceof PropertiesSyntaxError) throw new StorageError(`${file} is not a valid meta.properties: ${error.message}`);
    throw error;
  }
}
