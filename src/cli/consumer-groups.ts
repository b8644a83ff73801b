import type { Admin, GroupDescription, GroupListing } from '../client/index.ts';
import { KafkaClientError } from '../client/index.ts';
import { ErrorCode } from '../protocol/errors.ts';
import { formatTable, printJson } from './cli-format.ts';
import { EXIT_FAILURE, EXIT_OK, UsageError } from './cli-io.ts';
import type { CliIo } from './cli-io.ts';
import { BOOTSTRAP_OPTIONS, flag, listOption, parseOptions, stringOption, withAdmin } from './cli-options.ts';
import type { OptionSpecs } from './cli-options.ts';
import { describeGroup, resetOffsets, RESET_OPTIONS } from './consumer-groups-reset.ts';

export const consumerGroupsUsage = `Usage: samsa consumer-groups --bootstrap-server <host:port> <action> [options]   (kafka-consumer-groups)

Actions (exactly one):
  --list                          list groups; --state [states] and --type [types] (comma-separated, e.g.
                                  Stable,Empty and classic,consumer) filter them and add STATE / TYPE columns
  --describe                      describe --group (repeatable) or --all-groups: offsets and LAG per partition;
                                  with --members (and --verbose) the members, with --state the group's state
  --reset-offsets                 move --group's committed offsets for --topic <t[:p,p]> (repeatable) or
                                  --all-topics to --to-earliest | --to-latest | --to-current | --to-offset <n> |
                                  --shift-by <n> | --to-datetime <YYYY-MM-DDTHH:mm:SS.sss[Z]> | --by-duration <PnDTnHnMnS> |
                                  --from-file <csv> (topic,partition,offset lines, as --export prints them);
                                  prints the plan (--dry-run, the default) or commits it (--execute); the group must be inactive
  --delete                        delete --group (repeatable) or --all-groups
  --delete-offsets                delete --group's committed offsets of --topic
Options:
  --json                          machine-readable output (list, describe)
  --command-config <file>         admin client properties (client.id, request.timeout.ms, ...)
`;

const OPTIONS = {
  ...BOOTSTRAP_OPTIONS, ...RESET_OPTIONS,
  list: { type: 'boolean' }, describe: { type: 'boolean' }, 'reset-offsets': { type: 'boolean' }, delete: { type: 'boolean' },
  'delete-offsets': { type: 'boolean' }, group: { type: 'string', multiple: true }, 'all-groups': { type: 'boolean' },
  members: { type: 'boolean' }, state: { type: 'string', optionalValue: true }, type: { type: 'string', optionalValue: true },
  offsets: { type: 'boolean' }, verbose: { type: 'boolean' },
  timeout: { type: 'string' },
} as const satisfies OptionSpecs;

type Values = ReturnType<typeof parseOptions>['values'];

export async function runConsumerGroupsCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values } = parseOptions(args, OPTIONS);
  if (flag(values, 'help')) {
    io.stdout(consumerGroupsUsage);
    return EXIT_OK;
  }
  const actions = (['list', 'describe', 'reset-offsets', 'delete', 'delete-offsets'] as const).filter((a) => flag(values, a));
  if (actions.length !== 1) throw new UsageError('give exactly one of --list, --describe, --reset-offsets, --delete, --delete-offsets');
  return withAdmin(values, 'consumer-groups', io, async (admin) => {
    switch (actions[0]!) {
      case 'list': return list(admin, values, io);
      case 'describe': return describeGroups(admin, values, io);
      case 'reset-offsets': return resetOffsets(admin, values, io);
      case 'delete': return deleteGroups(admin, values, io);
      case 'delete-offsets': return deleteOffsets(admin, values, io);
    }
  });
}

async function groupIds(admin: Admin, values: Values): Promise<string[]> {
  const groups = listOption(values, 'group');
  if (flag(values, 'all-groups')) return (await admin.listGroups()).map((g) => g.groupId);
  if (groups.length === 0) throw new UsageError('give --group or --all-groups');
  return groups;
}

/** Kafka's group states, as ListGroups names them (ConsumerGroupState without UNKNOWN). */
const GROUP_STATES = ['PreparingRebalance', 'CompletingRebalance', 'Stable', 'Dead', 'Empty', 'Assigning', 'Reconciling'];
const GROUP_TYPES = ['Classic', 'Consumer'];

/** A comma-separated --state / --type value as the canonical names; '' (no value) is no filter. */
function parseFilter(text: string, valid: readonly string[], what: string): string[] {
  if (text === '') return [];
  return text.split(',').map((entry) => {
    const found = valid.find((v) => v.toLowerCase() === entry.trim().toLowerCase());
    if (found === undefined) throw new UsageError(`Invalid ${what} list '${text}'. Valid ${what}s are: ${valid.join(', ')}`);
    return found;
  });
}

