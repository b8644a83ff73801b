import { decodeEntityConfig, encodeConfigChangeNotification, encodeEntityConfig } from './zk-data.ts';
import { ZkPaths, type ConfigEntityType } from './zk-paths.ts';
import type { ZooKeeperClient } from './zookeeper-client.ts';
import { NodeExistsError, NoNodeError } from './zookeeper-errors.ts';

/**
 * An entity's dynamic config as Kafka's AdminZkClient.changeConfigs writes it: the overrides in
 * /config/<type>/<name> (created if missing), then a sequential /config/changes notification naming
 * `<type>/<name>`, which every broker follows to re-read it.
 */
export async function writeEntityConfig(client: ZooKeeperClient, entityType: ConfigEntityType, name: string, configs: Readonly<Record<string, string>>, notify = true): Promise<void> {
  const path = ZkPaths.configEntity(entityType, name);
  const data = encodeEntityConfig(configs);
  try {
    await client.setData(path, data);
  } catch (error) {
    if (!(error instanceof NoNodeError)) throw error;
    try {
      await client.create(path, data);
    } catch (createError) {
      if (!(createError instanceof NodeExistsError)) throw createError;
      await client.setData(path, data);
    }
  }
  if (notify) await client.create(ZkPaths.configChangePrefix, encodeConfigChangeNotification(`${entityType}/${name}`), 'persistent-sequential');
}

/** An entity's overrides; none when it has no znode. */
export async function readEntityConfig(client: ZooKeeperClient, entityType: ConfigEntityType, name: string): Promise<Record<string, string>> {
  try {
    return decodeEntityConfig((await client.getData(ZkPaths.configEntity(entityType, name))).data);
  } catch (error) {
    if (error instanceof NoNodeError) return {};
    throw error;
  }
}
