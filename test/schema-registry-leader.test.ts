/**
 * Several registry instances over one `_schemas`: they elect a leader through the group protocol
 * (group `schema-registry`, protocol type "sr", as Confluent's), the others forward writes to it.
 * A write through either instance is seen by both with the same id; errors come back as the
 * leader answered them; with no eligible leader writes answer 50004; a leader killed with SIGKILL
 * is replaced after the session timeout; and restarting both keeps every id.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Admin } from '../src/client/index.ts';
import { startSchemaRegistryServer, type SchemaRegistryServer } from '../src/registry/schema-registry-server.ts';
import { REPO_ROOT, startTestBroker, type TestBroker } from './helpers/test-broker.ts';
import { waitFor } from './helpers/wait-for.ts';

let broker: TestBroker;
// Short sessions keep a dead leader's replacement quick; the broker must allow them.
const SESSION_TIMEOUT_MS = 1_500;

before(async () => {
  broker = await startTestBroker({ 'group.initial.rebalance.delay.ms': '0', 'group.min.session.timeout.ms': '500' }, undefined, { silent: true });
});

after(async () => {
  await broker.close();
});

const JSON_TYPE = { 'content-type': 'application/vnd.schemaregistry.v1+json' };

async function call(url: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const response = await fetch(url + path, { method, headers: JSON_TYPE, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  return { status: response.status, body: await response.json() };
}

const register = (url: string, subject: string, schema: string) => call(url, 'POST', `/subjects/${subject}/versions`, { schema });

function startInstance(group: string, topic: string, extra: { leaderEligibility?: boolean } = {}): Promise<SchemaRegistryServer> {
  return startSchemaRegistryServer({
    client: { bootstrapServers: [broker.bootstrap] }, listener: 'http://127.0.0.1:0', topic, groupId: group,
    sessionTimeoutMs: SESSION_TIMEOUT_MS, ...extra,
  });
}

/** Waits until every instance names the same leader, and returns the leader and the others. */
async function settled(servers: readonly SchemaRegistryServer[]): Promise<{ leader: SchemaRegistryServer; followers: SchemaRegistryServer[] }> {
  return waitFor(() => {
    const leaders = servers.filter((s) => s.registry.isLeader);
    if (leaders.length !== 1 || !servers.every((s) => s.registry.leaderUrl === leaders[0]!.url)) return undefined;
    return { leader: leaders[0]!, followers: servers.filter((s) => s !== leaders[0]) };
  }, 30_000, { what: 'one leader that every instance knows' });
}

test('two instances: one leads; a write through either is seen by both with the same id; the leader\'s errors are relayed', { timeout: 60_000 }, async () => {
  const a = await startInstance('sr-two', '_schemas_two');
  const b = await startInstance('sr-two', '_schemas_two');
  try {
    const { leader, followers: [follower] } = await settled([a, b]);
    // Through the follower: forwarded, and readable through the follower as soon as it answers.
    const viaFollower = await register(follower!.url, 'orders-value', '"string"');
    assert.equal(viaFollower.status, 200, JSON.stringify(viaFollower.body));
    for (const server of [follower!, leader]) {
      assert.deepEqual((await call(server.url, 'GET', '/subjects/orders-value/versions/1')).body, { subject: 'orders-value', version: 1, id: viaFollower.body.id, schema: '"string"' });
    }
    // Through the leader: seen by the follower once it has read the log that far.
    const viaLeader = await register(leader.url, 'payments-value', '"long"');
    assert.equal(viaLeader.status, 200);
    assert.notEqual(viaLeader.body.id, viaFollower.body.id);
    await waitFor(async () => (await call(follower!.url, 'GET', '/subjects/payments-value/versions/1')).status === 200, 10_000, { what: 'the follower to read the leader\'s write' });
    assert.equal((await call(follower!.url, 'GET', '/subjects/payments-value/versions/1')).body.id, viaLeader.body.id);
    // The same schema through the follower in another subject: the leader's id for it.
    assert.deepEqual((await register(follower!.url, 'copy-value', '"long"')).body, { id: viaLeader.body.id });
    // Config and deletes go through the leader too.
    assert.deepEqual((await call(follower!.url, 'PUT', '/config/orders-value', { compatibility: 'FULL' })).body, { compatibility: 'FULL' });
    assert.deepEqual((await call(follower!.url, 'GET', '/config/orders-value')).body, { compatibilityLevel: 'FULL' });
    assert.deepEqual((await call(leader.url, 'GET', '/config/orders-value')).body, { compatibilityLevel: 'FULL' });
    assert.deepEqual((await call(follower!.url, 'DELETE', '/subjects/copy-value')).body, [1]);
    assert.deepEqual((await call(follower!.url, 'GET', '/subjects')).body, ['orders-value', 'payments-value']);

    // The leader's refusals come back as it answered them.
    const invalid = await register(follower!.url, 'orders-value', '{"type":"nope"}');
    assert.equal(invalid.status, 422);
    assert.equal(invalid.body.error_code, 42201);
    const incompatible = await register(follower!.url, 'orders-value', '"int"');
    assert.equal(incompatible.status, 409);
    assert.equal(incompatible.body.error_code, 409);
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
});

test('leader.eligibility=false never leads: alone it answers writes 50004 (reads still work); with an eligible instance it forwards to it', { timeout: 60_000 }, async () => {
  const ineligible = await startInstance('sr-eligibility', '_schemas_eligibility', { leaderEligibility: false });
  let eligible: SchemaRegistryServer | undefined;
  try {
    assert.equal(ineligible.registry.leaderUrl, null);
    const refused = await register(ineligible.url, 'early-value', '"string"');
    assert.equal(refused.status, 500);
    assert.equal(refused.body.error_code, 50004);
    assert.deepEqual((await call(ineligible.url, 'GET', '/subjects')).body, []);

    eligible = await startInstance('sr-eligibility', '_schemas_eligibility');
    const { leader } = await settled([ineligible, eligible]);
    assert.equal(leader, eligible);
    const written = await register(ineligible.url, 'early-value', '"string"');
    assert.equal(written.status, 200);
    assert.equal((await call(eligible.url, 'GET', '/subjects/early-value/versions/1')).body.id, written.body.id);

    // The leader leaves (closes): nobody eligible is left, and writes are refused again.
    await eligible.close();
    eligible = undefined;
    await waitFor(() => ineligible.registry.leaderUrl === null, 30_000, { what: 'the leader to be gone' });
    assert.equal((await register(ineligible.url, 'late-value', '"string"')).body.error_code, 50004);
  } finally {
    await Promise.all([ineligible.close(), eligible?.close()]);
  }
});

interface RegistryProcess {
  readonly child: ChildProcess;
  readonly url: string;
  /** Everything it wrote to stderr so far. */
  stderr(): string;
}

async function startProcess(group: string, topic: string, extraArgs: readonly string[] = []): Promise<RegistryProcess> {
  const child = spawn(process.execPath, [
    join(REPO_ROOT, 'src', 'cli', 'main.ts'), 'schema-registry', '--bootstrap-server', broker.bootstrap, '--listeners', 'http://127.0.0.1:0',
    '--topic', topic, '--group-id', group, '--session-timeout-ms', String(SESSION_TIMEOUT_MS), ...extraArgs,
  ], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk; });
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      const found = /at (http:\/\/127\.0\.0\.1:\d+)\//.exec(stdout);
      if (found) resolve(found[1]!);
    });
    child.once('exit', (code) => reject(new Error(`exited ${code} before serving: ${stdout}${stderr}`)));
  });
  return { child, url, stderr: () => stderr };
}

