import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';
import { createSilentLogger } from '../logger.ts';
import { Listener } from './listener.ts';
import { CloseConnectionError } from './connection.ts';
import type { Connection, RequestHandler } from './connection.ts';
import type { RequestTimer, RequestTimes } from '../request-times.ts';

/** Polls `condition` until it holds; fails after `maxWaitMs` (a bound, not a timing assertion). */
async function waitFor(condition: () => boolean, what: string, maxWaitMs = 10_000): Promise<void> {
  const deadline = Date.now() + maxWaitMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

function frame(payload: Buffer | string): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const out = Buffer.allocUnsafe(4 + body.length);
  out.writeInt32BE(body.length, 0);
  body.copy(out, 4);
  return out;
}

/** A raw client that collects response frames. */
class FrameClient {
  readonly socket: Socket;
  readonly responses: Buffer[] = [];
  closed = false;
  #pending = Buffer.alloc(0);

  constructor(port: number, read = true) {
    this.socket = connect({ host: '127.0.0.1', port });
    this.socket.on('error', () => {});
    this.socket.on('close', () => (this.closed = true));
    if (read) this.startReading();
  }

  startReading(): void {
    this.socket.on('data', (chunk: Buffer) => {
      this.#pending = Buffer.concat([this.#pending, chunk]);
      while (this.#pending.length >= 4) {
        const size = this.#pending.readInt32BE(0);
        if (this.#pending.length < 4 + size) break;
        this.responses.push(this.#pending.subarray(4, 4 + size));
        this.#pending = this.#pending.subarray(4 + size);
      }
    });
  }

  connected(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.socket.once('connect', resolve);
      this.socket.once('error', reject);
    });
  }

  write(data: Buffer): Promise<void> {
    return new Promise((resolve) => this.socket.write(data, () => resolve()));
  }

  texts(): string[] {
    return this.responses.map((r) => r.toString());
  }
}

async function withListener(
  handler: RequestHandler,
  options: { maxRequestBytes?: number; maxInFlightRequests?: number; maxWriteBufferBytes?: number },
  body: (listener: Listener) => Promise<void>,
): Promise<void> {
  const listener = new Listener({
    listenerName: 'PLAINTEXT',
    host: '127.0.0.1',
    port: 0,
    handler,
    logger: createSilentLogger(),
    ...options,
  });
  await listener.listen();
  try {
    await body(listener);
  } finally {
    await listener.close();
  }
}

const echo: RequestHandler = (request) => [Buffer.from('re:'), request];

function onlyConnection(listener: Listener): Connection {
  assert.equal(listener.connections.size, 1);
  return [...listener.connections][0]!;
}

test('binds a free port and exposes it', async () => {
  await withListener(echo, {}, async (listener) => {
    assert.ok(listener.port > 0);
    const client = new FrameClient(listener.port);
    await client.write(frame('ping'));
    await waitFor(() => client.responses.length === 1, 'response');
    assert.deepEqual(client.texts(), ['re:ping']);
    client.socket.destroy();
  });
});

test('a frame split across many writes arrives whole', async () => {
  const received: string[] = [];
  const handler: RequestHandler = (request) => {
    received.push(request.toString());
    return [request];
  };
  await withListener(handler, {}, async (listener) => {
    const client = new FrameClient(listener.port);
    await client.connected();
    client.socket.setNoDelay(true);
    const payload = 'x'.repeat(300) + 'end';
    const bytes = Buffer.concat([frame(payload), frame('second')]);
    for (let i = 0; i < bytes.length; i += 7) {
      await client.write(bytes.subarray(i, i + 7));
      await nextTurn();
    }
    await waitFor(() => client.responses.length === 2, 'two responses');
    assert.deepEqual(received, [payload, 'second']);
    assert.deepEqual(client.texts(), [payload, 'second']);
    client.socket.destroy();
  });
});

test('many frames in one write are delivered whole and in order, including empty ones', async () => {
  await withListener(echo, {}, async (listener) => {
    const client = new FrameClient(listener.port);
    const payloads = Array.from({ length: 500 }, (_, i) => (i % 50 === 0 ? '' : `request-${i}`));
    await client.write(Buffer.concat(payloads.map((p) => frame(p))));
    await waitFor(() => client.responses.length === payloads.length, 'all responses');
    assert.deepEqual(client.texts(), payloads.map((p) => `re:${p}`));
    client.socket.destroy();
  });
});

