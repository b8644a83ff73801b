import type { Admin, AlterOperation, ClusterMetadata, TopicMetadata } from '../../client/index.ts';
import { KafkaClientError, keyOf } from '../../client/index.ts';
import { ErrorCode } from '../../protocol/errors.ts';
import type { ConfigEntryView, ConfigOp, PartitionDetail, TopicDetail, TopicSummary } from '../api-types.ts';
import { allTopicsMetadata, partitionOffsets, ReplicaSizes, type PartitionOffsets } from './cluster-state.ts';
import { badRequest, notFound } from './http-errors.ts';
import { Answer, type RouteHandlers } from './router.ts';
import { Fields } from './validate.ts';
import { configView, isOffline, isUnderReplicated, offlineReplicas } from './views.ts';

/** A topic's metadata, or 404 naming it. */
export async function describeTopic(admin: Admin, topic: string): Promise<TopicMetadata> {
  try {
    return (await admin.describeTopics([topic]))[0]!;
  } catch (error) {
    if (error instanceof KafkaClientError && error.code === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION) throw notFound(`topic '${topic}' does not exist`);
    throw error;
  }
}

function partitionDetails(topic: TopicMetadata, metadata: ClusterMetadata, offsets: ReadonlyMap<string, PartitionOffsets>, sizes: ReplicaSizes | null): PartitionDetail[] {
  return topic.partitions.map((p) => {
    const o = offsets.get(keyOf({ topic: topic.name, partition: p.partition }));
    const startOffset = o?.startOffset ?? -1;
    const endOffset = o?.endOffset ?? -1;
    return {
      partition: p.partition, leader: p.leaderId, leaderEpoch: p.leaderEpoch, replicas: p.replicas, isr: p.isr,
      offlineReplicas: offlineReplicas(p, metadata), underReplicated: isUnderReplicated(p), startOffset, endOffset,
      messageCount: o === undefined ? 0 : Math.max(0, endOffset - startOffset),
      sizeBytes: sizes === null || p.leaderId < 0 ? null : sizes.of(p.leaderId, topic.name, p.partition),
    };
  });
}

function summary(topic: TopicMetadata, partitions: readonly PartitionDetail[], sizes: ReplicaSizes | null): TopicSummary {
  const known = partitions.map((p) => p.sizeBytes).filter((s): s is number => s !== null);
  return {
    name: topic.name, topicId: topic.topicId, internal: topic.isInternal, partitions: topic.partitions.length,
    replicationFactor: topic.partitions[0]?.replicas.length ?? 0,
    underReplicatedPartitions: topic.partitions.filter(isUnderReplicated).length,
    offlinePartitions: topic.partitions.filter(isOffline).length,
    messageCount: partitions.reduce((sum, p) => sum + p.messageCount, 0),
    sizeBytes: sizes === null ? null : known.reduce((sum, s) => sum + s, 0),
  };
}

async function topicConfigs(admin: Admin, topic: string): Promise<ConfigEntryView[]> {
  const [described] = await admin.describeConfigs([{ type: 'topic', name: topic }], { includeSynonyms: true, includeDocumentation: true });
  return described!.configs.map(configView).sort((a, b) => a.name.localeCompare(b.name));
}

export async function topicDetail(admin: Admin, name: string): Promise<TopicDetail> {
  const topic = await describeTopic(admin, name);
  const metadata = admin.cluster.metadata;
  const [offsets, sizes, configs] = await Promise.all([
    partitionOffsets(admin, [topic]),
    ReplicaSizes.describe(admin, { topics: [{ topic: name, partitions: topic.partitions.map((p) => p.partition) }] }),
    topicConfigs(admin, name),
  ]);
  const partitions = partitionDetails(topic, metadata, offsets, sizes);
  return { ...summary(topic, partitions, sizes), partitionDetails: partitions, configs };
}