async function kill(registry: RegistryProcess): Promise<void> {
  if (registry.child.exitCode !== null || registry.child.signalCode !== null) return;
  const exited = once(registry.child, 'exit');
  registry.child.kill('SIGKILL');
  await exited;
}

/** The leader a process last logged: its URL, from "leader is URL". */
function loggedLeader(registry: RegistryProcess): string | null {
  const found = [...registry.stderr().matchAll(/leader is (http:\/\/\S+)|no leader is eligible/g)].at(-1);
  return found?.[1] ?? null;
}

test('samsa schema-registry processes: the leader killed with SIGKILL is replaced after the session timeout; restarted (one with --leader-eligibility false), both keep every id', { timeout: 120_000 }, async () => {
  const group = 'sr-processes';
  const topic = '_schemas_processes';
  const running: RegistryProcess[] = [];
  try {
    running.push(await startProcess(group, topic), await startProcess(group, topic));
    const leaderUrl = await waitFor(() => {
      const named = running.map(loggedLeader);
      return named[0] !== null && named[0] === named[1] ? named[0] : undefined;
    }, 30_000, { what: 'both processes to name one leader' });
    const leader = running.find((r) => r.url === leaderUrl)!;
    const survivor = running.find((r) => r !== leader)!;

    const ids = new Map<string, number>();
    for (const [subject, schema, via] of [['a-value', '"string"', survivor], ['b-value', '"long"', leader], ['c-value', '"int"', survivor]] as const) {
      const answer = await register(via.url, subject, schema);
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      ids.set(subject, answer.body.id);
    }
    assert.equal(new Set(ids.values()).size, 3);

    await kill(leader);
    // Until the coordinator drops the dead leader, forwarding fails (50003) or no leader is known (50004).
    const afterKill = await waitFor(async () => {
      const answer = await register(survivor.url, 'd-value', '"double"');
      if (answer.status !== 200) assert.ok([50003, 50004].includes(answer.body.error_code), JSON.stringify(answer.body));
      return answer.status === 200 ? answer : undefined;
    }, 30_000, { intervalMs: 200, what: 'the survivor to take over and accept writes' });
    assert.equal(loggedLeader(survivor), survivor.url);
    ids.set('d-value', afterKill.body.id);
    assert.equal(new Set(ids.values()).size, 4);

    await kill(survivor);
    running.length = 0;
    // The second comes back with --leader-eligibility false: the first must lead, the second forward.
    running.push(await startProcess(group, topic), await startProcess(group, topic, ['--leader-eligibility', 'false']));
    for (const registry of running) {
      for (const [subject, id] of ids) {
        assert.equal((await call(registry.url, 'GET', `/subjects/${subject}/versions/1`)).body.id, id, `${subject} through ${registry.url}`);
      }
    }
    // And the next id continues after them, through whichever instance.
    await waitFor(() => running.every((r) => loggedLeader(r) === running[0]!.url) || undefined, 30_000, { what: 'the eligible one to lead after the restart' });
    const next = await waitFor(async () => {
      const answer = await register(running[1]!.url, 'e-value', '"float"');
      return answer.status === 200 ? answer : undefined;
    }, 30_000, { intervalMs: 200, what: 'a write after the restart' });
    assert.ok(next.body.id > Math.max(...ids.values()));
  } finally {
    await Promise.all(running.map(kill));
    const admin = new Admin({ bootstrapServers: [broker.bootstrap] });
    await admin.deleteTopics([topic]).catch(() => {});
    await admin.close();
  }
});
