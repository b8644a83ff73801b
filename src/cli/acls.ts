import type { AclBinding, AclBindingFilter, AclEntry, AclOperation, AclPatternType, AclResourcePattern, AclResourceType, Admin } from '../client/index.ts';
import { EXIT_FAILURE, EXIT_OK, UsageError } from './cli-io.ts';
import type { CliIo } from './cli-io.ts';
import { flag, listOption, parseOptions, stringOption, withAdmin, type OptionSpecs, type ParsedOptions } from './cli-options.ts';
import { readLines } from './console-producer.ts';

export const aclsUsage = `Usage: samsa acls --bootstrap-server <host:port> [--command-config <file>] --add|--remove|--list [options]   (kafka-acls)

This tool helps to manage acls on kafka.
  --add | --remove | --list        the action (exactly one)
  --topic <topic>                  topic the ACLs apply to ('*' for all topics); repeatable
  --group <group>                  consumer group ('*' for all); repeatable
  --cluster                        the cluster
  --transactional-id <id>          transactional id ('*' for all); repeatable
  --delegation-token <id>          delegation token ('*' for all); repeatable
  --user-principal <principal>     a user, as a resource (CreateTokens, DescribeTokens); repeatable
  --resource-pattern-type <type>   literal (default) or prefixed; for --list and --remove also any or match
  --allow-principal <Type:name>    principal allowed (User:'*' for all users); repeatable
  --deny-principal <Type:name>     principal denied (deny rules take precedence over allow rules); repeatable
  --allow-host <host>              host the allowed principals may come from (default '*'); repeatable
  --deny-host <host>               host the denied principals are denied from (default '*'); repeatable
  --operation <operation>          operation allowed or denied (default All): Read, Write, Create, Delete, Alter,
                                   Describe, ClusterAction, DescribeConfigs, AlterConfigs, IdempotentWrite,
                                   CreateTokens, DescribeTokens, All; repeatable
  --producer                       WRITE, DESCRIBE and CREATE on the topics (WRITE, DESCRIBE on --transactional-id)
  --idempotent                     with --producer: IDEMPOTENT_WRITE on the cluster
  --consumer                       READ, DESCRIBE on the topics and READ on the --group
  --principal <Type:name>          with --list: only this principal's ACLs; repeatable
  --force                          assume yes to every question
`;

const OPTIONS: OptionSpecs = {
  'bootstrap-server': { type: 'string' }, 'command-config': { type: 'string' },
  add: { type: 'boolean' }, remove: { type: 'boolean' }, list: { type: 'boolean' },
  topic: { type: 'string', multiple: true }, group: { type: 'string', multiple: true }, cluster: { type: 'boolean' },
  'transactional-id': { type: 'string', multiple: true }, 'delegation-token': { type: 'string', multiple: true },
  'user-principal': { type: 'string', multiple: true }, 'resource-pattern-type': { type: 'string' },
  'allow-principal': { type: 'string', multiple: true }, 'deny-principal': { type: 'string', multiple: true },
  'allow-host': { type: 'string', multiple: true }, 'deny-host': { type: 'string', multiple: true },
  operation: { type: 'string', multiple: true }, producer: { type: 'boolean' }, idempotent: { type: 'boolean' },
  consumer: { type: 'boolean' }, principal: { type: 'string', multiple: true }, force: { type: 'boolean' },
};

type Values = ParsedOptions['values'];
type PatternFilter = { readonly resourceType: AclResourceType; readonly name: string; readonly patternType: AclPatternType };

/** A failure Kafka's tool reports as "Error while executing ACL command: ...", exit 1. */
class CommandFailure extends Error {}

const CLUSTER_FILTER: PatternFilter = { resourceType: 'CLUSTER', name: 'kafka-cluster', patternType: 'LITERAL' };

