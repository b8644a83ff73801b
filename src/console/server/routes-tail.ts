import { Consumer } from '../../client/index.ts';
import type { TailEvents } from '../api-types.ts';
import { ApiHttpError, apiErrorOf } from './http-errors.ts';
import { decodedMessageOf, matches, messageView } from './message-render.ts';
import { STREAMED, type RouteHandlers } from './router.ts';
import { partitionRanges } from './routes-messages.ts';
import { describeTopic } from './routes-topics.ts';

/** A comment line this often keeps proxies and browsers from closing a quiet stream. */
const KEEP_ALIVE_MS = 15_000;

export const tailRoutes = {
  /**
   * Server-Sent Events from the topic's end on: `ready` once the consumer sits at the end offsets
   * (a message produced after it is delivered), then a `message` per record the filters pass, until
   * the client goes away. A failure is an `error` event and the end of the stream.
   */
  async 'GET /api/topics/:topic/tail'({ params, query, context, http, response }) {
    const view = messageView(query);
    const partition = query.int('partition', { min: 0 });
    if (context.tails.size >= context.maxTails) throw new ApiHttpError('UNAVAILABLE', `${context.maxTails} live tails are open already; close one first`);
    const topic = await describeTopic(context.admin, params.topic);
    const ranges = await partitionRanges(context.admin, topic, partition);
    const consumer = new Consumer({
      ...context.clientOptions, clientId: `${context.clientOptions.clientId ?? 'samsa-console'}-tail`, allowAutoTopicCreation: false,
      autoOffsetReset: 'latest', enableAutoCommit: false, fetchMaxWaitMs: 500,
    });
    let open = true;
    const tail = {
      close: () => {
        open = false;
        void consumer.close();
      },
    };
    const closed = new Promise<void>((resolve) => response.once('close', () => {
      tail.close();
      resolve();
    }));
    http.once('close', () => tail.close());
    context.tails.add(tail);
    const keepAlive = setInterval(() => { if (open) response.write(': keep-alive\n\n'); }, KEEP_ALIVE_MS);
    const send = async <E extends keyof TailEvents>(event: E, data: TailEvents[E]): Promise<void> => {
      // A slow reader holds the loop back rather than the console buffering the topic for it.
      if (open && !response.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`)) {
        await Promise.race([new Promise((resolve) => response.once('drain', resolve)), closed]);
      }
    };
    response.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', 'x-accel-buffering': 'no' });
    try {
      consumer.assign(ranges.map((r) => ({ topic: params.topic, partition: r.partition })));
      for (const r of ranges) consumer.seek({ topic: params.topic, partition: r.partition }, r.endOffset);
      await send('ready', { partitions: ranges.map((r) => ({ partition: r.partition, offset: r.endOffset })) });
      while (open) {
        const scope = context.schemaDecoder?.scope() ?? null;
        for (const record of await consumer.poll(1_000)) {
          if (open && matches(record, view)) await send('message', await decodedMessageOf(record, view, scope));
        }
      }
    } catch (error) {
      if (open) {
        const { body, internal } = apiErrorOf(error);
        if (internal) context.log.error(`live tail of ${params.topic} failed`, error);
        await send('error', body);
      }
    } finally {
      clearInterval(keepAlive);
      context.tails.delete(tail);
      tail.close();
      response.end();
    }
    return STREAMED;
  },
} satisfies Partial<RouteHandlers>;
