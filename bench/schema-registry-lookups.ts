/**
 * Schema registry lookups per second: `node bench/schema-registry-lookups.ts [--schemas 100]
 * [--seconds 3] [--concurrency 1,16]`.
 *
 * (a) Our client with a warm cache, as a producer's serializer and a consumer's deserializer use it:
 *     getSchemaById, register and lookup of schemas already asked for. No HTTP (checked: a counting
 *     fetch must see no request while timed); what is timed is the cache key and the map lookup.
 * (b) Our registry over HTTP, nothing cached on the caller's side: GET /schemas/ids/{id} and
 *     POST /subjects/{s} (is this schema registered?) against `samsa schema-registry` running as its
 *     own process (so the load generator does not share its event loop) over a broker process.
 *     `--concurrency` requests are kept in flight on keep-alive connections.
 * Each row runs for `--seconds` and reports requests (or calls) per second.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { SchemaRegistryClient, type RegistrySchema } from '../src/client/schema-registry/index.ts';
import { withBenchBroker } from './bench-broker.ts';
import { printTable } from './table.ts';

const { values } = parseArgs({ options: { schemas: { type: 'string', default: '100' }, seconds: { type: 'string', default: '3' }, concurrency: { type: 'string', default: '1,16' } } });
const schemaCount = Number(values.schemas);
const seconds = Number(values.seconds);
const concurrencies = values.concurrency.split(',').map(Number);
const CONTENT_TYPE = 'application/vnd.schemaregistry.v1+json';
const SAMSA_BIN = join(import.meta.dirname, '..', 'bin', 'samsa.js');

/** Schema i: a record of 10 fields, distinct per i. */
function schemaOf(i: number): RegistrySchema {
  const fields = Array.from({ length: 10 }, (_, f) => ({ name: `field${f}`, type: f % 2 === 0 ? 'string' : 'long' }));
  return { schema: JSON.stringify({ type: 'record', name: `Event${i}`, namespace: 'bench.lookups', fields }), schemaType: 'AVRO' };
}
const subjectOf = (i: number): string => `bench-lookups-${i}-value`;

/** Calls `work(n)` back to back from `concurrency` loops for `seconds`; calls per second. */
async function rate(concurrency: number, work: (n: number) => Promise<unknown>): Promise<number> {
  const deadline = performance.now() + seconds * 1000;
  let calls = 0;
  const start = performance.now();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (performance.now() < deadline) await work(calls++);
  }));
  return calls / ((performance.now() - start) / 1000);
}

async function startRegistryProcess(bootstrap: string): Promise<{ url: string; stop(): Promise<void> }> {
  const child = spawn(process.execPath, [SAMSA_BIN, 'schema-registry', '--bootstrap-server', bootstrap, '--listeners', 'http://127.0.0.1:0', '--replication-factor', '1'], {
    stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, SAMSA_LOG_LEVEL: 'warn' },
  });
  let output = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => { output += chunk; });
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
      const found = /Samsa schema registry at (http:\/\/\S+?)\/? for/.exec(output);
      if (found) resolve(found[1]!);
    });
    child.once('exit', (code) => reject(new Error(`samsa schema-registry exited (${code}):\n${output}`)));
  });
  return {
    url,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}

const format = (n: number): string => Math.round(n).toLocaleString('en-US');
const rows: string[][] = [];

await withBenchBroker('samsa-bench-registry-', {}, async (broker) => {
  const registry = await startRegistryProcess(broker.bootstrap);
  try {
    const ids: number[] = [];
    const setup = new SchemaRegistryClient({ baseUrls: registry.url });
    for (let i = 0; i < schemaCount; i++) ids.push(await setup.register(subjectOf(i), schemaOf(i)));

    // (a) A warm client: every id, registration and lookup asked once before timing.
    let httpRequests = 0;
    const client = new SchemaRegistryClient({ baseUrls: registry.url, fetch: (input, init) => { httpRequests++; return fetch(input, init); } });
    const schemas = Array.from({ length: schemaCount }, (_, i) => schemaOf(i));
    for (let i = 0; i < schemaCount; i++) {
      await client.getSchemaById(ids[i]!);
      await client.register(subjectOf(i), schemas[i]!);
      await client.lookup(subjectOf(i), schemas[i]!);
    }
    const warm = httpRequests;
    const cached: Array<[string, (n: number) => Promise<unknown>]> = [
      ['client getSchemaById (deserializer), cached', (n) => client.getSchemaById(ids[n % schemaCount]!)],
      ['client register (serializer), cached', (n) => client.register(subjectOf(n % schemaCount), schemas[n % schemaCount]!)],
      ['client lookup (serializer, auto.register off), cached', (n) => client.lookup(subjectOf(n % schemaCount), schemas[n % schemaCount]!)],
    ];
    for (const [what, work] of cached) rows.push([what, '1', format(await rate(1, work))]);
    if (httpRequests !== warm) throw new Error(`the warm client sent ${httpRequests - warm} HTTP requests while timed`);

    // (b) Over HTTP, uncached: each call is a request the registry answers from its state.
    const getById = async (n: number): Promise<void> => {
      const response = await fetch(`${registry.url}/schemas/ids/${ids[n % schemaCount]}`, { headers: { accept: CONTENT_TYPE } });
      if (response.status !== 200) throw new Error(`GET /schemas/ids: ${response.status} ${await response.text()}`);
      await response.arrayBuffer();
    };
    const bodies = schemas.map((s) => JSON.stringify(s));
    const lookup = async (n: number): Promise<void> => {
      const response = await fetch(`${registry.url}/subjects/${subjectOf(n % schemaCount)}`, {
        method: 'POST', headers: { 'content-type': CONTENT_TYPE, accept: CONTENT_TYPE }, body: bodies[n % schemaCount]!,
      });
      if (response.status !== 200) throw new Error(`POST /subjects: ${response.status} ${await response.text()}`);
      await response.arrayBuffer();
    };
    // Warm the connections and the registry's JIT before timing.
    await rate(Math.max(...concurrencies), getById);
    await rate(Math.max(...concurrencies), lookup);
    for (const concurrency of concurrencies) {
      rows.push(['HTTP GET /schemas/ids/{id}', String(concurrency), format(await rate(concurrency, getById))]);
      rows.push(['HTTP POST /subjects/{s} (lookup)', String(concurrency), format(await rate(concurrency, lookup))]);
    }
  } finally {
    await registry.stop();
  }
});

console.log(`\nSchema registry lookups: ${schemaCount} Avro schemas (10 fields), ${seconds} s per row, Node ${process.version}\n`);
printTable(['lookup', 'in flight', 'per second'], rows, new Set([0]));
