import type { Admin, ConfigEntry, ConfigResourceType } from '../client/index.ts';
import { configSourceName } from '../client/index.ts';
import { printJson } from './cli-format.ts';
import { EXIT_OK, UsageError } from './cli-io.ts';
import type { CliIo } from './cli-io.ts';
import { BOOTSTRAP_OPTIONS, clientProperties, flag, listOption, parseOptions, stringOption, withAdmin } from './cli-options.ts';
import { alterUserClientConfigs, describeUserClientConfigs, USER_CLIENT_OPTIONS, userClientEntity } from './configs-users.ts';

export const configsUsage = `Usage: samsa configs --bootstrap-server <host:port> (--describe | --alter) --entity-type <type> [options]   (kafka-configs)

  --describe                      print the dynamic configs (all of them with --all)
  --alter                         change configs: --add-config k1=v1,k2=[a,b] and/or --delete-config k1,k2
  --entity-type <type>            topics, brokers, broker-loggers, users or clients (users and clients together: a user's client id)
  --entity-name <name>            the topic name, broker id, user or client id (describe: all when absent)
  --entity-default                the cluster-wide broker default, or the default user or client id
  --topic <t> / --broker <id> / --broker-defaults   shorthands for the above
  --user <u> / --client <c> / --user-defaults / --client-defaults   shorthands for users and clients
  SCRAM credentials of a user:    --add-config 'SCRAM-SHA-256=[iterations=8192,password=secret],SCRAM-SHA-512=[password=secret]'
                                  --delete-config SCRAM-SHA-512   (the password is salted and hashed before it is sent)
  --add-config-file <file>        configs to add, as a properties file
  --json                          machine-readable output (describe)
  --command-config <file>         admin client properties (client.id, request.timeout.ms, ...)
`;

const OPTIONS = {
  ...BOOTSTRAP_OPTIONS,
  describe: { type: 'boolean' }, alter: { type: 'boolean' }, 'entity-type': { type: 'string', multiple: true }, 'entity-name': { type: 'string', multiple: true },
  ...USER_CLIENT_OPTIONS,
  'entity-default': { type: 'boolean' }, topic: { type: 'string' }, broker: { type: 'string' }, 'broker-defaults': { type: 'boolean' },
  'add-config': { type: 'string', multiple: true }, 'add-config-file': { type: 'string' }, 'delete-config': { type: 'string', multiple: true },
  all: { type: 'boolean' },
} as const;

type Values = ReturnType<typeof parseOptions>['values'];

const ENTITY_TYPES: Record<string, ConfigResourceType> = {
  topics: 'topic', topic: 'topic', brokers: 'broker', broker: 'broker', 'broker-loggers': 'broker_logger', 'broker-logger': 'broker_logger',
};

interface Entity { readonly type: ConfigResourceType; readonly name: string | null; readonly isDefault: boolean }

function entity(values: Values): Entity {
  const topic = stringOption(values, 'topic');
  const broker = stringOption(values, 'broker');
  const brokerDefaults = flag(values, 'broker-defaults');
  const shorthand = [topic !== undefined, broker !== undefined, brokerDefaults].filter(Boolean).length;
  const typeText = singleOption(values, 'entity-type');
  if (shorthand > 1 || (shorthand === 1 && typeText !== undefined)) throw new UsageError('give one of --entity-type, --topic, --broker, --broker-defaults');
  if (topic !== undefined) return { type: 'topic', name: topic, isDefault: false };
  if (broker !== undefined) return { type: 'broker', name: broker, isDefault: false };
  if (brokerDefaults) return { type: 'broker', name: '', isDefault: true };
  if (typeText === undefined) throw new UsageError('missing required option --entity-type');
  const type = ENTITY_TYPES[typeText];
  if (type === undefined) throw new UsageError(`--entity-type must be topics, brokers or broker-loggers, not '${typeText}'`);
  const isDefault = flag(values, 'entity-default');
  const name = singleOption(values, 'entity-name');
  if (isDefault && name !== undefined) throw new UsageError('--entity-name and --entity-default cannot be used together');
  if (isDefault && type !== 'broker') throw new UsageError('--entity-default is for --entity-type brokers');
  if (type === 'broker' && name !== undefined && !/^\d+$/.test(name)) throw new UsageError(`a broker's --entity-name is its id, not '${name}'`);
  return { type, name: isDefault ? '' : name ?? null, isDefault };
}

/** "k1=v1,k2=[a,b]": commas inside brackets belong to the value, as in kafka-configs. */
export function parseAddConfig(text: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  let depth = 0;
  let start = 0;
  const parts: string[] = [];
  for (let i = 0; i <= text.length; i++) {
    const c = text[i];
    if (c === '[') depth++;
    else if (c === ']') depth--;
    else if ((c === ',' && depth === 0) || i === text.length) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  for (const part of parts.map((p) => p.trim()).filter((p) => p !== '')) {
    const eq = part.indexOf('=');
    if (eq <= 0) throw new UsageError(`--add-config entries are key=value, not '${part}'`);
    const value = part.slice(eq + 1).trim();
    out.push([part.slice(0, eq).trim(), value.startsWith('[') && value.endsWith(']') ? value.slice(1, -1) : value]);
  }
  return out;
}

export async function runConfigsCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values } = parseOptions(args, OPTIONS);
  if (flag(values, 'help')) {
    io.stdout(configsUsage);
    return EXIT_OK;
  }
  if (flag(values, 'describe') === flag(values, 'alter')) throw new UsageError('give exactly one of --describe and --alter');
  const users = userClientEntity(values);
  if (users !== undefined) {
    return withAdmin(values, 'configs', io, async (admin) => {
      if (flag(values, 'describe')) await describeUserClientConfigs(admin, users, io);
      else await alterUserClientConfigs(admin, users, ...await configChanges(values), io);
      return EXIT_OK;
    });
  }
  const target = entity(values);
  return withAdmin(values, 'configs', io, (admin) => (flag(values, 'describe') ? describe(admin, target, values, io) : alter(admin, target, values, io)));
}

