import { ConfigError } from '../config-definition.ts';
import { ZooKeeperAclStore } from '../cluster/zookeeper-acl-store.ts';
import type { ZooKeeperClient } from '../cluster/zookeeper/zookeeper-client.ts';
import type { Logger } from '../logger.ts';
import { AclAuthorizer, parseSuperUsers } from './acl-authorizer.ts';
import type { AclStore } from './acl-store.ts';
import { LocalAclStore } from './local-acl-store.ts';

/** The authorizer.class.name values that select the ACL authorizer: Kafka's ZooKeeper-mode and KRaft-mode ones. */
export const ACL_AUTHORIZER_CLASS_NAMES: readonly string[] = Object.freeze([
  'kafka.security.authorizer.AclAuthorizer',
  'org.apache.kafka.metadata.authorizer.StandardAuthorizer',
]);

/** The broker configs the authorizer reads (a BrokerConfig has them). */
export interface AuthorizerConfig {
  readonly authorizerClassName?: string | null | undefined;
  readonly superUsers?: string | null | undefined;
  readonly allowEveryoneIfNoAclFound?: boolean | undefined;
  readonly logDirs: readonly string[];
}

export interface AuthorizerSetup {
  readonly authorizer: AclAuthorizer;
  /** Where CreateAcls, DescribeAcls and DeleteAcls read and write (BrokerContext.acls). */
  readonly store: AclStore;
  /** Stops following ACL changes; call before the ZooKeeper client closes. */
  close(): Promise<void>;
}

/**
 * The authorizer authorizer.class.name asks for, with its ACLs loaded: from ZooKeeper when the
 * broker is in a cluster (pass its client; the store follows other brokers' changes), else from
 * the first log dir. Undefined when authorizer.class.name is unset: every request is then allowed.
 */
export async function createAuthorizer(options: {
  readonly config: AuthorizerConfig;
  readonly zooKeeperClient?: ZooKeeperClient | undefined;
  readonly logger: Logger;
  readonly now?: () => number;
}): Promise<AuthorizerSetup | undefined> {
  const { config, zooKeeperClient, logger } = options;
  const className = config.authorizerClassName ?? '';
  if (className === '') return undefined;
  if (!ACL_AUTHORIZER_CLASS_NAMES.includes(className)) {
    throw new ConfigError('authorizer.class.name', `class ${className} is not one Samsa has (${ACL_AUTHORIZER_CLASS_NAMES.join(', ')})`);
  }
  const store: AclStore = zooKeeperClient === undefined
    ? await LocalAclStore.open(config.logDirs[0]!)
    : await ZooKeeperAclStore.start(zooKeeperClient, logger, options.now);
  const authorizer = new AclAuthorizer({
    acls: store.cache,
    superUsers: parseSuperUsers(config.superUsers),
    allowEveryoneIfNoAclFound: config.allowEveryoneIfNoAclFound ?? false,
    logger,
  });
  return { authorizer, store, close: () => store.close() };
}
