import { ErrorCode, KafkaError } from '../../protocol/errors.ts';
import {
  alterUserScramCredentialsRequest, alterUserScramCredentialsResponse,
  type AlterUserScramCredentialsRequest, type AlterUserScramCredentialsResponseAlterUserScramCredentialsResult as UserResult,
} from '../../protocol/generated/alter-user-scram-credentials.ts';
import { scramCredentialFromSaltedPassword, scramMechanismOfType, SCRAM_SHA_256 } from '../../protocol/sasl/scram.ts';
import type { EntityConfigs } from '../cluster/entity-configs.ts';
import { CLUSTER_RESOURCE_NAME } from '../security/acl-model.ts';
import { authorize } from '../security/authorize.ts';
import { scramCredentialToString } from '../security/scram-credential-store.ts';
import { defineHandler } from './handler.ts';

/** Kafka's upper bound (ZkAdminManager): more iterations make every login of the user slower for no gain. */
const MAX_ITERATIONS = 16384;
const MIN_ITERATIONS = SCRAM_SHA_256.minIterations;

/** What to write for one user: credentials to set, mechanisms to remove. */
export interface UserScramChange {
  readonly set: Record<string, string>;
  readonly remove: string[];
}

/**
 * Kafka's ZkAdminManager.alterUserScramCredentials, as a plan over the users' current configs:
 * a user any of whose alterations is illegal (empty name, unknown mechanism, iterations outside
 * 4096..16384), names a mechanism twice, or deletes a credential it does not have, fails whole
 * and nothing of it is written; every other user's alterations are written together. The broker
 * stores the credential derived from the salted password the client sent, never the password.
 */
export function planScramAlterations(
  request: AlterUserScramCredentialsRequest,
  current: (user: string) => EntityConfigs,
): { failed: UserResult[]; changes: Map<string, UserScramChange> } {
  const failed: UserResult[] = [];
  const failedUsers = new Set<string>();
  const fail = (user: string, errorCode: number, errorMessage: string): void => {
    if (failedUsers.has(user)) return;
    failedUsers.add(user);
    failed.push({ user, errorCode, errorMessage });
  };
  const illegal = (name: string, mechanismType: number, iterations: number | undefined): [number, string] | undefined => {
    if (name === '') return [ErrorCode.UNACCEPTABLE_CREDENTIAL, 'Username must not be empty'];
    if (scramMechanismOfType(mechanismType) === undefined) return [ErrorCode.UNSUPPORTED_SASL_MECHANISM, 'Unknown SCRAM mechanism'];
    if (iterations !== undefined && iterations < MIN_ITERATIONS) return [ErrorCode.UNACCEPTABLE_CREDENTIAL, 'Too few iterations'];
    if (iterations !== undefined && iterations > MAX_ITERATIONS) return [ErrorCode.UNACCEPTABLE_CREDENTIAL, 'Too many iterations'];
    return undefined;
  };
  // One error per user; as in Kafka, an upsertion's error wins over a deletion's, and a later one over an earlier.
  const illegalByUser = new Map<string, [number, string]>();
  for (const { name, mechanism } of request.deletions) {
    const error = illegal(name, mechanism, undefined);
    if (error !== undefined) illegalByUser.set(name, error);
  }
  for (const { name, mechanism, iterations } of request.upsertions) {
    const error = illegal(name, mechanism, iterations);
    if (error !== undefined) illegalByUser.set(name, error);
  }
  for (const [user, error] of illegalByUser) fail(user, ...error);
  const seen = new Set<string>();
  for (const { name, mechanism } of [...request.upsertions, ...request.deletions]) {
    if (failedUsers.has(name)) continue;
    const pair = `${mechanism}\u0000${name}`;
    if (seen.has(pair)) fail(name, ErrorCode.DUPLICATE_RESOURCE, 'A user credential cannot be altered twice in the same request');
    seen.add(pair);
  }
  for (const deletion of request.deletions) {
    if (failedUsers.has(deletion.name)) continue;
    if (current(deletion.name)[scramMechanismOfType(deletion.mechanism)!.mechanismName] === undefined) {
      fail(deletion.name, ErrorCode.RESOURCE_NOT_FOUND, 'Attempt to delete a user credential that does not exist');
    }
  }
  const changes = new Map<string, UserScramChange>();
  const changeOf = (user: string): UserScramChange => {
    let change = changes.get(user);
    if (change === undefined) changes.set(user, change = { set: {}, remove: [] });
    return change;
  };
  for (const deletion of request.deletions) {
    if (!failedUsers.has(deletion.name)) changeOf(deletion.name).remove.push(scramMechanismOfType(deletion.mechanism)!.mechanismName);
  }
  for (const upsertion of request.upsertions) {
    if (failedUsers.has(upsertion.name)) continue;
    const mechanism = scramMechanismOfType(upsertion.mechanism)!;
    const credential = scramCredentialFromSaltedPassword(mechanism, upsertion.salt, upsertion.saltedPassword, upsertion.iterations);
    changeOf(upsertion.name).set[mechanism.mechanismName] = scramCredentialToString(credential);
  }
  return { failed, changes };
}

