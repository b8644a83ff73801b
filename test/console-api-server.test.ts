/**
 * The console server's own behaviour over real HTTP: --read-only refuses changes with 403, basic
 * auth answers 401 without credentials, bad input is a 400 that says what is wrong (never a crash),
 * the built web app is served (index.html for the app's routes; how to build it when missing),
 * brokers' /metrics become in and out rates, and `samsa console` starts it from the command line.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { main } from '../src/cli/main.ts';
import { runConsoleCommand } from '../src/cli/console.ts';
import { Admin } from '../src/client/index.ts';
import type { ApiErrorBody, ClusterOverview, ConsoleInfo, RateHistory, ResetOffsetsResponse } from '../src/console/api-types.ts';
import { BasicAuth } from '../src/console/server/basic-auth.ts';
import { startConsoleServer, type ConsoleServer } from '../src/console/server/console-server.ts';
import { captureIo } from './helpers/capture-io.ts';
import { makeTempDir, removeTempDir } from './helpers/temp-dir.ts';
import { startTestBroker, type TestBroker } from './helpers/test-broker.ts';
import { waitFor } from './helpers/wait-for.ts';

let broker: TestBroker;
let admin: Admin;
let dir: string;
const servers: ConsoleServer[] = [];

before(async () => {
  broker = await startTestBroker({}, undefined, { silent: true });
  admin = new Admin({ bootstrapServers: [broker.bootstrap] });
  await admin.createTopics([{ topic: 'events', numPartitions: 1 }]);
  await admin.alterConsumerGroupOffsets('idle', [{ topic: 'events', partition: 0, offset: 0 }]);
  dir = await makeTempDir('samsa-console-test-');
});

after(async () => {
  for (const server of servers) await server.close();
  await admin?.close();
  await broker?.close();
  if (broker) await removeTempDir(broker.dataDir);
  if (dir) await removeTempDir(dir);
});

async function start(options: Omit<Parameters<typeof startConsoleServer>[0], 'client' | 'port'> = {}): Promise<ConsoleServer> {
  const server = await startConsoleServer({ client: { bootstrapServers: [broker.bootstrap] }, port: 0, ...options });
  servers.push(server);
  return server;
}

async function send(server: ConsoleServer, path: string, init: RequestInit = {}): Promise<{ status: number; headers: Headers; text: string }> {
  const response = await fetch(`${server.url}${path}`, init);
  return { status: response.status, headers: response.headers, text: await response.text() };
}

const json = (body: unknown): RequestInit => ({ body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });

async function error(server: ConsoleServer, path: string, init: RequestInit = {}): Promise<{ status: number; code: string; message: string }> {
  const { status, text } = await send(server, path, init);
  const { error: body } = JSON.parse(text) as ApiErrorBody;
  return { status, code: body.code, message: body.message };
}

test('--read-only: every change is refused with 403, reading and dry runs still work', async () => {
  const server = await start({ readOnly: true });
  assert.equal((JSON.parse((await send(server, '/api/info')).text) as ConsoleInfo).readOnly, true);
  assert.equal((JSON.parse((await send(server, '/api/cluster')).text) as ClusterOverview).readOnly, true);
  const refused = [
    ['POST', '/api/topics', { name: 'nope' }], ['DELETE', '/api/topics/events', undefined], ['POST', '/api/topics/events/partitions', { count: 2 }],
    ['PATCH', '/api/topics/events/configs', { ops: [{ name: 'retention.ms', op: 'set', value: '1000' }] }],
    ['POST', '/api/topics/events/messages', { value: 'x' }], ['DELETE', '/api/groups/idle', undefined],
    ['POST', '/api/groups/idle/reset-offsets', { allTopics: true, strategy: { type: 'to-latest' }, dryRun: false }],
    ['POST', '/api/acls', { acls: [] }], ['DELETE', '/api/acls', { filters: [] }], ['PUT', '/api/users/bob', { mechanism: 'SCRAM-SHA-256', password: 'x' }],
    ['DELETE', '/api/users/bob', undefined],
  ] as const;
  for (const [method, path, body] of refused) {
    const answer = await error(server, path, { method, ...(body === undefined ? {} : json(body)) });
    assert.deepEqual([answer.status, answer.code], [403, 'READ_ONLY'], `${method} ${path}`);
  }
  const dryRun = await send(server, '/api/groups/idle/reset-offsets', { method: 'POST', ...json({ allTopics: true, strategy: { type: 'to-latest' }, dryRun: true }) });
  assert.equal(dryRun.status, 200);
  assert.equal((JSON.parse(dryRun.text) as ResetOffsetsResponse).dryRun, true);
  assert.equal((await send(server, '/api/topics/events/messages')).status, 200);
  assert.deepEqual((await admin.describeTopics(['events'])).map((t) => t.partitions.length), [1], 'nothing changed');
});

test('basic auth: 401 with a challenge without or with wrong credentials, 200 with a listed user', async () => {
  const hashed = createHash('sha256').update('p:ss:word').digest('hex');
  const server = await start({ basicAuth: BasicAuth.parse(`# console users\nalice:secret\nbob:sha256:${hashed}\n`) });
  const basic = (user: string, password: string) => ({ headers: { authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` } });
  const anonymous = await send(server, '/api/info');
  assert.equal(anonymous.status, 401);
  assert.match(anonymous.headers.get('www-authenticate') ?? '', /^Basic realm="Samsa console"/);
  assert.equal((JSON.parse(anonymous.text) as ApiErrorBody).error.code, 'UNAUTHORIZED');
  assert.equal((await send(server, '/', {})).status, 401, 'the web app too');
  assert.equal((await send(server, '/api/info', basic('alice', 'wrong'))).status, 401);
  assert.equal((await send(server, '/api/info', basic('mallory', 'secret'))).status, 401);
  assert.equal((await send(server, '/api/info', basic('alice', 'secret'))).status, 200);
  assert.equal((await send(server, '/api/info', basic('bob', 'p:ss:word'))).status, 200);
  assert.throws(() => BasicAuth.parse('just-a-name\n'), /line 1/);
});

test('bad input: a 400 (or 404, 405, 413, 415) that says what is wrong, and the server goes on', async () => {
  const server = await start();
  const post = (path: string, body: string, type = 'application/json') => ({ method: 'POST', body, headers: { 'content-type': type } });
  const cases: Array<[string, RequestInit, number, RegExp]> = [
    ['/api/topics', post('/api/topics', '{"name": '), 400, /not valid JSON/],
    ['/api/topics', post('/api/topics', 'name=x', 'application/x-www-form-urlencoded'), 415, /application\/json/],
    ['/api/topics', post('/api/topics', JSON.stringify({ name: 'x', value: 'x'.repeat(1_100_000) })), 413, /limit/],
    ['/api/topics', post('/api/topics', '[]'), 400, /body must be a JSON object/],
    ['/api/topics', post('/api/topics', '{"name": "x", "partitons": 3}'), 400, /unknown field 'partitons'/],
    ['/api/topics', post('/api/topics', '{"name": "x", "partitions": 0}'), 400, /body.partitions must be between 1/],
    ['/api/topics', post('/api/topics', '{"name": "bad/name"}'), 400, /INVALID_TOPIC_EXCEPTION/],
    ['/api/topics/events/messages?limit=0', {}, 400, /limit must be between 1 and 1000/],
    ['/api/topics/events/messages?from=middle', {}, 400, /from must be one of beginning, offset, timestamp, end/],
    ['/api/topics/events/messages?from=offset', {}, 400, /needs query parameter offset/],
    ['/api/topics/events/messages?cursor=garbage', {}, 400, /cursor/],
    ['/api/topics/events/messages?partition=7', {}, 404, /no partition 7/],
    ['/api/topics/events/messages', post('', '{"value": "zz", "valueEncoding": "hex"}'), 400, /body.value is not hex/],
    ['/api/topics/events/messages', post('', '{"key": "k"}'), 400, /body.value is required/],
    ['/api/topics/events/messages', post('', '{"value": "x", "headers": [{"key": 1}]}'), 400, /body.headers\[0\].key must be a string/],
    ['/api/groups/idle/reset-offsets', post('', '{"allTopics": true, "strategy": {"type": "to-datetime", "datetime": "yesterday"}, "dryRun": true}'), 400, /datetime/],
    ['/api/groups/idle/reset-offsets', post('', '{"strategy": {"type": "to-earliest"}, "dryRun": true}'), 400, /topics or body.allTopics/],
    ['/api/topics/events/configs', { method: 'PATCH', ...json({ ops: [{ name: 'retention.ms', op: 'set' }] }) }, 400, /value is required for op 'set'/],
    ['/api/brokers/one', {}, 400, /broker id is a number/],
    ['/api/nothing-here', {}, 404, /no API endpoint/],
    ['/api/topics/events', { method: 'PUT' }, 405, /PUT is not allowed/],
    ['/api/topics/%E0%A4%A', {}, 400, /URL encoding/],
  ];
  for (const [path, init, status, message] of cases) {
    const answer = await error(server, path, init);
    assert.equal(answer.status, status, `${init.method ?? 'GET'} ${path}: ${answer.message}`);
    assert.match(answer.message, message, `${init.method ?? 'GET'} ${path}`);
  }
  assert.equal((await send(server, '/api/info')).status, 200, 'still serving');
});

test('a page of another site cannot use the console: loopback names only, changes from its own origin only', async () => {
  const server = await start();
  const raw = (path: string, method: string, headers: Record<string, string>, body?: string) => new Promise<{ status: number; text: string }>((resolve, reject) => {
    const req = request({ host: server.host, port: server.port, path, method, headers }, (response) => {
      let text = '';
      response.setEncoding('utf8').on('data', (chunk: string) => { text += chunk; }).on('end', () => resolve({ status: response.statusCode ?? 0, text }));
    });
    req.on('error', reject).end(body);
  });
  const rebound = await raw('/api/cluster', 'GET', { host: `attacker.example:${server.port}` });
  assert.equal(rebound.status, 403);
  assert.match(rebound.text, /localhost or 127\.0\.0\.1/);
  assert.equal((await raw('/api/info', 'GET', { host: `localhost:${server.port}` })).status, 200);
  const body = JSON.stringify({ topic: 'x' });
  const crossSite = await raw('/api/topics', 'POST', { host: `127.0.0.1:${server.port}`, origin: 'https://attacker.example', 'content-type': 'application/json' }, body);
  assert.equal(crossSite.status, 403);
  assert.match(crossSite.text, /another origin/);
  const sameSite = await raw('/api/topics/events/partitions', 'POST', { host: `127.0.0.1:${server.port}`, origin: server.url, 'content-type': 'application/json' }, '{"count": 1}');
  assert.equal(sameSite.status, 400, 'the console\'s own page gets through (to the validation)');
});

test('the web app: files from the build, index.html for the app routes, how to build it when missing', async () => {
  const build = join(dir, 'build');
  await mkdir(join(build, 'assets'), { recursive: true });
  await writeFile(join(build, 'index.html'), '<!doctype html><title>Samsa console</title><div id="app"></div>');
  await writeFile(join(build, 'assets', 'app-1234.js'), 'console.log("app")');
  const server = await start({ staticDir: build });
  const index = await send(server, '/');
  assert.deepEqual([index.status, index.headers.get('content-type')], [200, 'text/html; charset=utf-8']);
  assert.match(index.text, /<div id="app">/);
  assert.match(index.headers.get('content-security-policy') ?? '', /default-src 'self'/);
  assert.match((await send(server, '/topics/events')).text, /<div id="app">/, 'a client-side route gets the app');
  const script = await send(server, '/assets/app-1234.js');
  assert.deepEqual([script.status, script.headers.get('content-type'), script.text], [200, 'text/javascript; charset=utf-8', 'console.log("app")']);
  assert.match(script.headers.get('cache-control') ?? '', /immutable/);
  assert.equal((await send(server, '/assets/missing.js')).status, 404);
  // Sent as is (fetch would resolve the dots first): the dots stop at the build's root, so the app answers, not /etc/passwd.
  const escape = await new Promise<string>((resolve, reject) => {
    request({ host: server.host, port: server.port, path: '/..%2F..%2F..%2F..%2Fetc%2Fpasswd' }, (response) => {
      let text = '';
      response.setEncoding('utf8').on('data', (chunk: string) => { text += chunk; }).on('end', () => resolve(text));
    }).on('error', reject).end();
  });
  assert.match(escape, /<div id="app">/);

  const unbuilt = await start({ staticDir: join(dir, 'no-build-here') });
  const page = await send(unbuilt, '/');
  assert.equal(page.status, 503);
  assert.match(page.text, /npm run build:console/);
  assert.equal((await send(unbuilt, '/api/info')).status, 200, 'the API works without the build');
});

test('--metrics-url: the brokers\' byte counters become in and out rates', async () => {
  let scrapes = 0;
  const metrics: Server = createServer((request, response) => {
    scrapes++;
    // Every scrape the broker has taken 1000 more bytes in, 500 out, 10 messages (the aggregate series; per-topic ones are ignored then).
    response.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
    response.end([
      '# TYPE kafka_server_brokertopicmetrics_bytesin_total counter',
      `kafka_server_brokertopicmetrics_bytesin_total ${scrapes * 1000}`,
      `kafka_server_brokertopicmetrics_bytesin_total{topic="events"} ${scrapes * 999_999}`,
      `kafka_server_brokertopicmetrics_bytesout_total ${scrapes * 500}`,
      `kafka_server_brokertopicmetrics_messagesin_total ${scrapes * 10}`,
      '',
    ].join('\n'));
  });
  await new Promise<void>((resolve) => metrics.listen(0, '127.0.0.1', resolve));
  try {
    const url = `http://127.0.0.1:${(metrics.address() as AddressInfo).port}/metrics`;
    const server = await start({ metricsUrls: [url], metricsIntervalMs: 100 });
    const history = await waitFor(async () => {
      const rates = JSON.parse((await send(server, '/api/metrics/rates')).text) as RateHistory;
      return rates.samples.length >= 2 ? rates : null;
    }, 10_000, { what: 'two rate samples' });
    assert.equal(history.metrics, true);
    for (const sample of history.samples) {
      // Each interval added 1000 in, 500 out and 10 messages: the rates keep those proportions.
      assert.ok(sample.bytesInPerSec > 0);
      assert.equal(Math.round(sample.bytesInPerSec / sample.bytesOutPerSec), 2);
      assert.equal(Math.round(sample.bytesInPerSec / sample.messagesInPerSec), 100);
    }
    assert.notEqual((JSON.parse((await send(server, '/api/cluster')).text) as ClusterOverview).rates, null);
  } finally {
    await new Promise((resolve) => metrics.close(resolve));
  }
});

test('samsa console: options as the other tools, serves until shut down', async () => {
  const authFile = join(dir, 'users');
  await writeFile(authFile, 'admin:admin-secret\n');
  const configFile = join(dir, 'client.properties');
  await writeFile(configFile, 'client.id=console-under-test\nrequest.timeout.ms=10000\n');
  const io = captureIo();
  const shutdown = Promise.withResolvers<string>();
  const running = runConsoleCommand([
    '--bootstrap-server', broker.bootstrap, '--port', '0', '--read-only', '--basic-auth-file', authFile, '--command-config', configFile,
  ], io, () => shutdown.promise);
  const url = await waitFor(() => /at (http:\/\/127\.0\.0\.1:\d+)\//.exec(io.out.join(''))?.[1], 10_000, { what: 'the console to print its URL' });
  assert.match(io.out.join(''), /read-only, basic auth/);
  const authorization = `Basic ${Buffer.from('admin:admin-secret').toString('base64')}`;
  const info = (await (await fetch(`${url}/api/info`, { headers: { authorization } })).json()) as ConsoleInfo;
  assert.deepEqual([info.readOnly, info.basicAuth, info.bootstrapServers], [true, true, [broker.bootstrap]]);
  assert.equal((await fetch(`${url}/api/topics`, { method: 'POST', headers: { authorization, 'content-type': 'application/json' }, body: '{"name":"x"}' })).status, 403);
  shutdown.resolve('SIGTERM');
  assert.equal(await running, 0);
  await assert.rejects(fetch(`${url}/api/info`), 'closed after the signal');

  const usage = captureIo();
  assert.equal(await main(['console', '--port', '8080'], usage), 2);
  assert.match(usage.err.join(''), /missing required option --bootstrap-server/);
  const help = captureIo();
  assert.equal(await main(['console', '--help'], help), 0);
  assert.match(help.out.join(''), /--read-only/);
});
