import { ErrorCode } from '../protocol/errors.ts';
import type { ConsumerGroupDescribeResponseDescribedGroup } from '../protocol/generated/consumer-group-describe.ts';
import { Apis } from './apis.ts';
import type { BrokerNode, Cluster } from './cluster.ts';
import { decodeAssignment, decodeSubscription } from './consumer-protocol.ts';
import { retryCall } from './retry-call.ts';
import { throwIfError } from './errors.ts';
import { commitOffsets, fetchCommittedOffsets, findCoordinator, type TopicPartitionOffset } from './group-requests.ts';
import { EARLIEST_TIMESTAMP, LATEST_TIMESTAMP, listOffsets } from './list-offsets.ts';

export interface GroupListing { readonly groupId: string; readonly protocolType: string; readonly state: string; readonly type: string }

export interface GroupMemberDescription {
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  readonly clientId: string;
  readonly clientHost: string;
  /** The member's client.rack: from its subscription (classic) or its heartbeat (consumer); null when unset. */
  readonly rackId: string | null;
  /** Decoded when the group's protocol type is "consumer". */
  readonly subscribedTopics: string[];
  readonly assignment: Array<{ topic: string; partition: number }>;
}

export interface GroupDescription {
  readonly groupId: string;
  /** 'consumer' for a KIP-848 group (described by ConsumerGroupDescribe), else 'classic'. */
  readonly type: 'classic' | 'consumer';
  readonly state: string;
  readonly protocolType: string;
  /** The classic group's assignor, or the consumer group's server-side assignor. */
  readonly protocol: string;
  readonly members: GroupMemberDescription[];
  /** The broker FindCoordinator named for the group (null if the metadata does not list it). */
  readonly coordinator: BrokerNode | null;
}

/** Where --reset-offsets moves a topic's partitions; `offsets` gives each partition its own (a reset plan). */
export type OffsetResetSpec = 'earliest' | 'latest' | { timestamp: number } | { offset: number } | { shiftBy: number } | { offsets: ReadonlyMap<number, number> };

/**
 * The group half of the Admin client. Every call checks ApiVersions first, so against a broker
 * without group APIs it fails with a typed, non-retriable UNSUPPORTED_VERSION naming the API.
 */
export class GroupAdmin {
  readonly cluster: Cluster;

  constructor(cluster: Cluster) {
    this.cluster = cluster;
  }

  async listGroups({ states, types }: { states?: string[]; types?: string[] } = {}): Promise<GroupListing[]> {
    // Every broker the metadata lists is asked; one that died meanwhile is dropped by a refresh.
    const all = await retryCall(this.cluster, async () => Promise.all([...(await this.cluster.refreshMetadata()).brokers.keys()].map(async (nodeId) => {
      const connection = await this.cluster.connection(nodeId, 'admin');
      const version = connection.versionFor(Apis.ListGroups);
      const response = await connection.send(Apis.ListGroups, {
        ...(version >= 4 ? { statesFilter: states ?? [] } : {}), ...(version >= 5 ? { typesFilter: types ?? [] } : {}),
      });
      throwIfError(response.errorCode, `ListGroups on broker ${nodeId}`);
      return response.groups.map((g) => ({ groupId: g.groupId, protocolType: g.protocolType, state: g.groupState ?? '', type: g.groupType ?? 'classic' }));
    })));
    // A broker older than the filters (v4 states, v5 types) answers unfiltered: filter here too.
    const wanted = (filter: string[] | undefined, value: string) => filter === undefined || filter.length === 0 || filter.some((f) => f.toLowerCase() === value.toLowerCase());
    return all.flat().filter((g) => wanted(states, g.state) && wanted(types, g.type)).sort((a, b) => a.groupId.localeCompare(b.groupId));
  }

