import type { BrokerNode } from '../../client/index.ts';
import type { BrokerSummary, LogDirView } from '../api-types.ts';
import { allTopicsMetadata, ReplicaSizes } from './cluster-state.ts';
import type { ConsoleContext } from './context.ts';
import { badRequest, notFound } from './http-errors.ts';
import type { RouteHandlers } from './router.ts';
import { brokerRef, configView } from './views.ts';
import { errorName } from '../../protocol/errors.ts';

async function brokerSummaries(context: ConsoleContext, brokerIds?: number[]): Promise<{ summaries: BrokerSummary[]; nodes: BrokerNode[]; sizes: ReplicaSizes | null }> {
  const [cluster, metadata] = await Promise.all([context.admin.describeCluster(), allTopicsMetadata(context.admin)]);
  const nodes = cluster.brokers.filter((b) => brokerIds === undefined || brokerIds.includes(b.nodeId)).sort((a, b) => a.nodeId - b.nodeId);
  const sizes = nodes.length === 0 ? null : await ReplicaSizes.describe(context.admin, { brokerIds: nodes.map((n) => n.nodeId) });
  const summaries = nodes.map((node) => {
    let leaderCount = 0;
    let replicaCount = 0;
    for (const topic of metadata.topics.values()) {
      for (const p of topic.partitions) {
        if (p.leaderId === node.nodeId) leaderCount++;
        if (p.replicas.includes(node.nodeId)) replicaCount++;
      }
    }
    const dirs = sizes?.logDirs.filter((d) => d.brokerId === node.nodeId);
    return {
      ...brokerRef(node), isController: node.nodeId === cluster.controllerId, leaderCount, replicaCount,
      sizeBytes: dirs === undefined ? null : dirs.reduce((sum, d) => sum + d.partitions.reduce((s, p) => s + p.size, 0), 0),
    };
  });
  return { summaries, nodes, sizes };
}

export const brokerRoutes = {
  async 'GET /api/brokers'({ context }) {
    return { brokers: (await brokerSummaries(context)).summaries };
  },

  async 'GET /api/brokers/:brokerId'({ params, context }) {
    if (!/^\d+$/.test(params.brokerId)) throw badRequest(`a broker id is a number, not '${params.brokerId}'`);
    const id = Number(params.brokerId);
    const { summaries, sizes } = await brokerSummaries(context, [id]);
    const summary = summaries[0];
    if (summary === undefined) throw notFound(`broker ${id} is not in the cluster`);
    const [described] = await context.admin.describeConfigs([{ type: 'broker', name: String(id) }], { includeSynonyms: true, includeDocumentation: true });
    const logDirs: LogDirView[] = (sizes?.logDirs ?? []).filter((d) => d.brokerId === id).map((d) => ({
      path: d.logDir, error: d.errorCode === 0 ? null : errorName(d.errorCode), totalBytes: d.totalBytes, usableBytes: d.usableBytes,
      sizeBytes: d.partitions.reduce((sum, p) => sum + p.size, 0),
      partitions: d.partitions.map((p) => ({ topic: p.topic, partition: p.partition, sizeBytes: p.size, offsetLag: p.offsetLag, isFuture: p.isFuture }))
        .sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition),
    }));
    return { ...summary, configs: described!.configs.map(configView).sort((a, b) => a.name.localeCompare(b.name)), logDirs };
  },
} satisfies Partial<RouteHandlers>;
