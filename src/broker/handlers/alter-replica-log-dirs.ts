import path from 'node:path';
import { alterReplicaLogDirsRequest, alterReplicaLogDirsResponse } from '../../protocol/generated/alter-replica-log-dirs.ts';
import type { AlterReplicaLogDirsResponseAlterReplicaLogDirTopicResult } from '../../protocol/generated/alter-replica-log-dirs.ts';
import { errorAnswer } from './error-code.ts';
import { ErrorCode } from '../../protocol/errors.ts';
import { authorizeCluster } from '../security/request-authorization.ts';
import { defineHandler } from './handler.ts';

/**
 * AlterReplicaLogDirs (KIP-113): moves replicas this broker hosts to another of its log dirs while
 * they serve (ReplicaAlterLogDirsManager). Per partition: LOG_DIR_NOT_FOUND for a dir that is not
 * in log.dirs (compared as absolute paths, as Kafka), KAFKA_STORAGE_ERROR for an offline one,
 * REPLICA_NOT_AVAILABLE for a partition not hosted here (its log will be created in that dir), NONE
 * once the move is under way or when the replica is there already. DescribeLogDirs shows the move.
 */
export const alterReplicaLogDirsHandler = defineHandler({
  request: alterReplicaLogDirsRequest,
  response: alterReplicaLogDirsResponse,
  minVersion: 0,
  maxVersion: 2,
  requestFreedOnAnswer: true,
  async handle(request, context) {
    // As Kafka: ALTER on the cluster, else every partition is refused and nothing moves.
    const allowed = authorizeCluster(context, 'ALTER');
    const byTopic = new Map<string, AlterReplicaLogDirsResponseAlterReplicaLogDirTopicResult>();
    for (const dir of request.dirs) {
      const logDir = path.resolve(dir.path);
      for (const topic of dir.topics) {
        let result = byTopic.get(topic.name);
        if (result === undefined) byTopic.set(topic.name, (result = { topicName: topic.name, partitions: [] }));
        for (const partitionIndex of topic.partitions) {
          let errorCode: number;
          try {
            errorCode = allowed ? await context.broker.replicaManager.alterReplicaLogDir(topic.name, partitionIndex, logDir) : ErrorCode.CLUSTER_AUTHORIZATION_FAILED;
          } catch (error) {
            errorCode = errorAnswer(error, context).errorCode;
          }
          result.partitions.push({ partitionIndex, errorCode });
        }
      }
    }
    return { throttleTimeMs: 0, results: [...byTopic.values()] };
  },
});
