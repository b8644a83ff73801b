import { offsetForLeaderEpochRequest, offsetForLeaderEpochResponse } from '../../protocol/generated/offset-for-leader-epoch.ts';
import type { OffsetForLeaderEpochResponseEpochEndOffset } from '../../protocol/generated/offset-for-leader-epoch.ts';
import { ErrorCode } from '../../protocol/errors.ts';
import { defineHandler } from './handler.ts';
import { errorAnswer } from './error-code.ts';
import { checkLeaderEpoch } from './fetch.ts';
import { authorizeCluster, TopicAuthorization } from '../security/request-authorization.ts';

/**
 * OffsetForLeaderEpoch (KIP-101, KIP-279, KIP-320): for each partition, the largest leader epoch
 * <= the one asked for and the offset where it ended in the leader's log (the log end for the
 * current epoch), from the leader epoch cache. A follower coming back truncates its log there; a
 * consumer whose fetch position carries an epoch checks that the log it read was not truncated.
 * An epoch the cache cannot place answers leaderEpoch -1 and endOffset -1 without an error, as
 * Kafka does.
 *
 * currentLeaderEpoch (v2+) is checked as Fetch and ListOffsets check it (Kafka's
 * getLocalLog(currentLeaderEpoch, requireLeader)): -1 means none. replicaId (v3+) is -1 from a
 * consumer and the broker id from a follower; both get the leader's answer. Authorization as Kafka:
 * CLUSTER_ACTION on the cluster, or else DESCRIBE on the topic (TOPIC_AUTHORIZATION_FAILED).
 */
export const offsetForLeaderEpochHandler = defineHandler({
  request: offsetForLeaderEpochRequest,
  response: offsetForLeaderEpochResponse,
  // Kafka 3.x (ZooKeeper mode) serves 0-4; librdkafka sends v2, Java consumers v3+, followers v4.
  minVersion: 0,
  maxVersion: 4,
  requestFreedOnAnswer: true,
  handle(request, context) {
    // KIP-320 opened the API to consumers, who may use it on topics they may describe.
    const names = request.topics.map((topic) => topic.topic);
    const describable = authorizeCluster(context, 'CLUSTER_ACTION', false) ? TopicAuthorization.all() : TopicAuthorization.of(context, 'DESCRIBE', names);
    const topics = request.topics.map((topic) => ({
      topic: topic.topic,
      partitions: topic.partitions.map((requested): OffsetForLeaderEpochResponseEpochEndOffset => {
        try {
          describable.check(topic.topic);
          const partition = context.broker.replicaManager.leaderPartition(topic.topic, requested.partition);
          const currentLeaderEpoch = requested.currentLeaderEpoch ?? -1;
          checkLeaderEpoch(currentLeaderEpoch === -1 ? undefined : currentLeaderEpoch, partition);
          const { epoch, endOffset } = partition.lastOffsetForLeaderEpoch(requested.leaderEpoch);
          return { errorCode: ErrorCode.NONE, partition: requested.partition, leaderEpoch: epoch, endOffset: BigInt(endOffset) };
        } catch (error) {
          return { errorCode: errorAnswer(error, context).errorCode, partition: requested.partition, leaderEpoch: -1, endOffset: -1n };
        }
      }),
    }));
    return { throttleTimeMs: 0, topics };
  },
});
