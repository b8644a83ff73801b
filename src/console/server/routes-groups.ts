import type { Admin, GroupDescription, OffsetResetSpec, TopicPartitionOffset } from '../../client/index.ts';
import { KafkaClientError, parseIsoDurationMs, parseResetDatetime } from '../../client/index.ts';
import { ErrorCode } from '../../protocol/errors.ts';
import type { GroupDetail, GroupSummary, ResetStrategy } from '../api-types.ts';
import type { ConsoleContext } from './context.ts';
import { groupOffsets, offsetsOf, totalLag } from './group-lag.ts';
import { ApiHttpError, badRequest, notFound } from './http-errors.ts';
import type { RouteHandlers } from './router.ts';
import { describeTopic } from './routes-topics.ts';
import { Fields } from './validate.ts';
import { brokerRef } from './views.ts';

/** The group's description; a group the coordinator does not know is Dead with no members. */
async function describeGroup(admin: Admin, groupId: string): Promise<GroupDescription> {
  const [description] = await admin.describeGroups([groupId]);
  return description!;
}

const isInactive = (state: string): boolean => state === 'Empty' || state === 'Dead';

async function groupDetail(context: ConsoleContext, groupId: string): Promise<GroupDetail> {
  const [description, committed] = await Promise.all([describeGroup(context.admin, groupId), context.admin.listConsumerGroupOffsets(groupId)]);
  if (description.state === 'Dead' && description.members.length === 0 && committed.length === 0) throw notFound(`consumer group '${groupId}' does not exist`);
  const assigned = description.members.flatMap((m) => m.assignment);
  const offsets = groupOffsets(description, committed, await offsetsOf(context.admin, [...committed, ...assigned]));
  const lag = totalLag(offsets);
  context.lagHistory.record(groupId, lag);
  context.lagHistory.watch(groupId);
  const byTopic = new Map<string, number>();
  for (const o of offsets) byTopic.set(o.topic, (byTopic.get(o.topic) ?? 0) + (o.lag ?? 0));
  return {
    groupId, state: description.state, type: description.type, protocolType: description.protocolType, protocol: description.protocol,
    coordinator: description.coordinator === null ? null : brokerRef(description.coordinator),
    members: description.members.map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, clientId: m.clientId, host: m.clientHost, assignment: m.assignment })),
    offsets, totalLag: lag, lagByTopic: [...byTopic].map(([topic, topicLag]) => ({ topic, lag: topicLag })),
  };
}

const STRATEGIES: ReadonlyArray<ResetStrategy['type']> = ['to-earliest', 'to-latest', 'to-current', 'to-offset', 'shift-by', 'to-datetime', 'by-duration'];

/** A ResetStrategy from the body, as the client's OffsetResetSpec (kafka-consumer-groups' --to-* options). */
function resetSpec(fields: Fields): OffsetResetSpec {
  const type = fields.oneOf('type', STRATEGIES);
  let spec: OffsetResetSpec;
  switch (type) {
    case 'to-earliest': spec = 'earliest'; break;
    case 'to-latest': spec = 'latest'; break;
    case 'to-current': spec = { shiftBy: 0 }; break;
    case 'to-offset': spec = { offset: fields.int('offset', { min: 0 }) }; break;
    case 'shift-by': spec = { shiftBy: fields.int('shift') }; break;
    case 'to-datetime': {
      const text = fields.string('datetime', { maxLength: 64 });
      const timestamp = parseResetDatetime(text);
      if (timestamp === null) throw badRequest(`body.strategy.datetime must be YYYY-MM-DDTHH:mm:SS.sss with an optional zone, not '${text}'`);
      spec = { timestamp };
      break;
    }
    case 'by-duration': {
      const text = fields.string('duration', { maxLength: 64 });
      const ms = parseIsoDurationMs(text);
      if (ms === null) throw badRequest(`body.strategy.duration must be an ISO-8601 duration PnDTnHnMnS, not '${text}'`);
      spec = { timestamp: Date.now() - ms };
      break;
    }
  }
  fields.done();
  return spec;
}