const CONFIG_OPS: readonly AlterOperation[] = ['set', 'delete', 'append', 'subtract'];

export function configOps(body: unknown): { ops: ConfigOp[]; validateOnly: boolean } {
  const fields = new Fields(body);
  const ops = fields.array('ops', (item, where) => {
    const op = new Fields(item, where);
    const name = op.string('name', { maxLength: 1_000 });
    const kind = op.oneOf('op', CONFIG_OPS);
    const value = op.optionalString('value');
    if (kind !== 'delete' && value === undefined) throw badRequest(`${where}.value is required for op '${kind}'`);
    op.done();
    return { name, op: kind, ...(value === undefined ? {} : { value }) };
  }, { maxItems: 1_000 });
  if (ops.length === 0) throw badRequest('body.ops must name at least one change');
  const validateOnly = fields.optionalBoolean('validateOnly') ?? false;
  fields.done();
  return { ops, validateOnly };
}

export const topicRoutes = {
  async 'GET /api/topics'({ query, context }) {
    const search = query.string('search')?.toLowerCase() ?? '';
    const includeInternal = query.boolean('includeInternal') ?? true;
    const metadata = await allTopicsMetadata(context.admin);
    const topics = [...metadata.topics.values()]
      .filter((t) => (includeInternal || !t.isInternal) && t.name.toLowerCase().includes(search))
      .sort((a, b) => a.name.localeCompare(b.name));
    const [offsets, sizes] = await Promise.all([partitionOffsets(context.admin, topics), ReplicaSizes.describe(context.admin)]);
    return { topics: topics.map((t) => summary(t, partitionDetails(t, metadata, offsets, sizes), sizes)) };
  },

  async 'POST /api/topics'({ body, context }) {
    const fields = new Fields(body);
    const name = fields.string('name', { maxLength: 249 });
    const partitions = fields.optionalInt('partitions', { min: 1, max: 100_000 });
    const replicationFactor = fields.optionalInt('replicationFactor', { min: 1, max: 32_767 });
    const configs = fields.optionalStringRecord('configs');
    fields.done();
    await context.admin.createTopics([{
      topic: name, ...(partitions === undefined ? {} : { numPartitions: partitions }),
      ...(replicationFactor === undefined ? {} : { replicationFactor }), ...(configs === undefined ? {} : { configs }),
    }]);
    return new Answer(201, await topicDetail(context.admin, name));
  },

  async 'GET /api/topics/:topic'({ params, context }) {
    return topicDetail(context.admin, params.topic);
  },

  async 'DELETE /api/topics/:topic'({ params, context }) {
    await describeTopic(context.admin, params.topic);
    await context.admin.deleteTopics([params.topic]);
    return { topic: params.topic, deleted: true as const };
  },

  async 'POST /api/topics/:topic/partitions'({ params, body, context }) {
    const fields = new Fields(body);
    const count = fields.int('count', { min: 1, max: 100_000 });
    fields.done();
    const topic = await describeTopic(context.admin, params.topic);
    if (count <= topic.partitions.length) {
      throw badRequest(`topic '${params.topic}' has ${topic.partitions.length} partitions; count must be larger (partitions can only be added)`);
    }
    await context.admin.createPartitions([{ topic: params.topic, count }]);
    return topicDetail(context.admin, params.topic);
  },

  async 'GET /api/topics/:topic/configs'({ params, context }) {
    await describeTopic(context.admin, params.topic);
    return { configs: await topicConfigs(context.admin, params.topic) };
  },

  async 'PATCH /api/topics/:topic/configs'({ params, body, context }) {
    const { ops, validateOnly } = configOps(body);
    await describeTopic(context.admin, params.topic);
    await context.admin.incrementalAlterConfigs([{ type: 'topic', name: params.topic, ops }], { validateOnly });
    return { configs: await topicConfigs(context.admin, params.topic) };
  },
} satisfies Partial<RouteHandlers>;