test('pipelined requests finishing in reverse order are answered in request order', async () => {
  const resolvers: Array<() => void> = [];
  const handler: RequestHandler = (request) =>
    new Promise((resolve) => resolvers.push(() => resolve([Buffer.from('re:'), request])));
  await withListener(handler, {}, async (listener) => {
    const client = new FrameClient(listener.port);
    const count = 20;
    for (let i = 0; i < count; i++) await client.write(frame(`r${i}`));
    await waitFor(() => resolvers.length === count, 'all requests dispatched');
    for (let i = count - 1; i >= 0; i--) {
      resolvers[i]!();
      await nextTurn();
    }
    await waitFor(() => client.responses.length === count, 'all responses');
    assert.deepEqual(client.texts(), Array.from({ length: count }, (_, i) => `re:r${i}`));
    client.socket.destroy();
  });
});

test('a null response releases its slot without writing anything', async () => {
  const handler: RequestHandler = async (request) => (request.toString() === 'quiet' ? null : [request]);
  await withListener(handler, {}, async (listener) => {
    const client = new FrameClient(listener.port);
    await client.write(Buffer.concat([frame('a'), frame('quiet'), frame('b')]));
    await waitFor(() => client.responses.length === 2, 'responses');
    assert.deepEqual(client.texts(), ['a', 'b']);
    client.socket.destroy();
  });
});

test('an oversized size prefix closes that connection before its body arrives; others keep working', async () => {
  let handled = 0;
  const handler: RequestHandler = (request) => {
    handled++;
    return [request];
  };
  await withListener(handler, { maxRequestBytes: 1024 }, async (listener) => {
    const good = new FrameClient(listener.port);
    await good.write(frame('hello'));
    await waitFor(() => good.responses.length === 1, 'first response');

    const bad = new FrameClient(listener.port);
    const prefix = Buffer.alloc(4);
    prefix.writeInt32BE(1025, 0);
    await bad.write(prefix); // the body is never sent: the broker must not wait for it
    await waitFor(() => bad.closed, 'oversized connection closed');

    await good.write(frame('still here'));
    await waitFor(() => good.responses.length === 2, 'second response');
    assert.deepEqual(good.texts(), ['hello', 'still here']);
    assert.equal(handled, 2);
    await waitFor(() => listener.connections.size === 1, 'bad connection forgotten');
    good.socket.destroy();
  });
});

test('a frame of exactly socket.request.max.bytes is accepted', async () => {
  await withListener((request) => [Buffer.from(String(request.length))], { maxRequestBytes: 1024 }, async (listener) => {
    const client = new FrameClient(listener.port);
    await client.write(frame(Buffer.alloc(1024, 1)));
    await waitFor(() => client.responses.length === 1, 'response');
    assert.deepEqual(client.texts(), ['1024']);
    client.socket.destroy();
  });
});

test('a negative size prefix closes the connection', async () => {
  let handled = 0;
  await withListener(() => [Buffer.from(String(++handled))], {}, async (listener) => {
    const client = new FrameClient(listener.port);
    const prefix = Buffer.alloc(4);
    prefix.writeInt32BE(-1, 0);
    await client.write(prefix);
    await waitFor(() => client.closed, 'connection closed');
    assert.equal(handled, 0);
  });
});

test('CloseConnectionError closes only that connection, after the earlier responses', async () => {
  const handler: RequestHandler = async (request) => {
    if (request.toString() === 'bad') throw new CloseConnectionError('unknown api key');
    return [request];
  };
  await withListener(handler, {}, async (listener) => {
    const other = new FrameClient(listener.port);
    await other.write(frame('before'));
    await waitFor(() => other.responses.length === 1, 'other first response');

    const client = new FrameClient(listener.port);
    await client.write(Buffer.concat([frame('ok'), frame('bad'), frame('never')]));
    await waitFor(() => client.closed, 'connection closed');
    assert.deepEqual(client.texts(), ['ok']);

    await other.write(frame('after'));
    await waitFor(() => other.responses.length === 2, 'other second response');
    assert.deepEqual(other.texts(), ['before', 'after']);
    other.socket.destroy();
  });
});

test('an unexpected handler error closes only that connection', async () => {
  const handler: RequestHandler = (request) => {
    if (request.toString() === 'boom') throw new Error('bug');
    return [request];
  };
  await withListener(handler, {}, async (listener) => {
    const other = new FrameClient(listener.port);
    const client = new FrameClient(listener.port);
    await client.write(frame('boom'));
    await waitFor(() => client.closed, 'connection closed');
    assert.deepEqual(client.texts(), []);
    await other.write(frame('fine'));
    await waitFor(() => other.responses.length === 1, 'other response');
    other.socket.destroy();
  });
});

