/**
 * A small real TCP server that stands in for a broker in tests of the controller: it speaks
 * Kafka's framing, answers ApiVersions, records every LeaderAndIsr, UpdateMetadata and StopReplica
 * it gets (and answers them with no error), and hands AlterPartition and ControlledShutdown to the
 * real handlers over the controller it is given, so the broker-to-controller path runs end to end.
 */
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { alterPartitionHandler } from '../../src/broker/handlers/alter-partition.ts';
import { controlledShutdownHandler } from '../../src/broker/handlers/controlled-shutdown.ts';
import type { ApiHandler, RequestContext } from '../../src/broker/handlers/handler.ts';
import type { BrokerContext } from '../../src/broker/broker-context.ts';
import type { KafkaController } from '../../src/broker/cluster/controller/kafka-controller.ts';
import { ApiKey } from '../../src/protocol/generated/api-keys.ts';
import { apiVersionsRequest, apiVersionsResponse } from '../../src/protocol/generated/api-versions.ts';
import { leaderAndIsrRequest, leaderAndIsrResponse, type LeaderAndIsrRequest } from '../../src/protocol/generated/leader-and-isr.ts';
import { requestHeader, requestHeaderVersion } from '../../src/protocol/generated/request-header.ts';
import { responseHeader, responseHeaderVersion } from '../../src/protocol/generated/response-header.ts';
import { stopReplicaRequest, stopReplicaResponse, type StopReplicaRequest } from '../../src/protocol/generated/stop-replica.ts';
import { updateMetadataRequest, updateMetadataResponse, type UpdateMetadataRequest } from '../../src/protocol/generated/update-metadata.ts';
import type { MessageCodec } from '../../src/protocol/primitives/message-codec.ts';
import { Reader } from '../../src/protocol/primitives/reader.ts';
import { Writer } from '../../src/protocol/primitives/writer.ts';
import { ANONYMOUS } from '../../src/broker/security/kafka-principal.ts';

export type RecordedRequest =
  | { readonly api: 'LeaderAndIsr'; readonly version: number; readonly body: LeaderAndIsrRequest }
  | { readonly api: 'UpdateMetadata'; readonly version: number; readonly body: UpdateMetadataRequest }
  | { readonly api: 'StopReplica'; readonly version: number; readonly body: StopReplicaRequest };

export interface RecordingBroker {
  readonly host: string;
  readonly port: number;
  /** Every controller request received, in arrival order. */
  readonly requests: RecordedRequest[];
  /** What AlterPartition and ControlledShutdown are handed to (this broker's controller). */
  controller: KafkaController | undefined;
  /** Cuts every open connection, as a network failure would. */
  dropConnections(): void;
  close(): Promise<void>;
}

const RECORDED: ReadonlyMap<number, { name: RecordedRequest['api']; request: MessageCodec<unknown>; response: MessageCodec<unknown>; maxVersion: number }> = new Map([
  [ApiKey.LeaderAndIsr, { name: 'LeaderAndIsr' as const, request: leaderAndIsrRequest as MessageCodec<unknown>, response: leaderAndIsrResponse as MessageCodec<unknown>, maxVersion: 7 }],
  [ApiKey.UpdateMetadata, { name: 'UpdateMetadata' as const, request: updateMetadataRequest as MessageCodec<unknown>, response: updateMetadataResponse as MessageCodec<unknown>, maxVersion: 8 }],
  [ApiKey.StopReplica, { name: 'StopReplica' as const, request: stopReplicaRequest as MessageCodec<unknown>, response: stopReplicaResponse as MessageCodec<unknown>, maxVersion: 4 }],
]);
const FORWARDED: ReadonlyMap<number, ApiHandler> = new Map<number, ApiHandler>([
  [ApiKey.AlterPartition, alterPartitionHandler],
  [ApiKey.ControlledShutdown, controlledShutdownHandler],
]);