  /**
   * Like Java's describeConsumerGroups: ConsumerGroupDescribe first where the coordinator serves it,
   * DescribeGroups for a group it does not know as a consumer group (classic, or none at all).
   */
  async describeGroups(groupIds: readonly string[]): Promise<GroupDescription[]> {
    return Promise.all(groupIds.map((groupId) => retryCall(this.cluster, () => this.#describeGroup(groupId))));
  }

  async #describeGroup(groupId: string): Promise<GroupDescription> {
    const coordinator = await findCoordinator(this.cluster, groupId);
    const coordinatorNode = this.cluster.metadata.brokers.get(coordinator) ?? null;
    const connection = await this.cluster.connection(coordinator, 'admin');
    if (connection.supports(Apis.ConsumerGroupDescribe)) {
      const described = (await connection.send(Apis.ConsumerGroupDescribe, { groupIds: [groupId], includeAuthorizedOperations: false })).groups[0]!;
      if (described.errorCode !== ErrorCode.GROUP_ID_NOT_FOUND) {
        throwIfError(described.errorCode, `ConsumerGroupDescribe ${groupId}`, described.errorMessage);
        return { ...consumerGroupDescription(described), coordinator: coordinatorNode };
      }
    }
    const response = await this.cluster.send(coordinator, 'admin', Apis.DescribeGroups, { groups: [groupId] });
    const g = response.groups[0]!;
    throwIfError(g.errorCode, `DescribeGroups ${groupId}`);
    const consumer = g.protocolType === 'consumer';
    return {
      groupId: g.groupId, type: 'classic' as const, state: g.groupState, protocolType: g.protocolType, protocol: g.protocolData, coordinator: coordinatorNode,
      members: g.members.map((m) => {
        const subscription = consumer && m.memberMetadata.length > 0 ? safe(() => decodeSubscription(m.memberMetadata)) : null;
        const assignment = consumer && m.memberAssignment.length > 0 ? safe(() => decodeAssignment(m.memberAssignment)) : null;
        return {
          memberId: m.memberId, groupInstanceId: m.groupInstanceId ?? null, clientId: m.clientId, clientHost: m.clientHost,
          rackId: subscription?.rackId ?? null, subscribedTopics: subscription?.topics ?? [],
          assignment: (assignment?.assignedPartitions ?? []).flatMap((tp) => tp.partitions.map((partition) => ({ topic: tp.topic, partition }))),
        };
      }),
    };
  }

  async deleteGroups(groupIds: readonly string[]): Promise<void> {
    for (const groupId of groupIds) {
      await retryCall(this.cluster, async () => {
        const coordinator = await findCoordinator(this.cluster, groupId);
        const response = await this.cluster.send(coordinator, 'admin', Apis.DeleteGroups, { groupsNames: [groupId] });
        for (const r of response.results) throwIfError(r.errorCode, `DeleteGroups ${r.groupId}`);
      });
    }
  }

  /** Committed offsets (all the group has when `partitions` is omitted). */
  async listConsumerGroupOffsets(groupId: string, partitions?: ReadonlyArray<{ topic: string; partition: number }>): Promise<TopicPartitionOffset[]> {
    return retryCall(this.cluster, async () => fetchCommittedOffsets(this.cluster, await findCoordinator(this.cluster, groupId), groupId, partitions ?? null));
  }

  /** Commits offsets for a group that has no active members (the coordinator refuses otherwise). */
  async alterConsumerGroupOffsets(groupId: string, offsets: readonly TopicPartitionOffset[]): Promise<void> {
    await retryCall(this.cluster, async () => commitOffsets(this.cluster, await findCoordinator(this.cluster, groupId), groupId, offsets, null));
  }

  /**
   * kafka-consumer-groups --reset-offsets for one topic (all its partitions, or `partitions`):
   * computes the new offsets and, unless dryRun, commits them. Returns them either way.
   */
  async resetConsumerGroupOffsets(groupId: string, topic: string, to: OffsetResetSpec, { partitions, dryRun = false }: { partitions?: number[]; dryRun?: boolean } = {}): Promise<TopicPartitionOffset[]> {
    const meta = await this.cluster.topic(topic);
    const list = partitions ?? (typeof to === 'object' && 'offsets' in to ? [...to.offsets.keys()] : meta.partitions.map((p) => p.partition));
    const [earliest, latest] = await Promise.all([EARLIEST_TIMESTAMP, LATEST_TIMESTAMP].map((timestamp) =>
      listOffsets(this.cluster, list.map((partition) => ({ topic, partition, timestamp })))));
    let target: number[];
    if (to === 'earliest') target = earliest!.map((o) => o.offset);
    else if (to === 'latest') target = latest!.map((o) => o.offset);
    else if ('timestamp' in to) {
      const found = await listOffsets(this.cluster, list.map((partition) => ({ topic, partition, timestamp: to.timestamp })));
      target = found.map((o, i) => (o.offset < 0 ? latest![i]!.offset : o.offset));
    } else if ('offsets' in to) target = list.map((partition) => to.offsets.get(partition) ?? -1);
    else if ('offset' in to) target = list.map(() => to.offset);
    else {
      const committed = await this.listConsumerGroupOffsets(groupId, list.map((partition) => ({ topic, partition })));
      target = list.map((partition, i) => {
        const current = committed.find((c) => c.partition === partition)?.offset ?? -1;
        return (current < 0 ? latest![i]!.offset : current) + to.shiftBy;
      });
    }
    // Like the Java tool: clamp into [logStartOffset, highWatermark].
    const offsets = list.map((partition, i) => ({ topic, partition, offset: Math.min(Math.max(target[i]!, earliest![i]!.offset), latest![i]!.offset) }));
    if (!dryRun) await this.alterConsumerGroupOffsets(groupId, offsets);
    return offsets;
  }

  async deleteConsumerGroupOffsets(groupId: string, partitions: ReadonlyArray<{ topic: string; partition: number }>): Promise<void> {
    const topics = new Map<string, number[]>();
    for (const p of partitions) topics.set(p.topic, [...(topics.get(p.topic) ?? []), p.partition]);
    await retryCall(this.cluster, async () => {
      const response = await this.cluster.send(await findCoordinator(this.cluster, groupId), 'admin', Apis.OffsetDelete, {
        groupId, topics: [...topics].map(([name, list]) => ({ name, partitions: list.map((partitionIndex) => ({ partitionIndex })) })),
      });
      throwIfError(response.errorCode, `OffsetDelete for group ${groupId}`);
      for (const t of response.topics) for (const p of t.partitions) throwIfError(p.errorCode, `OffsetDelete for group ${groupId}, ${t.name}-${p.partitionIndex}`);
    });
  }
}

function safe<T>(decode: () => T): T | null {
  try {
    return decode();
  } catch {
    return null;
  }
}

function consumerGroupDescription(g: ConsumerGroupDescribeResponseDescribedGroup): Omit<GroupDescription, 'coordinator'> {
  const partitions = (assignment: ConsumerGroupDescribeResponseDescribedGroup['members'][number]['assignment']): Array<{ topic: string; partition: number }> =>
    assignment.topicPartitions.flatMap((t) => t.partitions.map((partition) => ({ topic: t.topicName, partition })));
  return {
    groupId: g.groupId, type: 'consumer', state: g.groupState, protocolType: 'consumer', protocol: g.assignorName,
    members: g.members.map((m) => ({
      memberId: m.memberId, groupInstanceId: m.instanceId, clientId: m.clientId, clientHost: m.clientHost, rackId: m.rackId,
      subscribedTopics: [...m.subscribedTopicNames], assignment: partitions(m.assignment),
    })),
  };
}