/** Kafka's AclEntry.supportedOperations, in its order (ALL is accepted everywhere). */
const SUPPORTED_OPERATIONS: Readonly<Partial<Record<AclResourceType, readonly AclOperation[]>>> = {
  TOPIC: ['READ', 'WRITE', 'CREATE', 'DESCRIBE', 'DELETE', 'ALTER', 'DESCRIBE_CONFIGS', 'ALTER_CONFIGS'],
  GROUP: ['READ', 'DESCRIBE', 'DELETE', 'DESCRIBE_CONFIGS', 'ALTER_CONFIGS'],
  CLUSTER: ['CREATE', 'CLUSTER_ACTION', 'DESCRIBE_CONFIGS', 'ALTER_CONFIGS', 'IDEMPOTENT_WRITE', 'ALTER', 'DESCRIBE'],
  TRANSACTIONAL_ID: ['DESCRIBE', 'WRITE'],
  DELEGATION_TOKEN: ['DESCRIBE'],
  USER: ['CREATE_TOKENS', 'DESCRIBE_TOKENS'],
};
const OPERATIONS: readonly AclOperation[] = [...new Set(Object.values(SUPPORTED_OPERATIONS).flat()), 'ALL'];

/** Kafka's SecurityUtils names: `DescribeConfigs` for DESCRIBE_CONFIGS. */
const pascal = (name: string): string => name.toLowerCase().split('_').map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join('');

/** `(principal=User:alice, host=*, operation=READ, permissionType=ALLOW)`, as Kafka's AccessControlEntry prints. */
export function entryString(entry: AclEntry): string {
  return `(principal=${entry.principal}, host=${entry.host}, operation=${entry.operation}, permissionType=${entry.permissionType})`;
}

/** `ResourcePattern(resourceType=TOPIC, name=foo, patternType=LITERAL)`, as Kafka's ResourcePattern and its filter print. */
export function patternString(pattern: { resourceType: string; name: string | null; patternType: string }): string {
  return `ResourcePattern(resourceType=${pattern.resourceType}, name=${pattern.name ?? '<any>'}, patternType=${pattern.patternType})`;
}

/** A resource and its entries as kafka-acls.sh prints them: a header, then a tab-indented entry per line. */
function aclBlock(header: string, entries: readonly AclEntry[]): string {
  return `${header}: \n ${entries.map((e) => `\t${entryString(e)}`).join('\n')} \n\n`;
}

function operationOf(text: string): AclOperation {
  const wanted = text.trim().replace(/_/g, '').toLowerCase();
  const operation = OPERATIONS.find((op) => op.replace(/_/g, '').toLowerCase() === wanted);
  if (operation === undefined) throw new CommandFailure(`Invalid operation: ${text}`);
  return operation;
}

function principalOf(text: string): string {
  const principal = text.trim();
  if (principal.indexOf(':') <= 0) throw new CommandFailure(`expected a string in format principalType:principalName but got ${principal}`);
  return principal;
}

function patternTypeOf(values: Values): AclPatternType {
  const text = (stringOption(values, 'resource-pattern-type') ?? 'literal').toUpperCase();
  if (text !== 'LITERAL' && text !== 'PREFIXED' && text !== 'ANY' && text !== 'MATCH') throw new UsageError(`Unknown resource-pattern-type: ${stringOption(values, 'resource-pattern-type')}`);
  return text;
}

/** Kafka's getResourceFilter: the resources named, in option order. */
function resourceFilters(values: Values, dieIfNone = true): PatternFilter[] {
  const patternType = patternTypeOf(values);
  const filters: PatternFilter[] = [];
  const add = (resourceType: AclResourceType, option: string): void => {
    for (const name of listOption(values, option)) filters.push({ resourceType, name: name.trim(), patternType });
  };
  add('TOPIC', 'topic');
  if (patternType === 'LITERAL' && (flag(values, 'cluster') || flag(values, 'idempotent'))) filters.push(CLUSTER_FILTER);
  add('GROUP', 'group');
  add('TRANSACTIONAL_ID', 'transactional-id');
  add('DELEGATION_TOKEN', 'delegation-token');
  add('USER', 'user-principal');
  if (filters.length === 0 && dieIfNone) throw new UsageError('You must provide at least one resource: --topic <topic> or --cluster or --group <group> or --delegation-token <Delegation Token ID>');
  return filters;
}

