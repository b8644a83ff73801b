/**
 * Avro serialize and deserialize speed, ours against @kafkajs/confluent-schema-registry's:
 * `node bench/schema-registry-serde.ts [--records 200000] [--rounds 5]`.
 *
 * Both sides register the same 10-field record schema with a loopback stub registry and warm their
 * caches, so what is timed is the work per record a producer or consumer pays: the Avro encoding,
 * the wire-format header, the cache lookups and the promise each call returns (each record awaited
 * in turn, as a producer's serializer is). The rounds alternate the two sides so that neither gets
 * the machine's warmer moments; the best round of each is reported, with the median beside it.
 */
import { parseArgs } from 'node:util';
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { AvroDeserializer, AvroSerializer, SchemaRegistryClient } from '../src/client/index.ts';
import { startStubRegistry } from '../src/client/schema-registry/stub-registry-test-harness.ts';
import { printTable } from './table.ts';

const { values } = parseArgs({ options: { records: { type: 'string', default: '200000' }, rounds: { type: 'string', default: '5' } } });
const records = Number(values.records);
const rounds = Number(values.rounds);

const schema = {
  type: 'record', name: 'PageView', namespace: 'bench.samsa',
  fields: [
    { name: 'id', type: 'long' }, { name: 'userId', type: 'string' }, { name: 'url', type: 'string' },
    { name: 'referrer', type: ['null', 'string'], default: null }, { name: 'durationMs', type: 'int' },
    { name: 'score', type: 'double' }, { name: 'bounced', type: 'boolean' }, { name: 'country', type: 'string' },
    { name: 'timestamp', type: 'long' }, { name: 'sessionId', type: 'string' },
  ],
};
const distinct = 1000;
const values_ = Array.from({ length: distinct }, (_, i) => ({
  id: i, userId: `user-${i % 97}`, url: `https://example.com/page/${i}?q=${i * 7}`, referrer: i % 3 === 0 ? null : 'https://search.example',
  durationMs: i * 13 % 60000, score: i / 7, bounced: i % 2 === 0, country: ['NL', 'DE', 'US', 'JP'][i % 4]!,
  timestamp: 1_700_000_000_000 + i, sessionId: `s-${(i * 2654435761 >>> 0).toString(16)}`,
}));

type Side = { name: string; serialize: (value: unknown) => Promise<Buffer>; deserialize: (data: Buffer) => Promise<unknown> };

async function timeRecordsPerSecond(work: (i: number) => Promise<unknown>): Promise<number> {
  const start = process.hrtime.bigint();
  for (let i = 0; i < records; i++) await work(i);
  return records / (Number(process.hrtime.bigint() - start) / 1e9);
}

const registry = await startStubRegistry();
try {
  const client = new SchemaRegistryClient({ baseUrls: registry.url });
  const ourSerializer = new AvroSerializer(client, { schema });
  const ourDeserializer = new AvroDeserializer(client);
  const kafkajs = new SchemaRegistry({ host: registry.url });
  const { id } = await kafkajs.register({ type: SchemaType.AVRO, schema: JSON.stringify(schema) }, { subject: 'page-views-value' });
  const sides: Side[] = [
    { name: 'samsa', serialize: (value) => ourSerializer.serialize('page-views', value), deserialize: (data) => ourDeserializer.deserialize('page-views', data) },
    { name: '@kafkajs/confluent-schema-registry', serialize: (value) => kafkajs.encode(id, value), deserialize: (data) => kafkajs.decode(data) },
  ];
  // Warm caches and JIT, and check both write the same bytes before timing anything.
  const encoded = new Map<string, Buffer[]>();
  for (const side of sides) {
    const buffers: Buffer[] = [];
    for (let i = 0; i < distinct; i++) buffers.push(await side.serialize(values_[i]));
    for (let i = 0; i < 20_000; i++) await side.deserialize(buffers[i % distinct]!);
    encoded.set(side.name, buffers);
  }
  const [ours, theirs] = [encoded.get(sides[0]!.name)!, encoded.get(sides[1]!.name)!];
  if (!ours.every((bytes, i) => bytes.equals(theirs[i]!))) throw new Error('the two sides wrote different bytes');
  const requestsBefore = registry.requests.length;

  const results = new Map<string, { serialize: number[]; deserialize: number[] }>(sides.map((side) => [side.name, { serialize: [], deserialize: [] }]));
  for (let round = 0; round < rounds; round++) {
    for (const side of round % 2 === 0 ? sides : [...sides].reverse()) {
      const buffers = encoded.get(side.name)!;
      results.get(side.name)!.serialize.push(await timeRecordsPerSecond((i) => side.serialize(values_[i % distinct])));
      results.get(side.name)!.deserialize.push(await timeRecordsPerSecond((i) => side.deserialize(buffers[i % distinct]!)));
    }
  }
  if (registry.requests.length !== requestsBefore) throw new Error('a warm side asked the registry during the timed rounds');

  const best = (xs: number[]) => Math.max(...xs);
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const format = (n: number) => Math.round(n).toLocaleString('en-US');
  console.log(`Avro, 10-field record (${ours.reduce((sum, b) => sum + b.length, 0) / distinct | 0} bytes on average), ${records.toLocaleString('en-US')} records per round, ${rounds} rounds, records/s (best, median)\n`);
  const rows = sides.map((side) => {
    const r = results.get(side.name)!;
    return [side.name, format(best(r.serialize)), format(median(r.serialize)), format(best(r.deserialize)), format(median(r.deserialize))];
  });
  const [a, b] = [results.get(sides[0]!.name)!, results.get(sides[1]!.name)!];
  rows.push(['ratio samsa / kafkajs', (best(a.serialize) / best(b.serialize)).toFixed(2), (median(a.serialize) / median(b.serialize)).toFixed(2),
    (best(a.deserialize) / best(b.deserialize)).toFixed(2), (median(a.deserialize) / median(b.deserialize)).toFixed(2)]);
  printTable(['', 'serialize best', 'serialize median', 'deserialize best', 'deserialize median'], rows, new Set([0]));
} finally {
  await registry.close();
}
