/**
 * Offset commit load on the group coordinator: several raw connections, each keeping `window`
 * OffsetCommit v8 requests in flight, as simple-consumer commits (generation -1, empty member id,
 * which the coordinator accepts for an Empty group). Every request commits `partitionsPerRequest`
 * partitions of one topic, each with a fresh, increasing offset, so every commit is a new
 * __consumer_offsets record.
 */
import { offsetCommitRequest, offsetCommitResponse, type OffsetCommitRequest } from '../src/protocol/generated/offset-commit.ts';
import { api, KafkaApiClient, type PendingRequest } from '../test/helpers/kafka-api-client.ts';
import type { OffsetCommitResponse } from '../src/protocol/generated/offset-commit.ts';
import { findCoordinatorRequest, findCoordinatorResponse } from '../src/protocol/generated/find-coordinator.ts';
import { offsetFetchRequest, offsetFetchResponse } from '../src/protocol/generated/offset-fetch.ts';

const OffsetCommit = api(offsetCommitRequest, offsetCommitResponse);
const OffsetFetch = api(offsetFetchRequest, offsetFetchResponse);
const FindCoordinator = api(findCoordinatorRequest, findCoordinatorResponse);
const VERSION = 8;
/** Offsets of the timed run start here (warm-up commits are below), so OffsetFetch can tell them apart. */
const TIMED_OFFSET_BASE = 1_000_000_000;

export interface CommitLoadOptions {
  host: string;
  port: number;
  groupId: string;
  topic: string;
  /** Partitions of `topic` (requests cycle through them). */
  topicPartitions: number;
  partitionsPerRequest: number;
  connections: number;
  window: number;
  seconds: number;
}

export interface CommitLoadResult {
  requests: number;
  /** Partition offsets committed without error. */
  commits: number;
  seconds: number;
  requestsPerSecond: number;
  commitsPerSecond: number;
  /** Partition-level error codes seen, by code (empty when every commit succeeded). */
  errors: Record<string, number>;
  /** Latency of a request from send to response, with `window` in flight (median and p99, ms). */
  p50Ms: number;
  p99Ms: number;
  /** CPU seconds of this (client) process during the run, as a hint whether the client limited it. */
  clientCpuSeconds: number;
  /** Partitions whose committed offset, read back with OffsetFetch v7 after the run, is one the timed run sent. */
  partitionsReadBack: number;
}

function request(options: CommitLoadOptions, sequence: number): OffsetCommitRequest {
  const first = (sequence * options.partitionsPerRequest) % options.topicPartitions;
  const partitions = Array.from({ length: options.partitionsPerRequest }, (_, i) => ({
    partitionIndex: (first + i) % options.topicPartitions,
    committedOffset: BigInt(sequence),
    committedLeaderEpoch: -1,
    committedMetadata: '',
  }));
  return { groupId: options.groupId, generationIdOrMemberEpoch: -1, memberId: '', groupInstanceId: null, topics: [{ name: options.topic, partitions }] };
}

async function connectionLoop(client: KafkaApiClient, options: CommitLoadOptions, connection: number, deadline: number, tally: CommitLoadResult, latencies: number[]): Promise<void> {
  const inFlight: Array<{ pending: PendingRequest<OffsetCommitResponse>; sentAt: number }> = [];
  let sequence = (connection + 1) * TIMED_OFFSET_BASE;
  const send = (): void => {
    inFlight.push({ pending: client.send(OffsetCommit, VERSION, request(options, sequence++)), sentAt: performance.now() });
  };
  for (let i = 0; i < options.window; i++) send();
  while (inFlight.length > 0) {
    const { pending, sentAt } = inFlight.shift()!;
    const response = await pending.response(30_000);
    const now = performance.now();
    latencies.push(now - sentAt);
    tally.requests += 1;
    for (const topic of response.topics) {
      for (const partition of topic.partitions) {
        if (partition.errorCode === 0) tally.commits += 1;
        else tally.errors[String(partition.errorCode)] = (tally.errors[String(partition.errorCode)] ?? 0) + 1;
      }
    }
    if (now < deadline) send();
  }
}

/**
 * FindCoordinator first, as every client does: the broker answers OffsetCommit with NOT_COORDINATOR
 * until the group's __consumer_offsets partition exists and is loaded, which the first lookup
 * brings about (COORDINATOR_NOT_AVAILABLE meanwhile: retried).
 */
async function findCoordinator(client: KafkaApiClient, groupId: string): Promise<void> {
  const deadline = performance.now() + 30_000;
  for (;;) {
    const response = await client.call(FindCoordinator, 3, { key: groupId, keyType: 0 });
    if ((response.errorCode ?? 0) === 0) return;
    if (performance.now() > deadline) throw new Error(`FindCoordinator ${groupId}: error code ${response.errorCode} (${response.errorMessage ?? ''})`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export async function runCommitLoad(options: CommitLoadOptions): Promise<CommitLoadResult> {
  const clients = await Promise.all(Array.from({ length: options.connections }, () => KafkaApiClient.open(options.host, options.port)));
  const tally: CommitLoadResult = {
    requests: 0, commits: 0, seconds: 0, requestsPerSecond: 0, commitsPerSecond: 0, errors: {}, p50Ms: 0, p99Ms: 0, clientCpuSeconds: 0, partitionsReadBack: 0,
  };
  const latencies: number[] = [];
  try {
    await findCoordinator(clients[0]!, options.groupId);
    // One warm-up request per connection, outside the timing: the group's creation and the first
    // append to its __consumer_offsets partition are not what is measured.
    await Promise.all(clients.map((client, i) => client.call(OffsetCommit, VERSION, request(options, i))));
    const cpuBefore = process.cpuUsage();
    const start = performance.now();
    const deadline = start + options.seconds * 1000;
    await Promise.all(clients.map((client, i) => connectionLoop(client, options, i, deadline, tally, latencies)));
    tally.seconds = (performance.now() - start) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    tally.clientCpuSeconds = (cpu.user + cpu.system) / 1e6;
    const fetched = await clients[0]!.call(OffsetFetch, 7, { groupId: options.groupId, topics: [{ name: options.topic, partitionIndexes: Array.from({ length: options.topicPartitions }, (_, i) => i) }], requireStable: false });
    tally.partitionsReadBack = (fetched.topics ?? []).flatMap((t) => t.partitions).filter((p) => p.errorCode === 0 && p.committedOffset >= BigInt(TIMED_OFFSET_BASE)).length;
  } finally {
    for (const client of clients) client.close();
  }
  latencies.sort((a, b) => a - b);
  tally.requestsPerSecond = tally.requests / tally.seconds;
  tally.commitsPerSecond = tally.commits / tally.seconds;
  tally.p50Ms = percentile(latencies, 50);
  tally.p99Ms = percentile(latencies, 99);
  return tally;
}
