import type { ZooKeeperClient } from '../cluster/zookeeper/zookeeper-client.ts';
import type { TopicConfigs } from '../cluster/config-change-listener.ts';
import { openEntityConfigStore, type EntityConfigStore } from '../cluster/entity-configs.ts';
import type { BrokerConfig, ListenerEndpoint } from '../config.ts';
import type { Logger } from '../logger.ts';
import type { Time } from '../time.ts';
import type { AclStore } from './acl-store.ts';
import type { Authorizer } from './authorizer.ts';
import { createAuthorizer } from './create-authorizer.ts';
import { listenerSecurity, type ListenerSecurity } from './listener-security.ts';
import type { AuthenticationStats } from './sasl-authenticator.ts';
import { ScramCredentialStore } from './scram-credential-store.ts';

/** Everything the broker's security is made of, opened together and closed together. */
export interface BrokerSecurity {
  /** Users' and client ids' configs: SCRAM credentials and quotas. */
  readonly entityConfigs: EntityConfigStore;
  readonly scramCredentials: ScramCredentialStore;
  /** authorizer.class.name's authorizer; undefined allows everything. */
  readonly authorizer: Authorizer | undefined;
  /** Where ACLs are kept, when the ACL authorizer runs. */
  readonly acls: AclStore | undefined;
  readonly authentications: AuthenticationStats;
  /** A listener's TLS and SASL. */
  listener(endpoint: ListenerEndpoint): ListenerSecurity;
  close(): Promise<void>;
}

/**
 * Opens the security stores (ZooKeeper's /config/users, /config/clients and /kafka-acl in a
 * cluster, files in the first log dir on a single node) and builds each listener's TLS and SASL
 * from the config, failing the start on a bad setting as Kafka does.
 */
export async function openBrokerSecurity(options: {
  readonly config: BrokerConfig;
  readonly zooKeeper?: { readonly client: ZooKeeperClient; readonly configChanges: TopicConfigs } | undefined;
  readonly logger: Logger;
  readonly time: Time;
}): Promise<BrokerSecurity> {
  const { config, zooKeeper, logger, time } = options;
  const entityConfigs = await openEntityConfigStore({ zooKeeper, logDir: config.logDirs[0]!, logger });
  let aclAuthorizer: Awaited<ReturnType<typeof createAuthorizer>>;
  try {
    aclAuthorizer = await createAuthorizer({ config, zooKeeperClient: zooKeeper?.client, logger, now: () => time.now() });
    const scramCredentials = new ScramCredentialStore(entityConfigs);
    const authentications: AuthenticationStats = { successful: 0, failed: 0, reauthentications: 0 };
    const scramCredential = (user: string, mechanism: string) => scramCredentials.credential(user, mechanism);
    const listeners = new Map<string, ListenerSecurity>();
    for (const endpoint of config.listeners) {
      listeners.set(endpoint.name, await listenerSecurity(config, endpoint, { time, logger, scramCredential, stats: authentications }));
    }
    return {
      entityConfigs,
      scramCredentials,
      authorizer: aclAuthorizer?.authorizer,
      acls: aclAuthorizer?.store,
      authentications,
      listener: (endpoint) => listeners.get(endpoint.name)!,
      async close() {
        await entityConfigs.close();
        await aclAuthorizer?.close();
      },
    };
  } catch (error) {
    await entityConfigs.close();
    await aclAuthorizer?.close();
    throw error;
  }
}