async function list(admin: Admin, values: Values, io: CliIo): Promise<number> {
  const stateText = stringOption(values, 'state');
  const typeText = stringOption(values, 'type');
  const states = stateText === undefined ? [] : parseFilter(stateText, GROUP_STATES, 'state');
  const types = typeText === undefined ? [] : parseFilter(typeText, GROUP_TYPES, 'type');
  const groups = await admin.listGroups({ states, types: types.map((t) => t.toLowerCase()) });
  if (flag(values, 'json')) {
    printJson(io, groups);
  } else if (stateText !== undefined || typeText !== undefined) {
    // Kafka's layout: GROUP at least 15 wide plus 10, then TYPE and STATE 20 wide each.
    const groupWidth = Math.max(15, ...groups.map((g) => g.groupId.length)) + 10;
    const typeName = (type: string) => GROUP_TYPES.find((t) => t.toLowerCase() === type.toLowerCase()) ?? 'Unknown';
    const columns = [['GROUP', groupWidth, (g: GroupListing) => g.groupId] as const,
      ...(typeText !== undefined ? [['TYPE', 20, (g: GroupListing) => typeName(g.type)] as const] : []),
      ...(stateText !== undefined ? [['STATE', 20, (g: GroupListing) => g.state || 'Unknown'] as const] : [])];
    io.stdout(formatTable(columns.map((c) => c[0]), groups.map((g) => columns.map((c) => c[2](g))), columns.map((c) => c[1])));
  } else if (groups.length > 0) {
    io.stdout(groups.map((g) => g.groupId).join('\n') + '\n');
  }
  return EXIT_OK;
}

interface OffsetRow {
  group: string; topic: string; partition: number; currentOffset: number | null; logEndOffset: number; lag: number | null;
  consumerId: string | null; host: string | null; clientId: string | null;
}

async function offsetRows(admin: Admin, groupId: string, description: GroupDescription | null): Promise<OffsetRow[]> {
  const committed = (await admin.listConsumerGroupOffsets(groupId)).filter((c) => c.offset >= 0);
  const owners = new Map<string, GroupDescription['members'][number]>();
  for (const member of description?.members ?? []) for (const tp of member.assignment) owners.set(`${tp.topic}\0${tp.partition}`, member);
  const keys = new Map<string, { topic: string; partition: number }>();
  for (const c of committed) keys.set(`${c.topic}\0${c.partition}`, c);
  for (const member of description?.members ?? []) for (const tp of member.assignment) keys.set(`${tp.topic}\0${tp.partition}`, tp);
  const partitions = [...keys.values()].sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
  const ends = partitions.length === 0 ? [] : await admin.listOffsets(partitions.map((p) => ({ ...p, spec: 'latest' as const })));
  return partitions.map((p, i) => {
    const key = `${p.topic}\0${p.partition}`;
    const current = committed.find((c) => c.topic === p.topic && c.partition === p.partition)?.offset ?? null;
    const end = ends[i]!.offset;
    const owner = owners.get(key);
    return {
      group: groupId, topic: p.topic, partition: p.partition, currentOffset: current, logEndOffset: end,
      lag: current === null ? null : Math.max(0, end - current),
      consumerId: owner?.memberId ?? null, host: owner?.clientHost ?? null, clientId: owner?.clientId ?? null,
    };
  });
}

const dash = (value: string | number | null | undefined) => (value === null || value === undefined || value === '' ? '-' : String(value));