export async function startRecordingBroker(): Promise<RecordingBroker> {
  const sockets = new Set<Socket>();
  const requests: RecordedRequest[] = [];
  const broker: RecordingBroker = {
    host: '127.0.0.1',
    port: 0,
    requests,
    controller: undefined,
    dropConnections: () => { for (const socket of sockets) socket.destroy(); },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    let buffered = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      while (buffered.length >= 4 && buffered.length >= 4 + buffered.readInt32BE(0)) {
        const frame = buffered.subarray(4, 4 + buffered.readInt32BE(0));
        buffered = buffered.subarray(4 + frame.length);
        void answer(frame).then((response) => {
          const size = Buffer.alloc(4);
          size.writeInt32BE(response.length);
          socket.write(Buffer.concat([size, response]));
        });
      }
    });
  });

  async function answer(frame: Buffer): Promise<Buffer> {
    const apiKey = frame.readInt16BE(0);
    const version = frame.readInt16BE(2);
    const reader = new Reader(frame);
    const header = requestHeader.decode(reader, requestHeaderVersion(apiKey, version));
    const writer = new Writer();
    responseHeader.encode(writer, { correlationId: header.correlationId }, responseHeaderVersion(apiKey, version));
    if (apiKey === ApiKey.ApiVersions) {
      apiVersionsRequest.decode(reader, version);
      const apiKeys = [
        { apiKey: ApiKey.ApiVersions, minVersion: 0, maxVersion: 3 },
        ...[...RECORDED].map(([key, api]) => ({ apiKey: key, minVersion: 0, maxVersion: api.maxVersion })),
        ...[...FORWARDED].map(([key, handler]) => ({ apiKey: key, minVersion: handler.minVersion, maxVersion: handler.maxVersion })),
      ];
      apiVersionsResponse.encode(writer, { errorCode: 0, apiKeys, throttleTimeMs: 0 }, version);
    } else if (RECORDED.has(apiKey)) {
      const api = RECORDED.get(apiKey)!;
      const body = api.request.decode(reader, version);
      requests.push({ api: api.name, version, body } as RecordedRequest);
      api.response.encode(writer, successFor(api.name, body, version), version);
    } else {
      const handler = FORWARDED.get(apiKey);
      if (handler === undefined) throw new Error(`the recording broker does not serve API ${apiKey}`);
      const context = { apiVersion: version, correlationId: header.correlationId, clientId: '', connectionId: '', listenerName: 'PLAINTEXT', session: { principal: ANONYMOUS, clientAddress: '127.0.0.1', listenerName: 'PLAINTEXT', securityProtocol: 'PLAINTEXT' }, broker: { controller: broker.controller } as unknown as BrokerContext } satisfies RequestContext;
      handler.response.encode(writer, await handler.handle(handler.request.decode(reader, version), context), version);
    }
    return Buffer.concat(writer.toBuffers());
  }

  await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: 0 }, resolve));
  return Object.assign(broker, { port: (server.address() as AddressInfo).port });
}

function successFor(api: RecordedRequest['api'], body: unknown, version: number): unknown {
  if (api === 'UpdateMetadata') return { errorCode: 0 };
  if (api === 'StopReplica') {
    const request = body as StopReplicaRequest;
    const partitionErrors = (request.topicStates ?? []).flatMap((t) => t.partitionStates.map((p) => ({ topicName: t.topicName, partitionIndex: p.partitionIndex, errorCode: 0 })));
    return { errorCode: 0, partitionErrors };
  }
  const request = body as LeaderAndIsrRequest;
  const states = request.topicStates ?? [];
  if (version >= 5) {
    return { errorCode: 0, topics: states.map((t) => ({ topicId: t.topicId, partitionErrors: t.partitionStates.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: 0 })) })) };
  }
  return { errorCode: 0, partitionErrors: states.flatMap((t) => t.partitionStates.map((p) => ({ topicName: t.topicName, partitionIndex: p.partitionIndex, errorCode: 0 }))) };
}