/** Every user the request names, sorted, with one error (Kafka's AlterUserScramCredentialsRequest.getErrorResponse). */
function everyUserFails(request: AlterUserScramCredentialsRequest, errorCode: number, errorMessage: string): UserResult[] {
  const users = new Set([...request.deletions, ...request.upsertions].map(({ name }) => name));
  return [...users].sort().map((user) => ({ user, errorCode, errorMessage }));
}

/**
 * AlterUserScramCredentials (KIP-554): in a cluster only the active controller alters (others
 * answer NOT_CONTROLLER and the admin client asks the controller), as Kafka's ZooKeeper mode;
 * CLUSTER ALTER is required. Each user's credentials are one write to its entity configs.
 */
export const alterUserScramCredentialsHandler = defineHandler({
  request: alterUserScramCredentialsRequest,
  response: alterUserScramCredentialsResponse,
  minVersion: 0,
  maxVersion: 0,
  async handle(request, context) {
    const { controller, entityConfigs, logger } = context.broker;
    const answer = (results: UserResult[]) => ({ throttleTimeMs: 0, results });
    if (controller !== undefined && !controller.isActive) {
      return answer(everyUserFails(request, ErrorCode.NOT_CONTROLLER, 'This is not the correct controller for this cluster.'));
    }
    if (!authorize(context, 'ALTER', 'CLUSTER', CLUSTER_RESOURCE_NAME)) {
      return answer(everyUserFails(request, ErrorCode.CLUSTER_AUTHORIZATION_FAILED, 'Cluster authorization failed.'));
    }
    if (entityConfigs === undefined) return answer(everyUserFails(request, ErrorCode.UNSUPPORTED_VERSION, 'This broker keeps no user configs'));
    const { failed, changes } = planScramAlterations(request, (user) => entityConfigs.get({ user }));
    const written = await Promise.all([...changes].map(async ([user, { set, remove }]): Promise<UserResult> => {
      try {
        await entityConfigs.alter({ user }, set, remove);
        // Which mechanisms changed, never a credential.
        logger.info({ user, set: Object.keys(set), removed: remove }, 'SCRAM credentials altered');
        return { user, errorCode: ErrorCode.NONE, errorMessage: null };
      } catch (error) {
        if (error instanceof KafkaError) return { user, errorCode: error.code, errorMessage: error.message };
        logger.error({ err: error, user }, 'altering SCRAM credentials failed');
        return { user, errorCode: ErrorCode.UNKNOWN_SERVER_ERROR, errorMessage: 'Error altering user SCRAM credentials' };
      }
    }));
    return answer([...failed, ...written]);
  },
});
