import { readFile } from 'node:fs/promises';
import type { Admin, GroupDescription, OffsetResetSpec, TopicPartitionOffset } from '../client/index.ts';
import { KafkaClientError, parseIsoDurationMs, parseResetDatetime } from '../client/index.ts';
import { ErrorCode } from '../protocol/errors.ts';
import { formatTable, printJson } from './cli-format.ts';
import { EXIT_OK, UsageError } from './cli-io.ts';
import type { CliIo } from './cli-io.ts';
import { flag, intOption, listOption, parsePartitionList, stringOption } from './cli-options.ts';
import type { OptionSpecs, ParsedOptions } from './cli-options.ts';

/**
 * DescribeGroups, tolerating a broker that has not got it: the offsets still describe the group,
 * only its members and state are unknown then.
 */
export async function describeGroup(admin: Admin, groupId: string): Promise<GroupDescription | null> {
  try {
    return (await admin.describeGroups([groupId]))[0]!;
  } catch (error) {
    if (error instanceof KafkaClientError && error.code === ErrorCode.UNSUPPORTED_VERSION) return null;
    throw error;
  }
}

export const RESET_OPTIONS: OptionSpecs = {
  topic: { type: 'string', multiple: true }, 'all-topics': { type: 'boolean' },
  'to-earliest': { type: 'boolean' }, 'to-latest': { type: 'boolean' }, 'to-current': { type: 'boolean' },
  'to-offset': { type: 'string' }, 'shift-by': { type: 'string' }, 'to-datetime': { type: 'string' }, 'by-duration': { type: 'string' },
  'from-file': { type: 'string' }, 'dry-run': { type: 'boolean' }, execute: { type: 'boolean' }, export: { type: 'boolean' },
};

/**
 * A reset plan as --export writes it: `topic,partition,offset` lines, or Kafka's multi-group
 * `group,topic,partition,offset` (only `groupId`'s lines count then). Offsets by topic, then partition.
 */
export function parseResetPlan(text: string, groupId: string): Map<string, Map<number, number>> {
  const plan = new Map<string, Map<number, number>>();
  for (const [i, line] of text.split(/\r?\n/).entries()) {
    if (line.trim() === '') continue;
    const fields = line.split(',').map((f) => f.trim());
    if (fields.length === 4 && fields[0] !== groupId) continue;
    const [topic, partition, offset] = fields.length === 4 ? fields.slice(1) : fields;
    if ((fields.length !== 3 && fields.length !== 4) || topic === '' || !/^\d+$/.test(partition ?? '') || !/^\d+$/.test(offset ?? '')) {
      throw new UsageError(`--from-file line ${i + 1} is not topic,partition,offset (or group,topic,partition,offset): '${line}'`);
    }
    let partitions = plan.get(topic!);
    if (partitions === undefined) plan.set(topic!, partitions = new Map());
    partitions.set(Number(partition), Number(offset));
  }
  return plan;
}

