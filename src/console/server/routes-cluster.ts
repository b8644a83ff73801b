import { allTopicsMetadata } from './cluster-state.ts';
import type { RouteHandlers } from './router.ts';
import { brokerRef, isOffline, isUnderReplicated } from './views.ts';

export const clusterRoutes = {
  async 'GET /api/info'({ context }) {
    return context.info;
  },

  async 'GET /api/cluster'({ context }) {
    const [cluster, metadata] = await Promise.all([context.admin.describeCluster(), allTopicsMetadata(context.admin)]);
    const topics = [...metadata.topics.values()];
    const partitions = topics.flatMap((t) => t.partitions);
    return {
      clusterId: cluster.clusterId, controllerId: cluster.controllerId,
      brokers: cluster.brokers.map((b) => ({ ...brokerRef(b), isController: b.nodeId === cluster.controllerId })).sort((a, b) => a.id - b.id),
      topicCount: topics.length, internalTopicCount: topics.filter((t) => t.isInternal).length,
      partitionCount: partitions.length, replicaCount: partitions.reduce((sum, p) => sum + p.replicas.length, 0),
      underReplicatedPartitions: partitions.filter(isUnderReplicated).length, offlinePartitions: partitions.filter(isOffline).length,
      rates: context.metrics?.latest() ?? null, readOnly: context.readOnly,
    };
  },

  async 'GET /api/metrics/rates'({ context }) {
    return context.metrics?.history() ?? { metrics: false, intervalMs: 0, samples: [], errors: [] };
  },
} satisfies Partial<RouteHandlers>;
