import { ErrorCode, KafkaError } from '../../../protocol/errors.ts';
import type { ClusterView } from '../../cluster/cluster-view.ts';
import type { MetadataStore } from '../../cluster/metadata-store.ts';
import type { NewTopic, TopicAdmin } from '../../cluster/topic-admin.ts';
import type { TopicsView } from './coordinator-runtime.ts';

/**
 * A coordinator's internal topic (__consumer_offsets, __transaction_state), created on its first
 * lookup. Concurrent callers share one creation: the metadata names the topic before the replica
 * manager hosts its partitions, so a caller that came during the creation must wait for it, or its
 * load finds no partition and fails. A creation that fails is forgotten, so the next lookup tries again.
 */
export class InternalTopicCreation {
  private creating: Promise<void> | undefined;
  private readonly exists: () => boolean;
  private readonly create: () => Promise<void>;
  /** The topic exists already: what the coordinator does then (a single node loads every partition). */
  private readonly onExisting: () => void;

  constructor(options: { exists: () => boolean; create: () => Promise<void>; onExisting: () => void }) {
    this.exists = options.exists;
    this.create = options.create;
    this.onExisting = options.onExisting;
  }

  /** Whether the topic is being created right now (FindCoordinator answers COORDINATOR_NOT_AVAILABLE meanwhile). */
  get inProgress(): boolean {
    return this.creating !== undefined;
  }

  /** Creates the topic unless it exists; rejects when the creation fails. */
  async ensure(): Promise<void> {
    if (this.creating !== undefined) {
      await this.creating;
      return;
    }
    if (this.exists()) {
      this.onExisting();
      return;
    }
    this.creating ??= this.create().finally(() => {
      this.creating = undefined;
    });
    await this.creating;
  }
}

/**
 * The replication factor an internal topic is created with (Kafka's): on a single node the
 * configured factor capped to the one broker; in a cluster the configured factor, refused with
 * COORDINATOR_NOT_AVAILABLE (clients retry) while fewer brokers are alive, as capping it there would
 * leave the topic less replicated for good. `what` names it in Kafka's message.
 */
export function internalTopicReplicationFactor(
  configured: number, cluster: ClusterView | undefined, what: { readonly description: string; readonly config: string },
): number {
  if (cluster === undefined) return Math.min(configured, 1);
  const alive = cluster.aliveBrokerIds().length;
  if (alive < configured) {
    throw new KafkaError(ErrorCode.COORDINATOR_NOT_AVAILABLE,
      `Number of alive brokers '${alive}' does not meet the required replication factor '${configured}' for the ${what.description} (configured via '${what.config}').`);
  }
  return configured;
}

/** Creates an internal topic; false when another broker of the cluster created it first (its leaders load it, as they would ours). */
export async function createInternalTopic(topicAdmin: TopicAdmin, topic: NewTopic): Promise<boolean> {
  try {
    await topicAdmin.createTopic(topic);
    return true;
  } catch (error) {
    if (error instanceof KafkaError && error.code === ErrorCode.TOPIC_ALREADY_EXISTS) return false;
    throw error;
  }
}

/** What the coordinators' shards see of the cluster's topics, from the metadata store. */
export function topicsView(metadata: MetadataStore): TopicsView {
  return {
    partitionCount: (topic) => metadata.topic(topic)?.partitionCount,
    topicId: (topic) => metadata.topic(topic)?.topicId,
    topicName: (topicId) => metadata.topicById(topicId)?.name,
    topicNames: () => metadata.topics().map((topic) => topic.name),
  };
}