async function describeGroups(admin: Admin, values: Values, io: CliIo): Promise<number> {
  const ids = await groupIds(admin, values);
  const json: unknown[] = [];
  let failed = false;
  for (const groupId of ids) {
    const description = await describeGroup(admin, groupId);
    const rows = await offsetRows(admin, groupId, description);
    if ((description === null || description.state === 'Dead') && rows.length === 0) {
      io.stderr(`Error: Consumer group '${groupId}' does not exist.\n`);
      failed = true;
      continue;
    }
    const state = description?.state ?? 'Unknown';
    const members = description?.members ?? [];
    if (flag(values, 'json')) {
      json.push({ group: groupId, state, protocol: description?.protocol ?? null, coordinator: description?.coordinator ?? null, members, offsets: rows });
      continue;
    }
    if (state === 'Empty') io.stderr(`\nConsumer group '${groupId}' has no active members.\n`);
    if (state === 'PreparingRebalance' || state === 'CompletingRebalance') io.stderr(`\nWarning: Consumer group '${groupId}' is rebalancing.\n`);
    if (values.state !== undefined) {
      const node = description?.coordinator ?? null;
      const coordinator = node === null ? '-' : `${node.host}:${node.port}  (${node.nodeId})`;
      // Kafka sizes the first column by the coordinator's text (at least 25), and COORDINATOR at 25.
      io.stdout('\n' + formatTable(['GROUP', 'COORDINATOR (ID)', 'ASSIGNMENT-STRATEGY', 'STATE', '#MEMBERS'], [[
        groupId, coordinator, dash(description?.protocol), state, String(members.length),
      ]], [Math.max(25, coordinator.length), 25, 20, 15]));
    } else if (flag(values, 'members')) {
      const verbose = flag(values, 'verbose');
      const headers = ['GROUP', 'CONSUMER-ID', 'HOST', 'CLIENT-ID', '#PARTITIONS', ...(verbose ? ['ASSIGNMENT'] : [])];
      io.stdout('\n' + formatTable(headers, members.map((m) => [
        groupId, m.memberId, m.clientHost, m.clientId, String(m.assignment.length),
        ...(verbose ? [assignmentText(m.assignment)] : []),
      ])));
    } else {
      io.stdout('\n' + formatTable(
        ['GROUP', 'TOPIC', 'PARTITION', 'CURRENT-OFFSET', 'LOG-END-OFFSET', 'LAG', 'CONSUMER-ID', 'HOST', 'CLIENT-ID'],
        rows.map((r) => [r.group, r.topic, String(r.partition), dash(r.currentOffset), String(r.logEndOffset), dash(r.lag), dash(r.consumerId), dash(r.host), dash(r.clientId)]),
        [0, 0, 10, 15, 15, 15],
      ));
    }
  }
  if (flag(values, 'json')) printJson(io, json);
  return failed ? EXIT_FAILURE : EXIT_OK;
}

function assignmentText(assignment: ReadonlyArray<{ topic: string; partition: number }>): string {
  if (assignment.length === 0) return '-';
  const byTopic = new Map<string, number[]>();
  for (const tp of assignment) byTopic.set(tp.topic, [...(byTopic.get(tp.topic) ?? []), tp.partition]);
  return [...byTopic].map(([topic, partitions]) => `${topic}(${partitions.sort((a, b) => a - b).join(',')})`).join(',');
}

async function deleteGroups(admin: Admin, values: Values, io: CliIo): Promise<number> {
  const ids = await groupIds(admin, values);
  const failures: string[] = [];
  for (const groupId of ids) {
    try {
      await admin.deleteGroups([groupId]);
    } catch (error) {
      if (!(error instanceof KafkaClientError)) throw error;
      failures.push(`${groupId}: ${error.code === ErrorCode.NON_EMPTY_GROUP ? 'the group is not empty' : error.code === ErrorCode.GROUP_ID_NOT_FOUND ? 'the group does not exist' : error.errorName}`);
    }
  }
  const succeeded = ids.filter((id) => !failures.some((f) => f.startsWith(`${id}: `)));
  if (succeeded.length > 0) io.stdout(`Deletion of requested consumer groups (${succeeded.map((g) => `'${g}'`).join(', ')}) was successful.\n`);
  if (failures.length > 0) {
    io.stderr(`Error: Deletion of some consumer groups failed:\n${failures.map((f) => `* Group ${f}\n`).join('')}`);
    return EXIT_FAILURE;
  }
  return EXIT_OK;
}

async function deleteOffsets(admin: Admin, values: Values, io: CliIo): Promise<number> {
  const groups = listOption(values, 'group');
  if (groups.length !== 1) throw new UsageError('--delete-offsets needs exactly one --group');
  const topics = listOption(values, 'topic');
  if (topics.length === 0) throw new UsageError('--delete-offsets needs --topic');
  const partitions: Array<{ topic: string; partition: number }> = [];
  for (const spec of topics) {
    const [topic, list] = spec.split(':') as [string, string | undefined];
    const numbers = list !== undefined ? list.split(',').map(Number) : (await admin.cluster.topic(topic)).partitions.map((p) => p.partition);
    for (const partition of numbers) partitions.push({ topic, partition });
  }
  await admin.deleteConsumerGroupOffsets(groups[0]!, partitions);
  io.stdout(`Request succeed for deleting offsets from group ${groups[0]}.\n\n` +
    formatTable(['TOPIC', 'PARTITION', 'STATUS'], partitions.map((p) => [p.topic, String(p.partition), 'Successful'])));
  return EXIT_OK;
}
