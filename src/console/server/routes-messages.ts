import type { Admin, TopicMetadata } from '../../client/index.ts';
import { keyOf } from '../../client/index.ts';
import type { BrowseFrom, InputEncoding } from '../api-types.ts';
import { partitionOffsets } from './cluster-state.ts';
import { ApiHttpError, badRequest, notFound } from './http-errors.ts';
import { browse, decodeCursor, type BrowsePartition } from './message-browser.ts';
import { decodeInput, messageView } from './message-render.ts';
import type { RouteHandlers } from './router.ts';
import { describeTopic } from './routes-topics.ts';
import { Fields, type QueryParams } from './validate.ts';

const FROM: readonly BrowseFrom[] = ['beginning', 'offset', 'timestamp', 'end'];
const ENCODINGS: readonly InputEncoding[] = ['text', 'json', 'hex', 'base64'];

/** The partitions a request names (`partition`, or all), each with its log start and high watermark; offline ones are a 503. */
export async function partitionRanges(admin: Admin, topic: TopicMetadata, partition: number | undefined): Promise<Array<{ partition: number; startOffset: number; endOffset: number }>> {
  if (partition !== undefined && !topic.partitions.some((p) => p.partition === partition)) {
    throw notFound(`topic '${topic.name}' has no partition ${partition} (it has ${topic.partitions.length})`);
  }
  const wanted = topic.partitions.filter((p) => partition === undefined || p.partition === partition);
  const offline = wanted.filter((p) => p.leaderId < 0);
  if (offline.length > 0 && partition !== undefined) throw new ApiHttpError('UNAVAILABLE', `partition ${partition} of '${topic.name}' has no leader`);
  const offsets = await partitionOffsets(admin, [{ ...topic, partitions: wanted }]);
  return wanted.filter((p) => p.leaderId >= 0).map((p) => {
    const o = offsets.get(keyOf({ topic: topic.name, partition: p.partition }))!;
    return { partition: p.partition, startOffset: o.startOffset, endOffset: o.endOffset };
  });
}

const clamp = (n: number, low: number, high: number): number => Math.min(Math.max(n, low), high);

/** Where each partition starts for the query's `cursor` or `from`. */
async function startOffsets(admin: Admin, topic: string, query: QueryParams, ranges: ReadonlyArray<{ partition: number; startOffset: number; endOffset: number }>, limit: number, filtered: boolean): Promise<BrowsePartition[]> {
  const cursor = query.string('cursor');
  if (cursor !== undefined && cursor !== '') {
    const offsets = decodeCursor(cursor, topic);
    return ranges.filter((r) => offsets.has(r.partition)).map((r) => ({ ...r, fromOffset: clamp(offsets.get(r.partition)!, r.startOffset, r.endOffset) }));
  }
  const from = query.oneOf('from', FROM) ?? 'beginning';
  switch (from) {
    case 'beginning': return ranges.map((r) => ({ ...r, fromOffset: r.startOffset }));
    case 'offset': {
      const offset = query.int('offset', { min: 0 });
      if (offset === undefined) throw badRequest('from=offset needs query parameter offset');
      return ranges.map((r) => ({ ...r, fromOffset: clamp(offset, r.startOffset, r.endOffset) }));
    }
    case 'timestamp': {
      const timestamp = query.int('timestamp', { min: 0 });
      if (timestamp === undefined) throw badRequest('from=timestamp needs query parameter timestamp (ms since the epoch)');
      const found = ranges.length === 0 ? [] : await admin.listOffsets(ranges.map((r) => ({ topic, partition: r.partition, spec: { timestamp } })));
      return ranges.map((r) => {
        const offset = found.find((f) => f.partition === r.partition)?.offset ?? -1;
        return { ...r, fromOffset: offset < 0 ? r.endOffset : clamp(offset, r.startOffset, r.endOffset) };
      });
    }
    case 'end': {
      // The last `limit` records of each partition hold the newest `limit` of the topic; a filter
      // looks further back (the scan's maxScan bounds it) to find `limit` that match.
      const back = filtered ? Math.max(limit, Math.ceil((query.int('maxScan', { min: 1 }) ?? 10_000) / Math.max(1, ranges.length))) : limit;
      return ranges.map((r) => ({ ...r, fromOffset: Math.max(r.startOffset, r.endOffset - back) }));
    }
  }
}

export const messageRoutes = {
  async 'GET /api/topics/:topic/messages'({ params, query, context }) {
    const view = messageView(query);
    const limit = query.int('limit', { min: 1, max: 1_000 }) ?? 100;
    const maxScan = query.int('maxScan', { min: 1, max: 100_000 }) ?? 10_000;
    const partition = query.int('partition', { min: 0 });
    const topic = await describeTopic(context.admin, params.topic);
    const ranges = await partitionRanges(context.admin, topic, partition);
    const filtered = view.key !== undefined || view.value !== undefined || view.header !== undefined;
    const partitions = await startOffsets(context.admin, params.topic, query, ranges, limit, filtered);
    const newest = (query.string('cursor') ?? '') === '' && query.string('from') === 'end';
    return browse(context, { topic: params.topic, partitions, limit, maxScan, newest }, view);
  },

  async 'POST /api/topics/:topic/messages'({ params, body, context }) {
    const fields = new Fields(body);
    const partition = fields.optionalInt('partition', { min: 0 });
    const keyEncoding = fields.optionalOneOf('keyEncoding', ENCODINGS) ?? 'text';
    const key = fields.nullableString('key');
    const valueEncoding = fields.optionalOneOf('valueEncoding', ENCODINGS) ?? 'text';
    if (!fields.has('value')) throw badRequest('body.value is required (a string, or null for a tombstone)');
    const value = fields.nullableString('value');
    const headers = fields.optionalArray('headers', (item, where) => {
      const header = new Fields(item, where);
      const headerKey = header.string('key', { maxLength: 10_000 });
      const encoding = header.optionalOneOf('encoding', ENCODINGS) ?? 'text';
      const headerValue = header.nullableString('value');
      header.done();
      return { key: headerKey, value: headerValue == null ? null : decodeInput(headerValue, encoding, `${where}.value`) };
    }, { maxItems: 1_000 }) ?? [];
    const timestamp = fields.optionalInt('timestamp', { min: 0 });
    fields.done();
    const topic = await describeTopic(context.admin, params.topic);
    if (partition !== undefined && !topic.partitions.some((p) => p.partition === partition)) {
      throw notFound(`topic '${params.topic}' has no partition ${partition} (it has ${topic.partitions.length})`);
    }
    const metadata = await context.producer().send({
      topic: params.topic,
      key: key == null ? null : decodeInput(key, keyEncoding, 'body.key'),
      value: value == null ? null : decodeInput(value, valueEncoding, 'body.value'),
      headers,
      ...(partition === undefined ? {} : { partition }),
      ...(timestamp === undefined ? {} : { timestamp }),
    });
    return { topic: metadata.topic, partition: metadata.partition, offset: metadata.offset, timestamp: metadata.timestamp };
  },
} satisfies Partial<RouteHandlers>;