async function readResetPlan(file: string, groupId: string): Promise<Map<string, Map<number, number>>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read ${file}: ${(error as Error).message}`);
  }
  const plan = parseResetPlan(text, groupId);
  if (plan.size === 0) throw new Error(`No reset plan for group ${groupId} found`);
  return plan;
}

/** ISO-8601 durations as kafka-consumer-groups takes them: PnDTnHnMnS (fractions of seconds too). */
export function parseDurationMs(text: string): number {
  const ms = parseIsoDurationMs(text);
  if (ms === null) throw new UsageError(`--by-duration takes PnDTnHnMnS, not '${text}'`);
  return ms;
}

/** --to-datetime: YYYY-MM-DDTHH:mm:SS.sss with an optional zone (Z, +hh:mm); no zone is local time, as in Kafka. */
export function parseDatetime(text: string): number {
  const ms = parseResetDatetime(text);
  if (ms === null) throw new UsageError(`--to-datetime takes YYYY-MM-DDTHH:mm:SS.sss, not '${text}'`);
  return ms;
}

/** The --to-* / --shift-by / --by-duration spec; null for --from-file, whose plan gives the offsets. */
function resetSpec(values: ParsedOptions['values']): OffsetResetSpec | null {
  const specs: Array<OffsetResetSpec | null> = [];
  if (stringOption(values, 'from-file') !== undefined) specs.push(null);
  if (flag(values, 'to-earliest')) specs.push('earliest');
  if (flag(values, 'to-latest')) specs.push('latest');
  if (flag(values, 'to-current')) specs.push({ shiftBy: 0 });
  const toOffset = intOption(values, 'to-offset', { min: 0 });
  if (toOffset !== undefined) specs.push({ offset: toOffset });
  const shiftBy = intOption(values, 'shift-by');
  if (shiftBy !== undefined) specs.push({ shiftBy });
  const datetime = stringOption(values, 'to-datetime');
  if (datetime !== undefined) specs.push({ timestamp: parseDatetime(datetime) });
  const duration = stringOption(values, 'by-duration');
  if (duration !== undefined) specs.push({ timestamp: Date.now() - parseDurationMs(duration) });
  if (specs.length !== 1) {
    throw new UsageError('give exactly one of --to-earliest, --to-latest, --to-current, --to-offset, --shift-by, --to-datetime, --by-duration, --from-file');
  }
  return specs[0]!;
}

async function scope(admin: Admin, groupId: string, values: ParsedOptions['values']): Promise<Array<{ topic: string; partitions?: number[] }>> {
  const topics = listOption(values, 'topic');
  if (flag(values, 'all-topics')) {
    if (topics.length > 0) throw new UsageError('--all-topics and --topic cannot be used together');
    // As Kafka's tool: the partitions the group has committed offsets for, not every partition of their topics.
    const partitions = new Map<string, number[]>();
    for (const { topic, partition } of await admin.listConsumerGroupOffsets(groupId)) {
      const list = partitions.get(topic);
      if (list === undefined) partitions.set(topic, [partition]);
      else list.push(partition);
    }
    return [...partitions].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([topic, list]) => ({ topic, partitions: list.sort((a, b) => a - b) }));
  }
  if (topics.length === 0) throw new UsageError('--reset-offsets needs --topic or --all-topics');
  return topics.map((spec) => {
    const colon = spec.indexOf(':');
    return colon < 0 ? { topic: spec } : { topic: spec.slice(0, colon), partitions: parsePartitionList(spec.slice(colon + 1)) };
  });
}

/** kafka-consumer-groups --reset-offsets: computes new offsets, prints them and commits on --execute. */
export async function resetOffsets(admin: Admin, values: ParsedOptions['values'], io: CliIo): Promise<number> {
  const groups = listOption(values, 'group');
  if (groups.length !== 1) throw new UsageError('--reset-offsets needs exactly one --group');
  const groupId = groups[0]!;
  const spec = resetSpec(values);
  const execute = flag(values, 'execute');
  if (execute && flag(values, 'dry-run')) throw new UsageError('--dry-run and --execute cannot be used together');
  if (!execute && !flag(values, 'dry-run')) {
    io.stderr('WARN: No action will be performed as the --execute option is missing. Add --dry-run to keep this behaviour without the warning.\n');
  }
  // Kafka checks this for a dry run too: a plan for an active group would not hold.
  const description = await describeGroup(admin, groupId);
  if (description !== null && description.state !== 'Empty' && description.state !== 'Dead') {
    throw new Error(`Assignments can only be reset if the group '${groupId}' is inactive, but the current state is ${description.state}.`);
  }
  const file = stringOption(values, 'from-file');
  const steps: Array<{ topic: string; spec: OffsetResetSpec; partitions?: number[] }> = spec === null
    ? [...await readResetPlan(file!, groupId)].map(([topic, offsets]) => ({ topic, spec: { offsets } }))
    : (await scope(admin, groupId, values)).map((s) => ({ ...s, spec }));
  const planned: TopicPartitionOffset[] = [];
  for (const { topic, spec: to, partitions } of steps) {
    planned.push(...await admin.resetConsumerGroupOffsets(groupId, topic, to, { dryRun: !execute, ...(partitions ? { partitions } : {}) }));
  }
  if (flag(values, 'json')) {
    printJson(io, planned.map((p) => ({ group: groupId, topic: p.topic, partition: p.partition, newOffset: p.offset })));
  } else if (flag(values, 'export')) {
    io.stdout(planned.map((p) => `${p.topic},${p.partition},${p.offset}\n`).join(''));
  } else {
    io.stdout('\n' + formatTable(['GROUP', 'TOPIC', 'PARTITION', 'NEW-OFFSET'],
      planned.map((p) => [groupId, p.topic, String(p.partition), String(p.offset)]), [30, 30, 10]));
  }
  return EXIT_OK;
}
