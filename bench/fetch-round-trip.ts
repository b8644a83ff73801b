/**
 * What one Fetch round trip costs a consumer that waits for each response: `node bench/fetch-round-trip.ts`.
 *
 * A broker child process gets `--round-trip-records` (20,000) records of 1 KiB in batches of 100
 * (100 KiB), then one connection sends Fetch after Fetch, each for the next batch (partitionMaxBytes
 * 1, so KIP-74's one whole batch), one at a time, over all of them `--round-trip-passes` (10) times:
 * - tail: the broker appended the data itself a moment ago, so it reads it on the event loop;
 * - after a restart: the same data, still in the page cache, but the restarted broker did not
 *   append it, so each read takes a trip to libuv's thread pool and back.
 * The difference between the rows is what that trip adds to every round trip.
 */
import { parseArgs } from 'node:util';
import { startBrokerProcess } from '../test/helpers/test-broker.ts';
import { KafkaApiClient } from '../test/helpers/kafka-api-client.ts';
import { Api, batchOf, createTopic, fetchBody, produce } from '../test/helpers/kafka-apis.ts';
import { withBenchBroker } from './bench-broker.ts';
import { summarize, type LatencySummary } from './latency-stats.ts';
import { printTable } from './table.ts';

const TOPIC = 'round-trip';
const RECORDS_PER_BATCH = 100;
const VALUE = 'x'.repeat(1024);

/** Fetches every batch in turn, `passes` times: each round trip's time in ms. */
async function roundTrips(client: KafkaApiClient, batches: number, passes: number): Promise<number[]> {
  const samples: number[] = [];
  for (let pass = 0; pass < passes; pass++) {
    for (let batch = 0; batch < batches; batch++) {
      const start = process.hrtime.bigint();
      const response = await client.call(Api.fetch, 12, fetchBody({ topic: TOPIC, fetchOffset: BigInt(batch * RECORDS_PER_BATCH), partitionMaxBytes: 1 }));
      samples.push(Number(process.hrtime.bigint() - start) / 1e6);
      if ((response.responses[0]?.partitions[0]?.records?.length ?? 0) < RECORDS_PER_BATCH * VALUE.length) throw new Error(`batch ${batch} came back short`);
    }
  }
  return samples;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { 'round-trip-records': { type: 'string' }, 'round-trip-passes': { type: 'string' } } });
  const batches = Math.ceil(Number(values['round-trip-records'] ?? 20_000) / RECORDS_PER_BATCH);
  const passes = Number(values['round-trip-passes'] ?? 10);
  const rows: [string, LatencySummary | null][] = [];
  await withBenchBroker('samsa-round-trip-bench-', {}, async (broker) => {
    const client = await KafkaApiClient.open(broker.host, broker.port);
    try {
      await createTopic(client, TOPIC, {});
      for (let batch = 0; batch < batches; batch++) await produce(client, TOPIC, 0, batchOf(Array.from({ length: RECORDS_PER_BATCH }, () => VALUE)));
      rows.push(['tail (appended by this broker)', summarize(await roundTrips(client, batches, passes))]);
    } finally {
      client.close();
    }
    await broker.stop();
    const restarted = await startBrokerProcess(broker.dataDir);
    const again = await KafkaApiClient.open(restarted.host, restarted.port);
    try {
      rows.push(['after a restart (page cache, thread pool)', summarize(await roundTrips(again, batches, passes))]);
    } finally {
      again.close();
      await restarted.stop();
    }
  });
  const us = (ms: number | undefined): string => (ms === undefined ? '-' : (ms * 1000).toFixed(0));
  printTable(['read', 'round trips', 'avg µs', 'p50 µs', 'p99 µs'],
    rows.map(([read, summary]) => [read, (summary?.samples ?? 0).toLocaleString('en-US'), us(summary?.avg), us(summary?.p50), us(summary?.p99)]), new Set([0]));
}

if (import.meta.main) await main();