test('stops reading while maxInFlightRequests requests await responses', async () => {
  const resolvers: Array<() => void> = [];
  const handler: RequestHandler = (request) => new Promise((resolve) => resolvers.push(() => resolve([request])));
  await withListener(handler, { maxInFlightRequests: 8 }, async (listener) => {
    const client = new FrameClient(listener.port);
    const count = 100;
    await client.write(Buffer.concat(Array.from({ length: count }, (_, i) => frame(`r${i}`))));
    await waitFor(() => listener.connections.size === 1 && onlyConnection(listener).readPaused, 'reading paused');
    const connection = onlyConnection(listener);
    assert.equal(connection.requestsReceived, 8);
    assert.equal(resolvers.length, 8);
    // Release everything as it arrives; the rest of the buffered frames must then flow.
    let released = 0;
    while (client.responses.length < count) {
      while (released < resolvers.length) resolvers[released++]!();
      await sleep(1);
    }
    assert.deepEqual(client.texts(), Array.from({ length: count }, (_, i) => `r${i}`));
    client.socket.destroy();
  });
});

test('a client that never reads makes the broker stop reading, not buffer without bound', async () => {
  const responseBody = Buffer.alloc(64 * 1024, 7); // shared: a broken limit costs no memory here
  let handled = 0;
  const handler: RequestHandler = () => {
    handled++;
    return [responseBody];
  };
  await withListener(handler, { maxWriteBufferBytes: 256 * 1024 }, async (listener) => {
    const client = new FrameClient(listener.port, false);
    const count = 2000; // 125 MiB of responses if every request were handled
    const requests = Buffer.concat(Array.from({ length: count }, () => frame('give me 64 KiB')));
    client.socket.write(requests);
    // Wait until the handled count stops moving while the connection is paused.
    let stableRounds = 0;
    let last = -1;
    await waitFor(() => {
      const connection = [...listener.connections][0];
      if (connection?.readPaused === true && handled === last) stableRounds++;
      else stableRounds = 0;
      last = handled;
      return stableRounds >= 20;
    }, 'the broker to stop reading');
    assert.ok(handled < count / 2, `handled ${handled} of ${count} requests without the client reading`);
    const connection = onlyConnection(listener);
    assert.ok(connection.readPaused);

    // Once the client reads, everything flows again.
    client.startReading();
    await waitFor(() => client.responses.length === count, 'all responses', 60_000);
    assert.equal(handled, count);
    assert.ok(client.responses.every((r) => r.length === responseBody.length));
    client.socket.destroy();
  });
});

test('close() destroys open connections and stops accepting', async () => {
  const listener = new Listener({
    listenerName: 'PLAINTEXT',
    host: '127.0.0.1',
    port: 0,
    handler: () => new Promise(() => {}),
    logger: createSilentLogger(),
  });
  await listener.listen();
  const port = listener.port;
  const client = new FrameClient(port);
  await client.write(frame('hang'));
  await waitFor(() => listener.connections.size === 1, 'accepted');
  await listener.close();
  await waitFor(() => client.closed, 'client closed');
  const late = new FrameClient(port);
  await assert.rejects(late.connected());
});

test('request times: a request dispatched on arrival was received when dispatched; one that waited shows its wait as queue time', async () => {
  const recorded: Array<{ times: RequestTimes; writtenMs: number }> = [];
  const requestTimer: RequestTimer = {
    start: () => ({ receivedMs: 0, dispatchedMs: 0, localDoneMs: 0, completedMs: 0, sendStartMs: 0, throttleMs: 0, fromFollower: false }),
    written: (times, writtenMs) => void recorded.push({ times, writtenMs }),
  };
  // The first request is answered 50 ms later; with one request in flight, the second waits for it.
  const handler: RequestHandler = (request) => request.toString() === 'slow' ? sleep(50).then(() => [request]) : [request];
  const listener = new Listener({ listenerName: 'PLAINTEXT', host: '127.0.0.1', port: 0, handler, logger: createSilentLogger(), maxInFlightRequests: 1, requestTimer });
  await listener.listen();
  try {
    const client = new FrameClient(listener.port);
    await client.write(Buffer.concat([frame('slow'), frame('fast')]));
    await waitFor(() => recorded.length === 2 && client.responses.length === 2, 'both requests answered and timed');
    assert.deepEqual(client.texts(), ['slow', 'fast']);
    const [slow, fast] = recorded.map(({ times, writtenMs }) => ({ ...times, writtenMs }));
    assert.equal(slow!.receivedMs, slow!.dispatchedMs, 'dispatched on arrival: no queue time');
    assert.ok(fast!.dispatchedMs - fast!.receivedMs >= 45, `queued behind the slow one: ${fast!.dispatchedMs - fast!.receivedMs} ms`);
    for (const times of [slow!, fast!]) {
      const stages = [times.receivedMs, times.dispatchedMs, times.localDoneMs, times.completedMs, times.sendStartMs, times.writtenMs];
      assert.deepEqual(stages, [...stages].sort((a, b) => a - b), 'each stage after the one before');
      assert.ok(times.receivedMs > 0);
    }
    assert.ok(slow!.completedMs - slow!.localDoneMs >= 45, 'the slow answer\'s wait is remote time');
    client.socket.destroy();
  } finally {
    await listener.close();
  }
});
