import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSaslClient, type SaslClient, type SaslClientConfig } from '../../../client/sasl/sasl-client.ts';
import { scramCredential, scramCredentialFromSaltedPassword, saltedPassword, SCRAM_SHA_256, type ScramCredential } from '../../../protocol/sasl/scram.ts';
import { encodePlainMessage } from '../../../protocol/sasl/plain.ts';
import { createSaslServer, plainUsersFromJaasConfig, SaslAuthenticationError, type SaslServer, type SaslServerConfig } from './sasl-server.ts';

/** The authenticator's loop, in memory: each token to the server, each answer back to the client. */
async function exchange(client: SaslClient, server: SaslServer, tamper: (step: number, bytes: Buffer) => Buffer = (_, b) => b): Promise<void> {
  let token: Buffer | null = await client.initialResponse();
  for (let step = 0; token !== null; step++) {
    const answer = await server.evaluateResponse(tamper(2 * step, token));
    token = await client.evaluateChallenge(tamper(2 * step + 1, answer));
  }
}

const plainUsers = plainUsersFromJaasConfig(
  'org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password="admin-secret" user_admin="admin-secret" user_alice="alice-secret";',
);

const credentials = new Map<string, ScramCredential>([
  ['alice/SCRAM-SHA-256', scramCredential('SCRAM-SHA-256', 'alice-secret', undefined, 4096)],
  ['alice/SCRAM-SHA-512', scramCredential('SCRAM-SHA-512', 'alice-secret', undefined, 4096)],
  ['we,i=rd/SCRAM-SHA-256', scramCredential('SCRAM-SHA-256', 'pässword', undefined, 4096)],
]);
const config: SaslServerConfig = { plainUsers, scramCredential: (user, mechanism) => credentials.get(`${user}/${mechanism}`) };

function refusedWith(message: string | RegExp, secret?: string) {
  return (error: unknown) => {
    assert.ok(error instanceof SaslAuthenticationError, String(error));
    if (typeof message === 'string') assert.equal(error.message, message);
    else assert.match(error.message, message);
    if (secret !== undefined) assert.ok(!error.message.includes(secret) && !error.reason.includes(secret), 'no password in the message or the log reason');
    return true;
  };
}

const generic = (mechanism: string) => `Authentication failed during authentication due to invalid credentials with SASL mechanism ${mechanism}`;

async function login(client: SaslClientConfig, serverConfig = config, reauthenticating = false): Promise<SaslServer> {
  const server = createSaslServer(client.mechanism, serverConfig, { reauthenticating });
  await exchange(createSaslClient(client), server);
  return server;
}

test('PLAIN: a configured user logs in; a wrong password and an unknown user get the same Kafka text', async () => {
  const server = await login({ mechanism: 'PLAIN', username: 'alice', password: 'alice-secret' });
  assert.equal(server.complete, true);
  assert.equal(server.authorizationId(), 'alice');
  await assert.rejects(login({ mechanism: 'PLAIN', username: 'alice', password: 'guess' }), refusedWith('Authentication failed: Invalid username or password', 'guess'));
  await assert.rejects(login({ mechanism: 'PLAIN', username: 'mallory', password: 'guess' }), refusedWith('Authentication failed: Invalid username or password', 'guess'));
});

test("PLAIN: Kafka's texts for an empty name or password, another authzid, and a malformed message", async () => {
  const evaluate = (message: Buffer) => createSaslServer('PLAIN', config).evaluateResponse(message);
  await assert.rejects(evaluate(encodePlainMessage({ username: '', password: 'x' })), refusedWith('Authentication failed: username not specified'));
  await assert.rejects(evaluate(encodePlainMessage({ username: 'alice', password: '' })), refusedWith('Authentication failed: password not specified'));
  await assert.rejects(
    evaluate(encodePlainMessage({ authorizationId: 'admin', username: 'alice', password: 'alice-secret' })),
    refusedWith('Authentication failed: Client requested an authorization id that is different from username'),
  );
  await assert.rejects(evaluate(Buffer.from('alice\u0000alice-secret')), refusedWith('Invalid SASL/PLAIN response: expected 3 tokens, got 2', 'alice-secret'));
  const server = createSaslServer('PLAIN', config);
  await server.evaluateResponse(encodePlainMessage({ authorizationId: 'alice', username: 'alice', password: 'alice-secret' }));
  assert.equal(server.authorizationId(), 'alice');
});

for (const mechanism of ['SCRAM-SHA-256', 'SCRAM-SHA-512'] as const) {
  test(`${mechanism}: the user logs in; the client has checked the server's signature`, async () => {
    const client = createSaslClient({ mechanism, username: 'alice', password: 'alice-secret' });
    const server = createSaslServer(mechanism, config);
    await exchange(client, server);
    assert.equal(server.complete, true);
    assert.equal(client.complete, true);
    assert.equal(server.authorizationId(), 'alice');
    assert.equal(server.sessionExpiresAtMs, undefined);
  });

  test(`${mechanism}: a wrong password and an unknown user read the same, with nothing of the password`, async () => {
    await assert.rejects(login({ mechanism, username: 'alice', password: 'guess' }), refusedWith(generic(mechanism), 'guess'));
    await assert.rejects(login({ mechanism, username: 'nobody', password: 'guess' }), refusedWith(generic(mechanism), 'guess'));
    await assert.rejects(
      login({ mechanism, username: 'alice', password: 'guess' }, config, true),
      refusedWith(`Authentication failed during re-authentication due to invalid credentials with SASL mechanism ${mechanism}`),
    );
  });
}

