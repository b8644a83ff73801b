/**
 * A raw Kafka TCP connection for tests that must send exactly the bytes they choose (malformed
 * frames, unknown APIs) and look at exactly the bytes that come back. Requests and responses are
 * encoded here by hand, independently of the broker's codec, so a codec bug cannot hide itself.
 */
import { connect, type Socket } from 'node:net';
import { once } from 'node:events';

export class RawKafkaConnection {
  readonly socket: Socket;
  private buffered: Buffer = Buffer.alloc(0);
  private readonly frames: Buffer[] = [];
  private readonly waiters: Array<() => void> = [];
  closed = false;

  constructor(socket: Socket) {
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => {
      this.buffered = Buffer.concat([this.buffered, chunk]);
      while (this.buffered.length >= 4) {
        const size = this.buffered.readInt32BE(0);
        if (this.buffered.length < 4 + size) break;
        this.frames.push(this.buffered.subarray(4, 4 + size));
        this.buffered = this.buffered.subarray(4 + size);
      }
      this.wake();
    });
    // A reset from the broker is one of the ways it may close us; the tests look at `closed`.
    socket.on('error', () => {});
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
  }

  static async open(host: string, port: number): Promise<RawKafkaConnection> {
    const socket = connect({ host, port });
    socket.setNoDelay(true);
    await once(socket, 'connect');
    return new RawKafkaConnection(socket);
  }

  private wake(): void {
    for (const waiter of this.waiters.splice(0)) waiter();
  }

  private waitForEvent(timeoutMs: number): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.waiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  /** Sends `payload` (request header + body) prefixed with its int32 size. */
  sendFrame(payload: Buffer): void {
    const size = Buffer.alloc(4);
    size.writeInt32BE(payload.length);
    this.socket.write(Buffer.concat([size, payload]));
  }

  sendRaw(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  /** The next response frame (correlation id first), without its size prefix. */
  async readFrame(timeoutMs = 10_000): Promise<Buffer> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const frame = this.frames.shift();
      if (frame) return frame;
      if (this.closed) throw new Error('connection closed by the broker before a response arrived');
      const remaining = deadline - Date.now();
      if (remaining <= 0 || !(await this.waitForEvent(remaining))) {
        if (this.frames.length > 0) continue;
        throw new Error(`no response within ${timeoutMs} ms`);
      }
    }
  }

  /** Resolves true once the broker has closed the connection, false if it is still open after `timeoutMs`. */
  async waitClosed(timeoutMs = 10_000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) return false;
      await this.waitForEvent(remaining);
    }
    return true;
  }

  /** Frames received so far and not read. */
  get pendingFrames(): number {
    return this.frames.length;
  }

  close(): void {
    this.socket.destroy();
  }
}

/** Request header v1: apiKey, apiVersion, correlationId, clientId (int16-length string). */
export function requestHeaderV1(apiKey: number, apiVersion: number, correlationId: number, clientId = 'samsa-raw-test'): Buffer {
  const id = Buffer.from(clientId, 'utf8');
  const header = Buffer.alloc(10 + id.length);
  header.writeInt16BE(apiKey, 0);
  header.writeInt16BE(apiVersion, 2);
  header.writeInt32BE(correlationId, 4);
  header.writeInt16BE(id.length, 8);
  id.copy(header, 10);
  return header;
}

/** ApiVersions at `version` with an empty body: valid for v0-v2 (v3+ would need a flexible body). */
export function apiVersionsRequest(correlationId: number, version = 0): Buffer {
  return requestHeaderV1(18, version, correlationId);
}

export interface ApiVersionRange {
  apiKey: number;
  minVersion: number;
  maxVersion: number;
}

export interface ApiVersionsV0Response {
  correlationId: number;
  errorCode: number;
  apiKeys: ApiVersionRange[];
}

