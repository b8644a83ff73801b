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
 *     `--concurrency` requests are kept in flight on keep-alive connections (node:http's Agent,
 *     fresh for each row).
 * Each row runs for `--seconds` and reports requests (or calls) per second.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { Agent, request as httpRequest } from 'node:http';
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

/** One request on `agent`'s keep-alive connections; throws unless the registry answers 200. */
function request(agent: Agent, baseUrl: string, method: string, path: string, body?: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const headers = { accept: CONTENT_TYPE, ...(body === undefined ? {} : { 'content-type': CONTENT_TYPE, 'content-length': Buffer.byteLength(body) }) };
    const outgoing = httpRequest(`${baseUrl}${path}`, { method, agent, headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        if (response.statusCode === 200) resolve();
        else reject(new Error(`${method} ${path}: ${response.statusCode} ${Buffer.concat(chunks).toString()}`));
      });
      response.on('error', reject);
    });
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

async function startRegistryProcess(bootstrap: string): Promise<{ url: string; output(): string; stop(): Promise<void> }> {
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
    output: () => output,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}

const format = (n: number): string => Math.round(n).toLocaleString('en-US');
const rows: string[][] = [];
const row = (what: string, concurrency: number, perSecond: number): void => {
  rows.push([what, String(concurrency), format(perSecond)]);
  process.stderr.write(`${what}, ${concurrency} in flight: ${format(perSecond)}/s\n`);
};

await withBenchBroker('samsa-bench-registry-', {}, async (broker) => {
  const registry = await startRegistryProcess(broker.bootstrap);
  try {
    const ids: number[] = [];
    const setup = new SchemaRegistryClient({ baseUrls: registry.url });
    for (let i = 0; i < schemaCount; i++) ids.push(await setup.register(subjectOf(i), schemaOf(i)));

    const schemas = Array.from({ length: schemaCount }, (_, i) => schemaOf(i));
    // (b) Over HTTP, uncached: each call is a request the registry answers from its state. Each row
    // has keep-alive connections of its own (one per request in flight), so none left idle past the
    // server's keep-alive timeout by an earlier row is reused.
    const bodies = schemas.map((s) => JSON.stringify(s));
    const getById = (agent: Agent) => (n: number) => request(agent, registry.url, 'GET', `/schemas/ids/${ids[n % schemaCount]}`);
    const lookup = (agent: Agent) => (n: number) => request(agent, registry.url, 'POST', `/subjects/${subjectOf(n % schemaCount)}`, bodies[n % schemaCount]);
    const httpRate = async (concurrency: number, work: (agent: Agent) => (n: number) => Promise<void>): Promise<number> => {
      const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
      try {
        return await rate(concurrency, work(agent));
      } finally {
        agent.destroy();
      }
    };
    // Warm the registry's JIT before timing.
    await httpRate(Math.max(...concurrencies), getById);
    await httpRate(Math.max(...concurrencies), lookup);
    for (const concurrency of concurrencies) {
      row('HTTP GET /schemas/ids/{id}', concurrency, await httpRate(concurrency, getById));
      row('HTTP POST /subjects/{s} (lookup)', concurrency, await httpRate(concurrency, lookup));
    }

    // (a) A warm client: every id, registration and lookup asked once before timing.
    let httpRequests = 0;
    const client = new SchemaRegistryClient({ baseUrls: registry.url, fetch: (input, init) => { httpRequests++; return fetch(input, init); } });
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
    for (const [what, work] of cached) row(what, 1, await rate(1, work));
    if (httpRequests !== warm) throw new Error(`the warm client sent ${httpRequests - warm} HTTP requests while timed`);
  } catch (error) {
    process.stderr.write(`--- samsa schema-registry output ---\n${registry.output()}\n`);
    throw error;
  } finally {
    await registry.stop();
  }
});

console.log(`\nSchema registry lookups: ${schemaCount} Avro schemas (10 fields), ${seconds} s per row, Node ${process.version}\n`);
printTable(['lookup', 'in flight', 'per second'], rows, new Set([0]));
