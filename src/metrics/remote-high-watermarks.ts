import type { ClientApi } from '../client/apis.ts';
import { Apis } from '../client/apis.ts';
import type { BrokerContext } from '../broker/broker-context.ts';
import { ErrorCode } from '../protocol/errors.ts';
import type { ListOffsetsRequest, ListOffsetsResponse } from '../protocol/generated/list-offsets.ts';

/** Sends a request to a broker of the cluster (the broker's InterBrokerSender). */
export type SendToBroker = <Req, Res>(brokerId: number, api: ClientApi<Req, Res>, body: Req) => Promise<Res>;

/** `topic\0partition`: the key of RemoteHighWatermarks. */
export const partitionKey = (topic: string, partition: number): string => `${topic}\0${partition}`;
export type RemoteHighWatermarks = ReadonlyMap<string, number>;

/** ListOffsets' latest offset for a consumer (READ_UNCOMMITTED): the high watermark. */
const LATEST = -1n;
/** How long a scrape waits for a leader's answer; its partitions are left out after that. */
const LEADER_ANSWER_MS = 3000;

/**
 * The high watermarks, asked of their leaders (ListOffsets, one request per leader), of the
 * partitions in `wanted` that this broker does not host: the consumer lag a group's coordinator
 * reports needs them for partitions whose log is elsewhere, as kafka_exporter asks the leaders. A
 * leader that does not answer leaves its partitions out of this scrape.
 */
export async function remoteHighWatermarks(context: BrokerContext, wanted: Iterable<{ topic: string; partition: number }>, send: SendToBroker): Promise<RemoteHighWatermarks> {
  const byLeader = new Map<number, Map<string, number[]>>();
  const seen = new Set<string>();
  for (const { topic, partition } of wanted) {
    const key = partitionKey(topic, partition);
    if (seen.has(key) || context.replicaManager.partition(topic, partition) !== undefined) continue;
    seen.add(key);
    const leader = context.cluster.partitionLeadership(topic, partition)?.leader;
    if (leader === undefined || leader < 0) continue;
    const topics = byLeader.get(leader) ?? new Map<string, number[]>();
    topics.set(topic, [...(topics.get(topic) ?? []), partition]);
    byLeader.set(leader, topics);
  }
  const found = new Map<string, number>();
  await Promise.all([...byLeader].map(async ([leader, topics]) => {
    const request: ListOffsetsRequest = {
      replicaId: -1, isolationLevel: 0, timeoutMs: LEADER_ANSWER_MS,
      topics: [...topics].map(([name, partitions]) => ({ name, partitions: partitions.map((partitionIndex) => ({ partitionIndex, currentLeaderEpoch: -1, timestamp: LATEST })) })),
    };
    let response: ListOffsetsResponse;
    let timer: NodeJS.Timeout | undefined;
    try {
      // A leader cut off must not hold the scrape past Prometheus' scrape timeout (10 s by default).
      const late = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error('no answer in time')), LEADER_ANSWER_MS); });
      response = await Promise.race([send(leader, Apis.ListOffsets, request), late]);
    } catch {
      return;
    } finally {
      clearTimeout(timer);
    }
    for (const topic of response.topics) {
      for (const answer of topic.partitions) {
        if (answer.errorCode === ErrorCode.NONE && answer.offset !== undefined && answer.offset >= 0n) found.set(partitionKey(topic.name, answer.partitionIndex), Number(answer.offset));
      }
    }
  }));
  return found;
}
