import { randomBytes } from 'node:crypto';
import { ErrorCode } from '../protocol/errors.ts';
import { saltedPasswordAsync, scramMechanism, scramMechanismOfType, type ScramMechanismName } from '../protocol/sasl/scram.ts';
import { activeController } from './admin-reassignments.ts';
import { Apis } from './apis.ts';
import type { Cluster } from './cluster.ts';
import { KafkaClientError, throwIfError } from './errors.ts';
import { retryCall } from './retry-call.ts';

export type { ScramMechanismName };

/** Kafka's ScramCredentialInfo; `mechanism` is 'UNKNOWN' for a type this client does not know. */
export interface ScramCredentialInfo {
  readonly mechanism: ScramMechanismName | 'UNKNOWN';
  readonly iterations: number;
}

/** Kafka's UserScramCredentialUpsertion: the password is salted and hashed here; only the salted form is sent. */
export interface UserScramCredentialUpsertion {
  readonly user: string;
  readonly mechanism: ScramMechanismName;
  readonly iterations: number;
  readonly password: string;
  /** A fresh random one when absent. */
  readonly salt?: Buffer;
}

/** Kafka's UserScramCredentialDeletion. */
export interface UserScramCredentialDeletion {
  readonly user: string;
  readonly mechanism: ScramMechanismName;
  readonly delete: true;
}

export type UserScramCredentialAlteration = UserScramCredentialUpsertion | UserScramCredentialDeletion;

/** One user's answer: error null when all of its alterations were made (a user's alterations succeed or fail together). */
export interface UserScramCredentialAlterationResult {
  readonly user: string;
  readonly error: KafkaClientError | null;
}

/**
 * One user's credentials (mechanism and iterations; the broker never sends more). A user named in
 * the request without credentials has error RESOURCE_NOT_FOUND, as Kafka's broker answers.
 */
export interface UserScramCredentialsDescription {
  readonly user: string;
  readonly credentialInfos: ScramCredentialInfo[];
  readonly error: KafkaClientError | null;
}

/** Salt length for new credentials: the SCRAM RFCs ask for a random salt; 32 bytes is more than Kafka's 130 bits. */
const SALT_BYTES = 32;

/**
 * AlterUserScramCredentials (KIP-554), to the active controller as Kafka's AdminClient sends it
 * in ZooKeeper mode. Each password is salted here with PBKDF2 (the mechanism's Hi, on libuv's
 * thread pool) and only the salted password travels. Every user gets an answer; a user the broker
 * left out fails rather than passing silently.
 */
export async function alterUserScramCredentials(
  cluster: Cluster, alterations: readonly UserScramCredentialAlteration[],
): Promise<UserScramCredentialAlterationResult[]> {
  const upsertions = await Promise.all(alterations.filter((a): a is UserScramCredentialUpsertion => !('delete' in a)).map(async (upsertion) => {
    const mechanism = scramMechanism(upsertion.mechanism);
    if (mechanism === undefined) throw new TypeError(`Unsupported SCRAM mechanism ${String(upsertion.mechanism)}`);
    if (!Number.isInteger(upsertion.iterations) || upsertion.iterations <= 0) throw new RangeError(`iterations must be a positive integer, not ${upsertion.iterations}`);
    const salt = upsertion.salt ?? randomBytes(SALT_BYTES);
    return {
      name: upsertion.user, mechanism: mechanism.type, iterations: upsertion.iterations, salt,
      saltedPassword: await saltedPasswordAsync(mechanism, upsertion.password, salt, upsertion.iterations),
    };
  }));
  const deletions = alterations.filter((a): a is UserScramCredentialDeletion => 'delete' in a).map((deletion) => {
    const mechanism = scramMechanism(deletion.mechanism);
    if (mechanism === undefined) throw new TypeError(`Unsupported SCRAM mechanism ${String(deletion.mechanism)}`);
    return { name: deletion.user, mechanism: mechanism.type };
  });
  const response = await retryCall(cluster, async () => {
    const answer = await cluster.send(await activeController(cluster), 'admin', Apis.AlterUserScramCredentials, { deletions, upsertions });
    // Not the controller (any more): asked again, once the metadata names the new one.
    const moved = answer.results.find((result) => result.errorCode === ErrorCode.NOT_CONTROLLER);
    if (moved !== undefined) throwIfError(moved.errorCode, 'AlterUserScramCredentials', moved.errorMessage);
    return answer;
  });
  const byUser = new Map(response.results.map((result) => [result.user, result]));
  return [...new Set(alterations.map(({ user }) => user))].map((user) => {
    const result = byUser.get(user) ?? { errorCode: ErrorCode.UNKNOWN_SERVER_ERROR, errorMessage: 'the broker did not answer for this user' };
    return { user, error: result.errorCode === ErrorCode.NONE ? null : new KafkaClientError(result.errorCode, `AlterUserScramCredentials for ${user}`, result.errorMessage) };
  });
}

/**
 * DescribeUserScramCredentials (KIP-554) from any broker: the named users (each once), or every
 * user with a credential when `users` is absent or empty. A request-level error (such as
 * CLUSTER_AUTHORIZATION_FAILED) is thrown.
 */
export async function describeUserScramCredentials(cluster: Cluster, users?: readonly string[]): Promise<UserScramCredentialsDescription[]> {
  const response = await retryCall(cluster, () => cluster.send(undefined, 'admin', Apis.DescribeUserScramCredentials, {
    users: users === undefined || users.length === 0 ? null : users.map((name) => ({ name })),
  }));
  throwIfError(response.errorCode, 'DescribeUserScramCredentials', response.errorMessage);
  return response.results.map((result) => ({
    user: result.user,
    credentialInfos: result.credentialInfos.map(({ mechanism, iterations }) => ({ mechanism: scramMechanismOfType(mechanism)?.mechanismName ?? 'UNKNOWN', iterations })),
    error: result.errorCode === ErrorCode.NONE ? null : new KafkaClientError(result.errorCode, `DescribeUserScramCredentials for ${result.user}`, result.errorMessage),
  }));
}
