import assert from 'node:assert/strict';
import { test } from 'node:test';
import { scramCredential } from '../../protocol/sasl/scram.ts';
import type { EntityConfigStore } from '../cluster/entity-configs.ts';
import { ScramCredentialStore, scramCredentialFromString, scramCredentialToString } from './scram-credential-store.ts';

test('a credential is stored in Kafka\'s ScramCredentialUtils form and read back as it was', () => {
  const credential = {
    salt: Buffer.from('salt-bytes'), storedKey: Buffer.from([0, 1, 2, 250, 251, 252]), serverKey: Buffer.from('server key!'), iterations: 8192,
  };
  const text = scramCredentialToString(credential);
  assert.equal(text, 'salt=c2FsdC1ieXRlcw==,stored_key=AAEC+vv8,server_key=c2VydmVyIGtleSE=,iterations=8192');
  assert.deepEqual(scramCredentialFromString(text), credential);
  // Kafka reads the keys in any order.
  assert.deepEqual(scramCredentialFromString('iterations=8192,server_key=c2VydmVyIGtleSE=,salt=c2FsdC1ieXRlcw==,stored_key=AAEC+vv8'), credential);

  const generated = scramCredential('SCRAM-SHA-512', 'alice-secret', undefined, 4096);
  assert.deepEqual(scramCredentialFromString(scramCredentialToString(generated)), generated);
});

test('a damaged credential is refused without quoting it', () => {
  for (const text of ['', 'salt=c2FsdA==', 'salt=c2FsdA==,stored_key=AA==,server_key=AA==,iterations=x', 'salt=***,stored_key=AA==,server_key=AA==,iterations=4096',
    'salt=c2FsdA==,stored_key=AA==,server_key=AA==,iterations=4096,extra=1', 'salt=c2FsdA==,stored_key=AA==,=AA==,iterations=4096']) {
    assert.throws(() => scramCredentialFromString(text), (error: Error) => /not valid/.test(error.message) && (text === '' || !error.message.includes(text)));
  }
});

test('the credential store reads a user\'s credential from the entity configs, following changes', () => {
  const configs = new Map<string, Record<string, string>>();
  const entityConfigs = { get: ({ user }: { user?: string }) => configs.get(user ?? '') ?? {} } as unknown as EntityConfigStore;
  const store = new ScramCredentialStore(entityConfigs);
  const first = scramCredential('SCRAM-SHA-256', 'one', undefined, 4096);
  configs.set('alice', { 'SCRAM-SHA-256': scramCredentialToString(first), producer_byte_rate: '10' });
  assert.deepEqual(store.credential('alice', 'SCRAM-SHA-256'), first);
  assert.equal(store.credential('alice', 'SCRAM-SHA-512'), undefined);
  assert.equal(store.credential('alice', 'PLAIN'), undefined);
  assert.equal(store.credential('bob', 'SCRAM-SHA-256'), undefined);
  const second = scramCredential('SCRAM-SHA-256', 'two', undefined, 4096);
  configs.set('alice', { 'SCRAM-SHA-256': scramCredentialToString(second) });
  assert.deepEqual(store.credential('alice', 'SCRAM-SHA-256'), second);
  configs.set('alice', { 'SCRAM-SHA-256': 'garbage' });
  assert.equal(store.credential('alice', 'SCRAM-SHA-256'), undefined);
});