/** Kafka's getAcl: every (principal, operation, host) of the allowed and denied principals. */
function entries(values: Values, operations: readonly AclOperation[]): AclEntry[] {
  const out = new Map<string, AclEntry>();
  for (const permissionType of ['ALLOW', 'DENY'] as const) {
    const side = permissionType === 'ALLOW' ? 'allow' : 'deny';
    const principals = [...new Set(listOption(values, `${side}-principal`).map(principalOf))];
    const givenHosts = listOption(values, `${side}-host`).map((h) => h.trim());
    const hosts = givenHosts.length > 0 ? [...new Set(givenHosts)] : principals.length > 0 ? ['*'] : [];
    for (const principal of principals) {
      for (const operation of operations) {
        for (const host of hosts) out.set(`${principal}\0${operation}\0${host}\0${permissionType}`, { principal, host, operation, permissionType });
      }
    }
  }
  return [...out.values()];
}

const key = (f: PatternFilter): string => `${f.resourceType}\0${f.patternType}\0${f.name}`;

/** Kafka's getResourceFilterToAcls: the filters with the entries each gets (--producer and --consumer shortcuts included). */
function filterToEntries(values: Values): Array<{ filter: PatternFilter; entries: AclEntry[] }> {
  const result = new Map<string, { filter: PatternFilter; entries: AclEntry[] }>();
  const put = (filter: PatternFilter, list: AclEntry[], merge = false): void => {
    const known = result.get(key(filter));
    result.set(key(filter), { filter, entries: merge && known !== undefined ? [...list, ...known.entries] : list });
  };
  const producer = flag(values, 'producer');
  const consumer = flag(values, 'consumer');
  if (!producer && !consumer) {
    const operations = listOption(values, 'operation').map(operationOf);
    const list = entries(values, operations.length === 0 ? ['ALL'] : [...new Set(operations)]);
    for (const filter of resourceFilters(values)) put(filter, list);
  }
  if (producer) {
    for (const filter of resourceFilters(values)) {
      if (filter.resourceType === 'TOPIC') put(filter, entries(values, ['WRITE', 'DESCRIBE', 'CREATE']));
      if (filter.resourceType === 'TRANSACTIONAL_ID') put(filter, entries(values, ['WRITE', 'DESCRIBE']));
    }
    if (flag(values, 'idempotent')) put(CLUSTER_FILTER, entries(values, ['IDEMPOTENT_WRITE']));
  }
  if (consumer) {
    for (const filter of resourceFilters(values)) {
      if (filter.resourceType === 'TOPIC') put(filter, entries(values, ['READ', 'DESCRIBE']), true);
      if (filter.resourceType === 'GROUP') put(filter, entries(values, ['READ']), true);
    }
  }
  for (const { filter, entries: list } of result.values()) {
    const valid = [...(SUPPORTED_OPERATIONS[filter.resourceType] ?? []), 'ALL'];
    if (list.some((e) => !valid.includes(e.operation))) throw new UsageError(`ResourceType ${filter.resourceType} only supports operations ${valid.map(pascal).join(', ')}`);
  }
  return [...result.values()];
}

/** Kafka's checkArgs: exactly one action, and the option combinations it allows. */
function checkArgs(values: Values): 'add' | 'remove' | 'list' {
  if (stringOption(values, 'bootstrap-server') === undefined) throw new UsageError('One of --bootstrap-server or --bootstrap-controller must be specified');
  const actions = (['add', 'remove', 'list'] as const).filter((a) => flag(values, a));
  if (actions.length !== 1) throw new UsageError('Command must include exactly one action: --list, --add, --remove. ');
  const has = (name: string): boolean => values[name] !== undefined;
  const invalidWith = (option: string, ...others: string[]): void => {
    const bad = others.filter(has);
    if (has(option) && bad.length > 0) throw new UsageError(`Option "--${option}" can't be used with option "--${bad[0]}"`);
  };
  invalidWith('list', 'producer', 'consumer', 'allow-host', 'allow-principal', 'deny-host', 'deny-principal');
  invalidWith('producer', 'operation', 'deny-principal', 'deny-host');
  invalidWith('consumer', 'operation', 'deny-principal', 'deny-host');
  if (has('principal') && !has('list')) throw new UsageError('The --principal option is only available if --list is set');
  if (has('producer') && !has('topic')) throw new UsageError('With --producer you must specify a --topic');
  if (has('idempotent') && !has('producer')) throw new UsageError('The --idempotent option is only available if --producer is set');
  if (has('consumer') && (!has('topic') || !has('group') || (!has('producer') && (has('cluster') || has('transactional-id'))))) {
    throw new UsageError('With --consumer you must specify a --topic and a --group and no --cluster or --transactional-id option should be specified.');
  }
  return actions[0]!;
}

