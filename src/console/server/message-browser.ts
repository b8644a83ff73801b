import type { ConsumerRecord } from '../../client/index.ts';
import { Consumer } from '../../client/index.ts';
import type { BrowsePartitionState, BrowseResponse } from '../api-types.ts';
import type { ConsoleContext } from './context.ts';
import { badRequest } from './http-errors.ts';
import { decodedMessageOf, matches, type MessageView } from './message-render.ts';

export interface BrowsePartition {
  readonly partition: number;
  readonly startOffset: number;
  /** The high watermark when the browse began: the scan stops there, it never waits for new records. */
  readonly endOffset: number;
  readonly fromOffset: number;
}

export interface BrowsePlan {
  readonly topic: string;
  readonly partitions: readonly BrowsePartition[];
  readonly limit: number;
  readonly maxScan: number;
  /** from=end: keep the newest `limit` matches rather than the oldest. */
  readonly newest: boolean;
}

/** How long one browse may read before it answers with what it has (and a cursor to go on). */
const MAX_BROWSE_MS = 10_000;

/**
 * A cursor says where each partition's next page starts. It is opaque to clients (base64url JSON)
 * and checked when it comes back: another topic's cursor, or a damaged one, is a 400.
 */
export function encodeCursor(topic: string, offsets: ReadonlyArray<readonly [number, number]>): string {
  return Buffer.from(JSON.stringify({ t: topic, p: offsets })).toString('base64url');
}

export function decodeCursor(cursor: string, topic: string): Map<number, number> {
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw badRequest('query parameter cursor is not a cursor this console gave');
  }
  const value = decoded as { t?: unknown; p?: unknown };
  if (typeof value !== 'object' || value === null || value.t !== topic || !Array.isArray(value.p)) {
    throw badRequest(`query parameter cursor is not a cursor of topic '${topic}'`);
  }
  const out = new Map<number, number>();
  for (const entry of value.p as unknown[]) {
    if (!Array.isArray(entry) || entry.length !== 2 || !entry.every((n) => Number.isSafeInteger(n) && (n as number) >= 0)) {
      throw badRequest('query parameter cursor is damaged');
    }
    out.set(entry[0] as number, entry[1] as number);
  }
  return out;
}

async function decodePage(context: ConsoleContext, records: readonly ConsumerRecord[], view: MessageView): Promise<BrowseResponse['messages']> {
  const scope = context.schemaDecoder?.scope() ?? null;
  const messages = [];
  // One at a time: the first record of a schema id fetches it, the rest find it cached.
  for (const record of records) messages.push(await decodedMessageOf(record, view, scope));
  return messages;
}

function order(a: ConsumerRecord, b: ConsumerRecord): number {
  return a.timestamp - b.timestamp || a.partition - b.partition || a.offset - b.offset;
}

/**
 * Reads the plan's partitions from their offsets up to their end offsets with a consumer of its own
 * (assigned, no group), keeping the records the view's filters pass, until `limit` matched (the
 * oldest first; all of the range for from=end), `maxScan` records were read, or MAX_BROWSE_MS passed.
 * Each partition's next offset makes the cursor, so paging never skips or repeats a record.
 */
export async function browse(context: ConsoleContext, plan: BrowsePlan, view: MessageView): Promise<BrowseResponse> {
  const { topic } = plan;
  const reached = new Map(plan.partitions.map((p) => [p.partition, p.fromOffset]));
  const ends = new Map(plan.partitions.map((p) => [p.partition, p.endOffset]));
  const active = new Set(plan.partitions.filter((p) => p.fromOffset < p.endOffset).map((p) => p.partition));
  const found: ConsumerRecord[] = [];
  let scanned = 0;
  if (active.size > 0) {
    const consumer = new Consumer({
      ...context.clientOptions, clientId: `${context.clientOptions.clientId ?? 'samsa-console'}-browse`, allowAutoTopicCreation: false,
      autoOffsetReset: 'earliest', enableAutoCommit: false, fetchMaxWaitMs: 100, maxPollRecords: 2_000,
    });
    try {
      consumer.assign([...active].map((partition) => ({ topic, partition })));
      for (const p of plan.partitions) if (active.has(p.partition)) consumer.seek({ topic, partition: p.partition }, p.fromOffset);
      const deadline = Date.now() + MAX_BROWSE_MS;
      let full = false;
      while (active.size > 0 && !full && Date.now() < deadline) {
        const records = await consumer.poll(Math.min(500, Math.max(1, deadline - Date.now())));
        let stoppedEarly = false;
        for (const record of records) {
          if (!active.has(record.partition) || record.offset >= ends.get(record.partition)!) continue;
          if (scanned >= plan.maxScan || (!plan.newest && found.length >= plan.limit)) {
            stoppedEarly = true;
            break;
          }
          scanned++;
          reached.set(record.partition, record.offset + 1);
          if (matches(record, view)) found.push(record);
        }
        // The position passes transaction markers and aborted records too; it counts only when every record polled was looked at.
        for (const partition of [...active]) {
          const tp = { topic, partition };
          const end = ends.get(partition)!;
          const position = stoppedEarly ? reached.get(partition)! : Math.min(consumer.position(tp) ?? reached.get(partition)!, end);
          if (position > reached.get(partition)!) reached.set(partition, position);
          if (reached.get(partition)! >= end) {
            active.delete(partition);
            consumer.pause([tp]);
          }
        }
        full = stoppedEarly || scanned >= plan.maxScan || (!plan.newest && found.length >= plan.limit);
      }
    } finally {
      await consumer.close();
    }
  }
  found.sort(order);
  let taken: ConsumerRecord[];
  const next = new Map(reached);
  if (plan.newest) {
    taken = found.slice(-plan.limit);
  } else {
    // A page is a prefix of each partition: records past the first one left out wait for the next page.
    const firstLeftOut = new Map<number, number>();
    for (const record of found.slice(plan.limit)) {
      if (record.offset < (firstLeftOut.get(record.partition) ?? Infinity)) firstLeftOut.set(record.partition, record.offset);
    }
    taken = found.slice(0, plan.limit).filter((r) => r.offset < (firstLeftOut.get(r.partition) ?? Infinity));
    for (const [partition, offset] of firstLeftOut) next.set(partition, offset);
  }
  const partitions: BrowsePartitionState[] = plan.partitions.map((p) => ({
    partition: p.partition, startOffset: p.startOffset, endOffset: p.endOffset, nextOffset: next.get(p.partition)!,
  }));
  const more = partitions.some((p) => p.nextOffset < p.endOffset);
  return {
    messages: await decodePage(context, taken, view),
    nextCursor: more ? encodeCursor(topic, partitions.map((p) => [p.partition, p.nextOffset] as const)) : null,
    scanned,
    partitions,
  };
}
