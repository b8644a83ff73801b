import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { openEntityConfigStore, type EntityConfigs, type EntityName } from './entity-configs.ts';
import { DEFAULT_ENTITY_NAME, desanitizeEntityName, entityOfPath, entityPath, sanitizeEntityName } from './entity-path.ts';
import { createLogger } from '../logger.ts';

async function withDir(run: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'samsa-entity-configs-'));
  try {
    await run(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const logger = createLogger({ level: 'warn', name: 'test' });

test('entity paths are Kafka\'s, with names sanitized as Kafka\'s Sanitizer does', () => {
  assert.equal(entityPath({ user: 'alice' }), 'users/alice');
  assert.equal(entityPath({ clientId: DEFAULT_ENTITY_NAME }), 'clients/<default>');
  assert.equal(entityPath({ user: DEFAULT_ENTITY_NAME, clientId: 'app-1' }), 'users/<default>/clients/app-1');
  assert.equal(sanitizeEntityName('User:CN=a b,O=*'), 'User%3ACN%3Da%20b%2CO%3D%2A');
  assert.equal(sanitizeEntityName('é.x_y-z~'), '%C3%A9.x_y-z%7E');
  for (const name of ['User:CN=a b,O=*', 'é/ö', 'plain', DEFAULT_ENTITY_NAME]) assert.equal(desanitizeEntityName(sanitizeEntityName(name)), name);
  assert.deepEqual(entityOfPath('users/a%2Fb/clients/c'), { user: 'a/b', clientId: 'c' });
  assert.equal(entityOfPath('topics/foo'), undefined);
  assert.equal(entityOfPath('users/'), undefined);
  assert.throws(() => entityPath({}), /names a user, a client id or both/);
  assert.throws(() => entityPath({ user: '' }), /must not be empty/);
});

test('the single node keeps user and client configs in the first log dir, across a reopen, and tells listeners of each change', async () => {
  await withDir(async (dir) => {
    const store = await openEntityConfigStore({ logDir: dir, logger });
    const changes: Array<[EntityName, EntityConfigs]> = [];
    store.onChange((entity, configs) => changes.push([entity, configs]));
    await store.alter({ user: 'alice' }, { 'SCRAM-SHA-256': 'salt=c2FsdA==,stored_key=a2V5,server_key=a2V5,iterations=4096', producer_byte_rate: '1024' }, []);
    await store.alter({ user: 'alice', clientId: 'app' }, { consumer_byte_rate: '2048' }, []);
    await store.alter({ clientId: DEFAULT_ENTITY_NAME }, { request_percentage: '50' }, []);
    await store.alter({ user: 'alice' }, { producer_byte_rate: '4096' }, ['SCRAM-SHA-256']);
    assert.deepEqual(store.get({ user: 'alice' }), { producer_byte_rate: '4096' });
    assert.deepEqual(store.get({ user: 'bob' }), {});
    assert.equal(changes.length, 4);
    assert.deepEqual(changes[3], [{ user: 'alice' }, { producer_byte_rate: '4096' }]);

    const saved = JSON.parse(await readFile(join(dir, 'samsa-entity-configs.json'), 'utf8'));
    assert.deepEqual(saved, {
      version: 1,
      entities: {
        'users/alice': { producer_byte_rate: '4096' },
        'users/alice/clients/app': { consumer_byte_rate: '2048' },
        'clients/<default>': { request_percentage: '50' },
      },
    });
    await store.close();

    const reopened = await openEntityConfigStore({ logDir: dir, logger });
    assert.deepEqual(new Map([...reopened.all()].map(([entity, configs]) => [JSON.stringify(entity), configs])), new Map([
      [JSON.stringify({ user: 'alice' }), { producer_byte_rate: '4096' }],
      [JSON.stringify({ user: 'alice', clientId: 'app' }), { consumer_byte_rate: '2048' }],
      [JSON.stringify({ clientId: '<default>' }), { request_percentage: '50' }],
    ]));
    // Removing an entity's last config removes the entity.
    await reopened.alter({ user: 'alice', clientId: 'app' }, {}, ['consumer_byte_rate']);
    assert.equal([...reopened.all()].length, 2);
    await reopened.close();
  });
});

test('an entity configs file this version cannot read stops the broker rather than lose credentials', async () => {
  await withDir(async (dir) => {
    await writeFile(join(dir, 'samsa-entity-configs.json'), JSON.stringify({ version: 7, entities: {} }));
    await assert.rejects(openEntityConfigStore({ logDir: dir, logger }), /unknown entity configs version 7/);
    await writeFile(join(dir, 'samsa-entity-configs.json'), JSON.stringify({ version: 1, entities: { 'topics/x': {} } }));
    await assert.rejects(openEntityConfigStore({ logDir: dir, logger }), /not a user or client entity/);
  });
});