export const groupRoutes = {
  async 'GET /api/groups'({ context }) {
    const listed = await context.admin.listGroups();
    const ids = listed.map((g) => g.groupId);
    const [descriptions, committed] = await Promise.all([
      Promise.all(ids.map((id) => context.admin.describeGroups([id]).then(([d]) => d!, () => null))),
      Promise.all(ids.map((id) => context.admin.listConsumerGroupOffsets(id).catch(() => null))),
    ]);
    const offsets = await offsetsOf(context.admin, committed.flatMap((c) => c ?? []));
    const groups: GroupSummary[] = listed.map((g, i) => {
      const lag = committed[i] === null ? null : totalLag(groupOffsets(null, committed[i]!, offsets));
      if (lag !== null) context.lagHistory.record(g.groupId, lag);
      return {
        groupId: g.groupId, state: descriptions[i]?.state ?? g.state, type: g.type, protocolType: g.protocolType,
        members: descriptions[i]?.members.length ?? 0, topics: [...new Set((committed[i] ?? []).map((c) => c.topic))].sort(), totalLag: lag,
      };
    });
    return { groups };
  },

  async 'GET /api/groups/:group'({ params, context }) {
    return groupDetail(context, params.group);
  },

  async 'GET /api/groups/:group/lag-history'({ params, context }) {
    context.lagHistory.watch(params.group);
    return { groupId: params.group, samples: context.lagHistory.samples(params.group) };
  },

  async 'DELETE /api/groups/:group'({ params, context }) {
    try {
      await context.admin.deleteGroups([params.group]);
    } catch (error) {
      if (error instanceof KafkaClientError && error.code === ErrorCode.NON_EMPTY_GROUP) {
        throw new ApiHttpError('CONFLICT', `consumer group '${params.group}' has active members; stop them before deleting it`, error.code);
      }
      if (error instanceof KafkaClientError && error.code === ErrorCode.GROUP_ID_NOT_FOUND) throw notFound(`consumer group '${params.group}' does not exist`);
      throw error;
    }
    context.lagHistory.forget(params.group);
    return { groupId: params.group, deleted: true as const };
  },

  async 'POST /api/groups/:group/reset-offsets'({ params, body, context }) {
    const fields = new Fields(body);
    const dryRun = fields.boolean('dryRun');
    const strategy = resetSpec(fields.object('strategy'));
    const allTopics = fields.optionalBoolean('allTopics') ?? false;
    const topics = fields.optionalArray('topics', (item, where) => {
      const t = new Fields(item, where);
      const topic = t.string('topic', { maxLength: 249 });
      const partitions = t.optionalArray('partitions', (p, at) => {
        if (typeof p !== 'number' || !Number.isSafeInteger(p) || p < 0) throw badRequest(`${at} must be a partition number`);
        return p;
      });
      t.done();
      return { topic, partitions };
    }, { maxItems: 10_000 });
    fields.done();
    if (allTopics === (topics !== undefined)) throw badRequest('give body.topics or body.allTopics: true (one of them)');
    if (!dryRun && context.readOnly) throw new ApiHttpError('READ_ONLY', 'the console runs with --read-only: only a dry run (dryRun: true) of a reset is allowed');
    const groupId = params.group;
    // As kafka-consumer-groups, for a dry run too: a plan for an active group would not hold.
    const description = await describeGroup(context.admin, groupId);
    if (!isInactive(description.state)) {
      throw new ApiHttpError('CONFLICT', `Assignments can only be reset if the group '${groupId}' is inactive, but the current state is ${description.state}.`);
    }
    const previous = await context.admin.listConsumerGroupOffsets(groupId);
    // As kafka-consumer-groups: --all-topics resets the partitions the group has committed offsets for.
    const scope = topics ?? [...new Set(previous.map((c) => c.topic))].sort()
      .map((topic) => ({ topic, partitions: previous.filter((c) => c.topic === topic).map((c) => c.partition).sort((a, b) => a - b) }));
    for (const { topic, partitions } of scope) {
      const meta = await describeTopic(context.admin, topic);
      const missing = (partitions ?? []).filter((p) => !meta.partitions.some((m) => m.partition === p));
      if (missing.length > 0) throw notFound(`topic '${topic}' has no partition ${missing.join(', ')}`);
    }
    const planned: TopicPartitionOffset[] = [];
    for (const { topic, partitions } of scope) {
      planned.push(...await context.admin.resetConsumerGroupOffsets(groupId, topic, strategy, { dryRun, ...(partitions ? { partitions } : {}) }));
    }
    const before = new Map(previous.map((c) => [`${c.topic}\0${c.partition}`, c.offset]));
    return {
      groupId, dryRun,
      offsets: planned.map((p) => {
        const old = before.get(`${p.topic}\0${p.partition}`);
        return { topic: p.topic, partition: p.partition, previousOffset: old === undefined || old < 0 ? null : old, newOffset: p.offset };
      }),
    };
  },
} satisfies Partial<RouteHandlers>;