test('SCRAM: usernames with , and = and non-ASCII passwords', async () => {
  const server = await login({ mechanism: 'SCRAM-SHA-256', username: 'we,i=rd', password: 'pässword' });
  assert.equal(server.authorizationId(), 'we,i=rd');
});

test('SCRAM: a tampered proof, a replayed final message and a foreign nonce are refused', async () => {
  const flip = (bytes: Buffer) => {
    const text = bytes.toString();
    const proof = Buffer.from(text.slice(text.indexOf(',p=') + 3), 'base64');
    proof[0]! ^= 1;
    return Buffer.from(`${text.slice(0, text.indexOf(',p=') + 3)}${proof.toString('base64')}`);
  };
  const alice = { mechanism: 'SCRAM-SHA-256', username: 'alice', password: 'alice-secret' } as const;
  await assert.rejects(exchange(createSaslClient(alice), createSaslServer('SCRAM-SHA-256', config), (step, b) => (step === 2 ? flip(b) : b)), refusedWith(generic('SCRAM-SHA-256')));

  // An eavesdropper records a whole successful exchange and plays the client's messages again.
  const recorded: Buffer[] = [];
  await exchange(createSaslClient(alice), createSaslServer('SCRAM-SHA-256', config), (step, b) => {
    if (step % 2 === 0) recorded.push(b);
    return b;
  });
  const replayServer = createSaslServer('SCRAM-SHA-256', config);
  await replayServer.evaluateResponse(recorded[0]!);
  await assert.rejects(replayServer.evaluateResponse(recorded[1]!), refusedWith(generic('SCRAM-SHA-256')));
  assert.equal(replayServer.complete, false);

  // A server that does not extend the client's nonce is refused by the client.
  await assert.rejects(
    exchange(createSaslClient(alice), createSaslServer('SCRAM-SHA-256', config), (step, b) => (step === 1 ? Buffer.from(b.toString().replace(/^r=[^,]+/, 'r=someoneelse')) : b)),
    /Invalid server nonce: does not start with client nonce/,
  );
});

test("SCRAM: the client refuses a wrong server signature, an e= answer, and too few iterations", async () => {
  const alice = { mechanism: 'SCRAM-SHA-512', username: 'alice', password: 'alice-secret' } as const;
  const wrongSignature = (step: number, b: Buffer) => (step === 3 ? Buffer.from(`v=${Buffer.alloc(64, 7).toString('base64')}`) : b);
  const client = createSaslClient(alice);
  await assert.rejects(exchange(client, createSaslServer('SCRAM-SHA-512', config), wrongSignature), /Invalid server signature in server final message/);
  assert.equal(client.complete, false);
  await assert.rejects(
    exchange(createSaslClient(alice), createSaslServer('SCRAM-SHA-512', config), (step, b) => (step === 3 ? Buffer.from('e=other-error') : b)),
    /Sasl authentication using SCRAM-SHA-512 failed with error: other-error/,
  );
  await assert.rejects(
    exchange(createSaslClient(alice), createSaslServer('SCRAM-SHA-512', config), (step, b) => (step === 1 ? Buffer.from(b.toString().replace(/i=\d+$/, 'i=1000')) : b)),
    /Requested iterations 1000 is less than the minimum 4096 for SCRAM-SHA-512/,
  );
});

test('SCRAM: the server refuses a weak credential, another authzid, delegation tokens, garbage, and a message after completion', async () => {
  const salt = Buffer.from('salt');
  const weak = scramCredentialFromSaltedPassword(SCRAM_SHA_256, salt, saltedPassword(SCRAM_SHA_256, 'pw', salt, 1024), 1024);
  await assert.rejects(login({ mechanism: 'SCRAM-SHA-256', username: 'weak', password: 'pw' }, { scramCredential: () => weak }), refusedWith(generic('SCRAM-SHA-256')));
  const evaluate = (text: string) => createSaslServer('SCRAM-SHA-256', config).evaluateResponse(Buffer.from(text));
  await assert.rejects(evaluate('n,a=admin,n=alice,r=abc'), refusedWith('Authentication failed: Client requested an authorization id that is different from username'));
  await assert.rejects(evaluate('n,,n=alice,r=abc,tokenauth=true'), refusedWith(generic('SCRAM-SHA-256')));
  await assert.rejects(evaluate('hello'), refusedWith(generic('SCRAM-SHA-256')));
  const failing = createSaslServer('SCRAM-SHA-256', { scramCredential: () => { throw new Error('store down'); } });
  await assert.rejects(failing.evaluateResponse(Buffer.from('n,,n=alice,r=abc')), (error: SaslAuthenticationError) => error.message === generic('SCRAM-SHA-256') && /could not be obtained/.test(error.reason));
  const server = await login({ mechanism: 'SCRAM-SHA-256', username: 'alice', password: 'alice-secret' });
  await assert.rejects(server.evaluateResponse(Buffer.from('n,,n=alice,r=abc')), refusedWith(generic('SCRAM-SHA-256')));
});

test('createSaslServer refuses mechanisms it does not serve or has no configuration for', () => {
  assert.throws(() => createSaslServer('GSSAPI', config), /Unsupported SASL mechanism GSSAPI/);
  assert.throws(() => createSaslServer('PLAIN', {}), /no users configured/);
  assert.throws(() => createSaslServer('SCRAM-SHA-512', {}), /no credential store/);
  assert.throws(() => createSaslServer('OAUTHBEARER', {}), /no token validator/);
});
