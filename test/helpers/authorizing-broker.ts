/**
 * A broker that authorizes every request with Samsa's ACL authorizer (authorizer.class.name, ACLs
 * in its log dir), for end-to-end tests of the checks each handler makes. Two listeners: the tests'
 * own clients connect to PLAINTEXT and are User:ANONYMOUS, the principal under test; a super user,
 * User:admin with SASL PLAIN on SASL_PLAINTEXT, creates and deletes ACLs for it through CreateAcls
 * and DeleteAcls, and does the setup a test needs (creating topics, writing records) without
 * granting User:ANONYMOUS anything.
 */
import { Admin, clientSecurityFromProperties, Producer, type AclBinding, type AclOperation, type AclResourceType, type ClientSecurity } from '../../src/client/index.ts';
import { removeTempDir } from './temp-dir.ts';
import { startTestBroker, type KafkaConfigOverrides, type TestBroker } from './test-broker.ts';

/** What a PLAINTEXT connection is, without a principal builder. */
export const ANONYMOUS = 'User:ANONYMOUS';

/** One ALLOW ACL for User:ANONYMOUS from any host, on a LITERAL resource name (`*`: every resource of the type). */
export interface Grant {
  readonly operation: AclOperation;
  readonly resourceType: AclResourceType;
  readonly name: string;
}

export interface AuthorizingBroker {
  readonly broker: TestBroker;
  /** The super user's Admin, over SASL_PLAINTEXT. */
  readonly admin: Admin;
  /** Deletes every ACL of User:ANONYMOUS, then creates these: afterwards it may do exactly what they (and the operations they imply) allow. */
  allowOnly(...grants: Grant[]): Promise<void>;
  /** Deletes every ACL of User:ANONYMOUS: it may do nothing. */
  revokeAll(): Promise<void>;
  /** Appends records to a topic as the super user. */
  produceAsAdmin(topic: string, values: readonly string[]): Promise<void>;
  /** Closes the admin and the broker and removes its data directory. */
  close(): Promise<void>;
}

const ADMIN_PASSWORD = 'admin-secret';

function adminSecurity(): ClientSecurity {
  return clientSecurityFromProperties(new Map([
    ['security.protocol', 'SASL_PLAINTEXT'],
    ['sasl.mechanism', 'PLAIN'],
    ['sasl.jaas.config', `org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password="${ADMIN_PASSWORD}";`],
  ]))!;
}

export function aclOf(grant: Grant): AclBinding {
  return {
    pattern: { resourceType: grant.resourceType, name: grant.name, patternType: 'LITERAL' },
    entry: { principal: ANONYMOUS, host: '*', operation: grant.operation, permissionType: 'ALLOW' },
  };
}

/** Starts the broker with no ACL at all: User:ANONYMOUS may do nothing until a test allows it. */
export async function startAuthorizingBroker(overrides: KafkaConfigOverrides = {}): Promise<AuthorizingBroker> {
  const broker = await startTestBroker({
    listeners: 'PLAINTEXT://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0',
    'sasl.enabled.mechanisms': 'PLAIN',
    'listener.name.sasl_plaintext.plain.sasl.jaas.config': `org.apache.kafka.common.security.plain.PlainLoginModule required user_admin="${ADMIN_PASSWORD}";`,
    'authorizer.class.name': 'kafka.security.authorizer.AclAuthorizer',
    'super.users': 'User:admin',
    ...overrides,
  });
  const sasl = broker.listeners.get('SASL_PLAINTEXT')!;
  const bootstrapServers = [`${sasl.host}:${sasl.port}`];
  const admin = new Admin({ bootstrapServers, clientId: 'acl-super-user', security: adminSecurity() });
  const revokeAll = async (): Promise<void> => {
    await admin.deleteAcls([{ pattern: {}, entry: { principal: ANONYMOUS } }]);
  };
  return {
    broker,
    admin,
    revokeAll,
    async allowOnly(...grants) {
      await revokeAll();
      await admin.createAcls(grants.map(aclOf));
    },
    async produceAsAdmin(topic, values) {
      const producer = new Producer({ bootstrapServers, clientId: 'acl-super-user-producer', security: adminSecurity() });
      try {
        for (const value of values) await producer.send({ topic, value: Buffer.from(value) });
      } finally {
        await producer.close();
      }
    },
    async close() {
      await admin.close();
      await broker.close();
      await removeTempDir(broker.dataDir);
    },
  };
}
