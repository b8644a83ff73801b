import type { Admin, ScramMechanismName, UserScramCredentialAlteration } from '../client/index.ts';
import { KafkaClientError } from '../client/index.ts';
import { ErrorCode } from '../protocol/errors.ts';
import { UsageError, type CliIo } from './cli-io.ts';
import { flag, listOption, type ParsedOptions } from './cli-options.ts';
import { alterQuotaConfigs, describeQuotaConfigs, isClientQuotaConfig, type UserClientEntity } from './configs-quotas.ts';

type Values = ParsedOptions['values'];

/** The options kafka-configs has for users and client ids, beyond --entity-type/--entity-name/--entity-default. */
export const USER_CLIENT_OPTIONS = {
  user: { type: 'string' }, client: { type: 'string' }, 'user-defaults': { type: 'boolean' }, 'client-defaults': { type: 'boolean' },
} as const;

const SCRAM_MECHANISMS: readonly string[] = ['SCRAM-SHA-256', 'SCRAM-SHA-512'];
const isScram = (key: string): key is ScramMechanismName => SCRAM_MECHANISMS.includes(key);
/** ConfigCommand's DefaultScramIterations, also the mechanisms' minimum. */
const DEFAULT_SCRAM_ITERATIONS = 4096;
const MIN_SCRAM_ITERATIONS = 4096;

/**
 * The users / clients entity the command names, or undefined when it names none (topics,
 * brokers). `--entity-type users --entity-name alice [--entity-type clients --entity-name app]`
 * pairs types and names in order; --entity-default is the default of a single type; --user,
 * --client, --user-defaults and --client-defaults say the same more shortly.
 */
export function userClientEntity(values: Values): UserClientEntity | undefined {
  const types = listOption(values, 'entity-type');
  const shorthands = ['user', 'client', 'user-defaults', 'client-defaults'].filter((name) => values[name] !== undefined);
  const userTypes = types.filter((type) => type === 'users' || type === 'clients');
  if (userTypes.length === 0 && shorthands.length === 0) return undefined;
  if (userTypes.length !== types.length) throw new UsageError('--entity-type users and clients cannot be combined with other entity types');
  if (userTypes.length > 0 && shorthands.length > 0) throw new UsageError('give either --entity-type or --user/--client/--user-defaults/--client-defaults');
  let user: string | null | undefined;
  let clientId: string | null | undefined;
  if (shorthands.length > 0) {
    if (values.user !== undefined && flag(values, 'user-defaults')) throw new UsageError('--user and --user-defaults cannot be used together');
    if (values.client !== undefined && flag(values, 'client-defaults')) throw new UsageError('--client and --client-defaults cannot be used together');
    user = flag(values, 'user-defaults') ? null : listOption(values, 'user').at(-1);
    clientId = flag(values, 'client-defaults') ? null : listOption(values, 'client').at(-1);
  } else {
    if (new Set(types).size !== types.length) throw new UsageError('each --entity-type may be given once');
    const names = listOption(values, 'entity-name');
    const isDefault = flag(values, 'entity-default');
    if (isDefault && (types.length > 1 || names.length > 0)) throw new UsageError('--entity-default names the default of one entity type; use --user-defaults or --client-defaults with two');
    if (names.length > types.length) throw new UsageError('more --entity-name than --entity-type options');
    types.forEach((type, i) => {
      const name = isDefault ? null : names[i];
      if (type === 'users') user = name;
      else clientId = name;
    });
  }
  for (const name of [user, clientId]) if (name === '') throw new UsageError('an entity name must not be empty');
  return { user, clientId };
}

function entityTypeLabel(entity: UserClientEntity): string {
  return entity.user !== undefined ? 'users' : 'clients';
}

/** kafka-configs' describe of users and clients: their quotas, then (users only, not defaults) their SCRAM credentials. */
export async function describeUserClientConfigs(admin: Admin, entity: UserClientEntity, io: CliIo): Promise<void> {
  await describeQuotaConfigs(admin, entity, io);
  if (entity.clientId !== undefined || entity.user === null) return;
  const descriptions = await admin.describeUserScramCredentials(entity.user === undefined ? [] : [entity.user]);
  let out = '';
  for (const { user, credentialInfos, error } of descriptions) {
    // A named user without credentials is left out, as Kafka's DescribeUserScramCredentialsResult.users().
    if (error?.code === ErrorCode.RESOURCE_NOT_FOUND) continue;
    if (error !== null) {
      out += `Error retrieving SCRAM credential configs for user-principal '${user}': ${error.message}\n`;
      continue;
    }
    const described = credentialInfos.map(({ mechanism, iterations }) => `${mechanism}=iterations=${iterations}`).join(', ');
    out += `SCRAM credential configs for user-principal '${user}' are ${described}\n`;
  }
  io.stdout(out);
}