/** Parses a response frame holding header v0 + ApiVersions v0 body. */
export function parseApiVersionsV0Response(frame: Buffer): ApiVersionsV0Response {
  let position = 0;
  const correlationId = frame.readInt32BE(position); position += 4;
  const errorCode = frame.readInt16BE(position); position += 2;
  const count = frame.readInt32BE(position); position += 4;
  const apiKeys: ApiVersionRange[] = [];
  for (let i = 0; i < count; i++) {
    apiKeys.push({ apiKey: frame.readInt16BE(position), minVersion: frame.readInt16BE(position + 2), maxVersion: frame.readInt16BE(position + 4) });
    position += 6;
  }
  if (position !== frame.length) throw new Error(`ApiVersions v0 response has ${frame.length - position} trailing bytes`);
  return { correlationId, errorCode, apiKeys };
}

/** Asks the broker for its API ranges over a fresh connection (ApiVersions v0). */
export async function fetchApiVersions(host: string, port: number): Promise<ApiVersionRange[]> {
  const connection = await RawKafkaConnection.open(host, port);
  try {
    connection.sendFrame(apiVersionsRequest(1, 0));
    const response = parseApiVersionsV0Response(await connection.readFrame());
    if (response.errorCode !== 0) throw new Error(`ApiVersions error ${response.errorCode}`);
    return response.apiKeys;
  } finally {
    connection.close();
  }
}

function int16String(value: string | null): Buffer {
  if (value === null) {
    const nil = Buffer.alloc(2);
    nil.writeInt16BE(-1);
    return nil;
  }
  const bytes = Buffer.from(value, 'utf8');
  const out = Buffer.alloc(2 + bytes.length);
  out.writeInt16BE(bytes.length);
  bytes.copy(out, 2);
  return out;
}

function int32(value: number): Buffer {
  const out = Buffer.alloc(4);
  out.writeInt32BE(value);
  return out;
}

function int16(value: number): Buffer {
  const out = Buffer.alloc(2);
  out.writeInt16BE(value);
  return out;
}

/** Produce v7 (non-flexible): one topic, one partition, `records` as the partition's record set. */
export function produceRequestV7(correlationId: number, { topic, partition, records, acks = -1, timeoutMs = 10_000 }: {
  topic: string; partition: number; records: Buffer; acks?: number; timeoutMs?: number;
}): Buffer {
  return Buffer.concat([
    requestHeaderV1(0, 7, correlationId),
    int16String(null), // transactionalId
    int16(acks),
    int32(timeoutMs),
    int32(1), int16String(topic),
    int32(1), int32(partition), int32(records.length), records,
  ]);
}

export interface ProducePartitionResult {
  index: number;
  errorCode: number;
  baseOffset: bigint;
  logAppendTimeMs: bigint;
  logStartOffset: bigint;
}

export interface ProduceV7Response {
  correlationId: number;
  topics: Array<{ name: string; partitions: ProducePartitionResult[] }>;
  throttleTimeMs: number;
}

export function parseProduceV7Response(frame: Buffer): ProduceV7Response {
  let position = 0;
  const correlationId = frame.readInt32BE(position); position += 4;
  const topicCount = frame.readInt32BE(position); position += 4;
  const topics: ProduceV7Response['topics'] = [];
  for (let t = 0; t < topicCount; t++) {
    const nameLength = frame.readInt16BE(position); position += 2;
    const name = frame.toString('utf8', position, position + nameLength); position += nameLength;
    const partitionCount = frame.readInt32BE(position); position += 4;
    const partitions: ProducePartitionResult[] = [];
    for (let p = 0; p < partitionCount; p++) {
      partitions.push({
        index: frame.readInt32BE(position),
        errorCode: frame.readInt16BE(position + 4),
        baseOffset: frame.readBigInt64BE(position + 6),
        logAppendTimeMs: frame.readBigInt64BE(position + 14),
        logStartOffset: frame.readBigInt64BE(position + 22),
      });
      position += 30;
    }
    topics.push({ name, partitions });
  }
  const throttleTimeMs = frame.readInt32BE(position); position += 4;
  if (position !== frame.length) throw new Error(`Produce v7 response has ${frame.length - position} trailing bytes`);
  return { correlationId, topics, throttleTimeMs };
}

/** Metadata v1 request for `topics` (null = all topics). */
export function metadataRequestV1(correlationId: number, topics: string[] | null): Buffer {
  const parts = [requestHeaderV1(3, 1, correlationId), int32(topics === null ? -1 : topics.length)];
  for (const topic of topics ?? []) parts.push(int16String(topic));
  return Buffer.concat(parts);
}