function label(e: Entity, name: string): string {
  if (e.isDefault) return 'brokers in the cluster';
  return `${e.type === 'topic' ? 'topic' : e.type === 'broker' ? 'broker' : 'broker-logger'} ${name}`;
}

/** Which entries "Dynamic configs for ..." shows: those set dynamically on exactly this entity ('' is the broker default). */
function isDynamicFor(e: Entity, name: string, entry: ConfigEntry): boolean {
  if (e.type === 'topic') return entry.source === 1;
  if (e.type === 'broker_logger') return true;
  return name === '' ? entry.source === 3 : entry.source === 2;
}

async function describe(admin: Admin, e: Entity, values: Values, io: CliIo): Promise<number> {
  let names: string[];
  if (e.name !== null) names = [e.name];
  else if (e.type === 'topic') names = await admin.listTopics({ includeInternal: true });
  else {
    const ids = [...(await admin.cluster.refreshMetadata()).brokers.keys()].sort((a, b) => a - b).map(String);
    // As kafka-configs: every broker, then the cluster-wide default.
    names = e.type === 'broker' ? [...ids, ''] : ids;
  }
  const all = flag(values, 'all');
  const results = names.length === 0 ? [] : await admin.describeConfigs(names.map((name) => ({ type: e.type, name })), { includeSynonyms: true });
  // Sorted by name, as kafka-configs prints them.
  const shown = (r: (typeof results)[number]) => r.configs.filter((c) => all || isDynamicFor(e, r.resource.name, c)).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  if (flag(values, 'json')) {
    printJson(io, results.map((r) => ({
      entityType: e.type, entityName: r.resource.name,
      configs: shown(r).map((c) => ({
        name: c.name, value: c.isSensitive ? null : c.value, source: configSourceName(c.source), readOnly: c.readOnly, sensitive: c.isSensitive, type: c.type,
        synonyms: c.synonyms.map((s) => ({ name: s.name, value: c.isSensitive ? null : s.value, source: configSourceName(s.source) })),
      })),
    })));
    return EXIT_OK;
  }
  let out = '';
  for (const r of results) {
    const isDefault = e.type === 'broker' && r.resource.name === '';
    const heading = isDefault ? 'Default configs for brokers in the cluster are:' : `${all ? 'All' : 'Dynamic'} configs for ${label(e, r.resource.name)} are:`;
    out += heading + '\n';
    for (const c of shown(r)) {
      const value = c.isSensitive ? 'null' : c.value ?? 'null';
      const synonyms = c.synonyms.map((s) => `${configSourceName(s.source)}:${s.name}=${c.isSensitive ? 'null' : s.value ?? 'null'}`).join(', ');
      out += `  ${c.name}=${value} sensitive=${c.isSensitive} synonyms={${synonyms}}\n`;
    }
  }
  io.stdout(out);
  return EXIT_OK;
}

/** The option given once; more than once is a usage error (only users and clients take two entity types). */
function singleOption(values: Values, name: string): string | undefined {
  const given = listOption(values, name);
  if (given.length > 1) throw new UsageError(`--${name} may be given once here`);
  return given[0];
}

/** --add-config, --add-config-file and --delete-config: the configs to set and to remove. */
async function configChanges(values: Values): Promise<[Array<[string, string]>, string[]]> {
  const file = stringOption(values, 'add-config-file');
  const set: Array<[string, string]> = [
    // Trimmed, as --add-config's values are (and as the broker's ConfigDef would).
    ...(file === undefined ? [] : [...await clientProperties(file, [], '--add-config-file')].map(([k, v]): [string, string] => [k, v.trim()])),
    ...listOption(values, 'add-config').flatMap(parseAddConfig),
  ];
  const remove = listOption(values, 'delete-config').flatMap((t) => t.split(',')).map((k) => k.trim()).filter((k) => k !== '');
  if (set.length === 0 && remove.length === 0) throw new UsageError('--alter needs --add-config, --add-config-file or --delete-config');
  const both = set.map(([k]) => k).filter((k) => remove.includes(k));
  if (both.length > 0) throw new UsageError(`a config cannot be added and deleted at once: ${both.join(', ')}`);
  return [set, remove];
}

async function alter(admin: Admin, e: Entity, values: Values, io: CliIo): Promise<number> {
  if (e.name === null) throw new UsageError('--alter needs --entity-name (or --entity-default)');
  const [set, remove] = await configChanges(values);
  await admin.incrementalAlterConfigs([{
    type: e.type, name: e.name,
    ops: [...set.map(([name, value]) => ({ name, op: 'set' as const, value })), ...remove.map((name) => ({ name, op: 'delete' as const }))],
  }]);
  io.stdout(e.isDefault ? 'Completed updating default config for brokers in the cluster.\n' : `Completed updating config for ${label(e, e.name)}.\n`);
  return EXIT_OK;
}
