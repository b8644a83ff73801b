import { ErrorCode } from '../../protocol/errors.ts';
import {
  describeUserScramCredentialsRequest, describeUserScramCredentialsResponse,
  type DescribeUserScramCredentialsResponseDescribeUserScramCredentialsResult as UserResult,
} from '../../protocol/generated/describe-user-scram-credentials.ts';
import { SCRAM_MECHANISMS } from '../../protocol/sasl/scram.ts';
import type { EntityConfigs, EntityConfigStore } from '../cluster/entity-configs.ts';
import { CLUSTER_RESOURCE_NAME } from '../security/acl-model.ts';
import { authorize } from '../security/authorize.ts';
import { scramCredentialFromString } from '../security/scram-credential-store.ts';
import { defineHandler } from './handler.ts';

/**
 * A user's credentials by mechanism and iterations (never salt or keys); undefined when the user
 * has none. A stored credential this broker cannot read is the user's error, as in Kafka.
 */
function describeUser(user: string, configs: EntityConfigs): UserResult | undefined {
  const stored = SCRAM_MECHANISMS.filter((mechanism) => configs[mechanism.mechanismName] !== undefined);
  if (stored.length === 0) return undefined;
  try {
    const credentialInfos = stored.map((mechanism) => ({
      mechanism: mechanism.type, iterations: scramCredentialFromString(configs[mechanism.mechanismName]!).iterations,
    }));
    return { user, errorCode: ErrorCode.NONE, errorMessage: null, credentialInfos };
  } catch (error) {
    return { user, errorCode: ErrorCode.UNKNOWN_SERVER_ERROR, errorMessage: (error as Error).message, credentialInfos: [] };
  }
}

/**
 * Kafka's ZkAdminManager.describeUserScramCredentials: with no users (null or empty), every user
 * that has a credential, sorted; else each named user once, in the order first named: an empty
 * name or a user without credentials is RESOURCE_NOT_FOUND, a user named twice DUPLICATE_RESOURCE.
 */
export function describeScramCredentials(users: readonly string[] | null, store: EntityConfigStore): UserResult[] {
  if (users === null || users.length === 0) {
    const described: UserResult[] = [];
    for (const [entity, configs] of store.all()) {
      if (entity.user === undefined || entity.clientId !== undefined) continue;
      const result = describeUser(entity.user, configs);
      if (result !== undefined) described.push(result);
    }
    return described.sort((a, b) => (a.user < b.user ? -1 : a.user > b.user ? 1 : 0));
  }
  const counts = new Map<string, number>();
  for (const user of users) counts.set(user, (counts.get(user) ?? 0) + 1);
  return [...counts].map(([user, count]): UserResult => {
    const fail = (errorCode: number, errorMessage: string): UserResult => ({ user, errorCode, errorMessage, credentialInfos: [] });
    if (user === '') return fail(ErrorCode.RESOURCE_NOT_FOUND, 'Username must not be empty');
    if (count > 1) return fail(ErrorCode.DUPLICATE_RESOURCE, `Cannot describe SCRAM credentials for the same user twice in a single request: ${user}`);
    return describeUser(user, store.get({ user }))
      ?? fail(ErrorCode.RESOURCE_NOT_FOUND, `Attempt to describe a user credential that does not exist: ${user}`);
  });
}

/** DescribeUserScramCredentials (KIP-554): any broker answers from its entity configs; CLUSTER DESCRIBE is required. */
export const describeUserScramCredentialsHandler = defineHandler({
  request: describeUserScramCredentialsRequest,
  response: describeUserScramCredentialsResponse,
  minVersion: 0,
  maxVersion: 0,
  requestFreedOnAnswer: true,
  handle(request, context) {
    const users = request.users === null ? null : request.users.map(({ name }) => name);
    const fail = (errorCode: number, errorMessage: string) => ({
      throttleTimeMs: 0, errorCode, errorMessage,
      results: (users ?? []).map((user) => ({ user, errorCode, errorMessage, credentialInfos: [] })),
    });
    if (!authorize(context, 'DESCRIBE', 'CLUSTER', CLUSTER_RESOURCE_NAME)) return fail(ErrorCode.CLUSTER_AUTHORIZATION_FAILED, 'Cluster authorization failed.');
    const store = context.broker.entityConfigs;
    if (store === undefined) return fail(ErrorCode.UNSUPPORTED_VERSION, 'This broker keeps no user configs');
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, errorMessage: null, results: describeScramCredentials(users, store) };
  },
});
