import { describeLogDirsRequest, describeLogDirsResponse } from '../../protocol/generated/describe-log-dirs.ts';
import type { DescribeLogDirsResponseDescribeLogDirsTopic } from '../../protocol/generated/describe-log-dirs.ts';
import { ErrorCode } from '../../protocol/errors.ts';
import { authorizeCluster } from '../security/request-authorization.ts';
import { defineHandler } from './handler.ts';

/**
 * DescribeLogDirs: each log dir with its total and usable bytes (v4+) and the size of every
 * partition in it, or only of the partitions asked for; an offline dir answers KAFKA_STORAGE_ERROR.
 * As Kafka, DESCRIBE on the cluster (else CLUSTER_AUTHORIZATION_FAILED and no dirs).
 */
export const describeLogDirsHandler = defineHandler({
  request: describeLogDirsRequest,
  response: describeLogDirsResponse,
  minVersion: 0,
  maxVersion: 4,
  handle(request, context) {
    if (!authorizeCluster(context, 'DESCRIBE')) return { throttleTimeMs: 0, errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, results: [] };
    const wanted = request.topics === null ? null : new Map(request.topics.map((topic) => [topic.topic, new Set(topic.partitions)]));
    const results = context.broker.replicaManager.logDirsInfo().map((dir) => {
      const byTopic = new Map<string, DescribeLogDirsResponseDescribeLogDirsTopic>();
      for (const { topic, partition, sizeInBytes, offsetLag, isFutureKey } of dir.partitions) {
        if (wanted !== null && !wanted.get(topic)?.has(partition)) continue;
        let entry = byTopic.get(topic);
        if (entry === undefined) byTopic.set(topic, (entry = { name: topic, partitions: [] }));
        entry.partitions.push({ partitionIndex: partition, partitionSize: BigInt(sizeInBytes), offsetLag: BigInt(offsetLag), isFutureKey });
      }
      return {
        errorCode: dir.errorCode,
        logDir: dir.logDir,
        topics: [...byTopic.values()],
        totalBytes: BigInt(dir.totalBytes),
        usableBytes: BigInt(dir.usableBytes),
      };
    });
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, results };
  },
});