export async function runAclsCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values } = parseOptions(args, OPTIONS);
  if (flag(values, 'help')) {
    io.stdout(aclsUsage);
    return EXIT_OK;
  }
  const action = checkArgs(values);
  // Checked before connecting, as Kafka's tool does for --add.
  if (action === 'add' && (patternTypeOf(values) === 'ANY' || patternTypeOf(values) === 'MATCH')) {
    throw new UsageError(`A '--resource-pattern-type' value of '${patternTypeOf(values)}' is not valid when adding acls.`);
  }
  return withAdmin(values, 'acls', io, async (admin) => {
    try {
      if (action === 'add') await addAcls(admin, values, io);
      else if (action === 'remove') await removeAcls(admin, values, io);
      else await listAcls(admin, values, io);
      return EXIT_OK;
    } catch (error) {
      if (error instanceof UsageError) throw error;
      io.stdout(`Error while executing ACL command: ${error instanceof Error ? error.message : String(error)}\n`);
      return EXIT_FAILURE;
    }
  });
}

async function addAcls(admin: Admin, values: Values, io: CliIo): Promise<void> {
  const toAdd = filterToEntries(values);
  if (toAdd.some(({ entries: list }) => list.length === 0)) throw new UsageError('You must specify one of: --allow-principal, --deny-principal when trying to add ACLs.');
  for (const { filter, entries: list } of toAdd) {
    io.stdout(aclBlock(`Adding ACLs for resource \`${patternString(filter)}\``, list));
    await admin.createAcls(list.map((entry): AclBinding => ({ pattern: filter as AclResourcePattern, entry })));
  }
}

async function removeAcls(admin: Admin, values: Values, io: CliIo): Promise<void> {
  const answers = readLines(io.stdin ?? (async function* () {})());
  const confirm = async (question: string): Promise<boolean> => {
    if (flag(values, 'force')) return true;
    io.stdout(`${question}\n`);
    const answer = await answers.next();
    return answer.done !== true && answer.value.trim().toLowerCase() === 'y';
  };
  for (const { filter, entries: list } of filterToEntries(values)) {
    const where = `resource filter \`${patternString(filter)}\``;
    if (list.length === 0) {
      if (await confirm(`Are you sure you want to delete all ACLs for ${where}? (y/n)`)) await admin.deleteAcls([{ pattern: filter }]);
    } else if (await confirm(`Are you sure you want to remove ACLs: \n ${list.map((e) => `\t${entryString(e)}`).join('\n')} \n from ${where}? (y/n)`)) {
      await admin.deleteAcls(list.map((entry): AclBindingFilter => ({ pattern: filter, entry })));
    }
  }
}

async function listAcls(admin: Admin, values: Values, io: CliIo): Promise<void> {
  const filters = resourceFilters(values, false);
  const bindings = filters.length === 0
    ? await admin.describeAcls({ pattern: {} })
    : (await Promise.all(filters.map((pattern) => admin.describeAcls({ pattern })))).flat();
  const byPattern = new Map<string, { pattern: AclResourcePattern; entries: AclEntry[] }>();
  for (const { pattern, entry } of bindings) {
    const k = key(pattern);
    const group = byPattern.get(k) ?? { pattern, entries: [] };
    byPattern.set(k, group);
    if (!group.entries.some((e) => entryString(e) === entryString(entry))) group.entries.push(entry);
  }
  const print = (principal?: string): void => {
    for (const { pattern, entries: list } of byPattern.values()) {
      const shown = principal === undefined ? list : list.filter((e) => e.principal === principal);
      if (shown.length > 0) io.stdout(aclBlock(`Current ACLs for resource \`${patternString(pattern)}\``, shown));
    }
  };
  const principals = listOption(values, 'principal').map(principalOf);
  if (principals.length === 0) print();
  for (const principal of principals) {
    io.stdout(`ACLs for principal \`${principal}\`\n`);
    print(principal);
  }
}
