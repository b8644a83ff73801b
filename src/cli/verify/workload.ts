/**
 * The produce phase of `samsa verify`: several producers (each its own client and connections) send
 * uniquely numbered records, and every send, acknowledgement and failure goes into the history.
 */
import { KafkaClientError, Producer } from '../../client/index.ts';
import type { ProducerOptions } from '../../client/index.ts';
import { recordValue } from './history.ts';
import type { HistoryRecorder } from './history.ts';

export interface WorkloadOptions {
  readonly topic: string;
  readonly partitionCount: number;
  readonly producers: number;
  /** Stop after this many sends in all (shared out among the producers) ... */
  readonly records?: number;
  /** ... or when this much time has passed ... */
  readonly durationMs?: number;
  /** ... or when this is aborted (with neither of the above: only then). */
  readonly stop?: AbortSignal;
  /**
   * Sends each producer keeps outstanding: 1 awaits every send before the next (the strict order
   * check); more pipelines them, as an application calling send() without awaiting does.
   */
  readonly inFlight: number;
  readonly producerOptions: ProducerOptions;
}

/** How a failed send is named in the history: Kafka's error name and the client's detail (not which partition: sends failing alike count as one). */
function errorText(error: unknown): string {
  if (error instanceof KafkaClientError) return error.reason;
  return error instanceof Error ? error.message : String(error);
}

async function runProducer(id: number, share: number, deadlineMs: number, options: WorkloadOptions, recorder: HistoryRecorder): Promise<void> {
  const producer = new Producer({ ...options.producerOptions, clientId: `${options.producerOptions.clientId ?? 'samsa-verify'}-${id}` });
  const outstanding = new Set<Promise<void>>();
  try {
    for (let seq = 0; seq < share && Date.now() < deadlineMs && options.stop?.aborted !== true; seq++) {
      // Producers start on different partitions, so each partition hears from several of them at once.
      const partition = (id + seq) % options.partitionCount;
      const index = recorder.send(id, seq, partition);
      const sent: Promise<void> = producer.send({ topic: options.topic, partition, value: recordValue(recorder.runId, id, seq) }).then(
        (metadata) => recorder.ack(index, metadata.partition, metadata.offset),
        (error: unknown) => recorder.fail(index, errorText(error)),
      ).finally(() => outstanding.delete(sent));
      outstanding.add(sent);
      if (outstanding.size >= options.inFlight) await Promise.race(outstanding);
      else if (producer.blocked) await producer.unblocked();
    }
    await Promise.all(outstanding);
  } finally {
    await producer.close().catch(() => {});
  }
}

/** Runs every producer to the end of its share (or the deadline); resolves when all sends settled. */
export async function runWorkload(options: WorkloadOptions, recorder: HistoryRecorder, nowMs = Date.now()): Promise<void> {
  const deadlineMs = options.durationMs === undefined ? Infinity : nowMs + options.durationMs;
  const total = options.records ?? Infinity;
  const shares = Array.from({ length: options.producers }, (_, i) =>
    total === Infinity ? Infinity : Math.floor(total / options.producers) + (i < total % options.producers ? 1 : 0));
  await Promise.all(shares.map((share, id) => runProducer(id, share, deadlineMs, options, recorder)));
}