/**
 * `[iterations=<n>,]password=<password>` as ConfigCommand reads a SCRAM config's value
 * (iterations 4096 when absent or -1). Messages never quote the value: it holds a password.
 */
export function parseScramConfig(mechanism: string, value: string): { iterations: number; password: string } {
  const match = /^(?:iterations=(-?[0-9]*),)?password=(.*)$/s.exec(value);
  if (match === null) throw new UsageError(`Invalid credential property ${mechanism}: expected [iterations=<n>,]password=<password>`);
  const iterations = match[1] === undefined || match[1] === '-1' ? DEFAULT_SCRAM_ITERATIONS : Number(match[1]);
  if (!Number.isSafeInteger(iterations)) throw new UsageError(`Invalid iterations for ${mechanism}`);
  if (iterations < MIN_SCRAM_ITERATIONS) throw new UsageError(`Iterations ${iterations} is less than the minimum ${MIN_SCRAM_ITERATIONS} required for ${mechanism}`);
  return { iterations, password: match[2]! };
}

/**
 * kafka-configs' alter of users and clients over --bootstrap-server: SCRAM credentials of one
 * named user (AlterUserScramCredentials), or client quotas (AlterClientQuotas), never both at once,
 * with ConfigCommand's refusals.
 */
export async function alterUserClientConfigs(
  admin: Admin, entity: UserClientEntity, set: ReadonlyArray<readonly [string, string]>, remove: readonly string[], io: CliIo,
): Promise<void> {
  const addKeys = set.map(([key]) => key);
  const unknownAdded = addKeys.filter((key) => !isScram(key) && !isClientQuotaConfig(key));
  const unknownDeleted = remove.filter((key) => !isScram(key) && !isClientQuotaConfig(key));
  const scramAdded = addKeys.filter(isScram);
  const scramDeleted = remove.filter(isScram);
  const hasQuotas = [...addKeys, ...remove].some(isClientQuotaConfig);
  if (entity.clientId !== undefined) {
    if (unknownAdded.length + scramAdded.length > 0) throw new UsageError(`Only quota configs can be added for 'clients' using --bootstrap-server. Unexpected config names: ${[...unknownAdded, ...scramAdded].join(', ')}`);
    if (unknownDeleted.length + scramDeleted.length > 0) throw new UsageError(`Only quota configs can be deleted for 'clients' using --bootstrap-server. Unexpected config names: ${[...unknownDeleted, ...scramDeleted].join(', ')}`);
  } else {
    if (unknownAdded.length > 0) throw new UsageError(`Only quota and SCRAM credential configs can be added for 'users' using --bootstrap-server. Unexpected config names: ${unknownAdded.join(', ')}`);
    if (unknownDeleted.length > 0) throw new UsageError(`Only quota and SCRAM credential configs can be deleted for 'users' using --bootstrap-server. Unexpected config names: ${unknownDeleted.join(', ')}`);
    if (scramAdded.length + scramDeleted.length > 0) {
      if (entity.user === null) throw new UsageError('The use of --entity-default or --user-defaults is not allowed with User SCRAM Credentials using --bootstrap-server.');
      if (hasQuotas) throw new UsageError("Cannot alter both quota and SCRAM credential configs simultaneously for 'users' using --bootstrap-server.");
    }
  }
  if (hasQuotas) await alterQuotaConfigs(admin, entity, set, remove);
  else await alterScramCredentials(admin, entity.user!, set, remove);
  // As ConfigCommand: the first entity type's name (the user's, when both are given).
  const name = entity.user !== undefined ? entity.user : entity.clientId;
  io.stdout(name === null || name === undefined
    ? `Completed updating default config for ${entityTypeLabel(entity)} in the cluster.\n`
    : `Completed updating config for ${entityTypeLabel(entity).slice(0, -1)} ${name}.\n`);
}

async function alterScramCredentials(admin: Admin, user: string, set: ReadonlyArray<readonly [string, string]>, remove: readonly string[]): Promise<void> {
  const alterations: UserScramCredentialAlteration[] = [
    ...remove.filter(isScram).map((mechanism) => ({ user, mechanism, delete: true as const })),
    ...set.filter((entry): entry is readonly [ScramMechanismName, string] => isScram(entry[0]))
      .map(([mechanism, value]) => ({ user, mechanism, ...parseScramConfig(mechanism, value) })),
  ];
  const [result] = await admin.alterUserScramCredentials(alterations);
  if (result?.error !== null && result?.error !== undefined) throw result.error;
  if (result === undefined) throw new KafkaClientError(ErrorCode.UNKNOWN_SERVER_ERROR, `AlterUserScramCredentials for ${user}`, 'no answer');
}
