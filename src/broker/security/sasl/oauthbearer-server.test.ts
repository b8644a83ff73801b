import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { createSaslClient, saslClientConfigFromProperties, type SaslClient } from '../../../client/sasl/sasl-client.ts';
import { OAuthBearerSaslServer, createOAuthBearerValidator } from './oauthbearer-server.ts';
import { OAUTHBEARER_VALIDATOR_CLASS, unsecuredOAuthBearerValidator, type OAuthBearerValidator } from './oauthbearer-validators.ts';
import { jwksOAuthBearerValidator } from './oauthbearer-jwks.ts';
import { createSaslServer, SaslAuthenticationError, type SaslServer } from './sasl-server.ts';

const NOW = 1_750_000_000_000;
const clock = { now: () => NOW };

async function exchange(client: SaslClient, server: SaslServer): Promise<void> {
  let token: Buffer | null = await client.initialResponse();
  while (token !== null) token = await client.evaluateChallenge(await server.evaluateResponse(token));
}

function unsecuredClient(options: string, now = NOW): SaslClient {
  return createSaslClient(
    saslClientConfigFromProperties('OAUTHBEARER', `org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required ${options};`, { now: () => now }),
  );
}

function unsecuredServer(options: Record<string, string> = {}): SaslServer {
  return createSaslServer('OAUTHBEARER', { oauthBearerValidator: unsecuredOAuthBearerValidator(new Map(Object.entries(options)), clock) });
}

/** The client's SaslAuthenticate error message, as Kafka's broker sends it after the 0x01. */
function refusedWith(message: string) {
  return (error: unknown) => error instanceof SaslAuthenticationError && error.message === message;
}

test('unsecured: a token from unsecuredLoginStringClaim_sub logs in as its subject, until its exp', async () => {
  const server = unsecuredServer();
  await exchange(unsecuredClient('unsecuredLoginStringClaim_sub="alice" unsecuredLoginExtension_traceId="t1"'), server);
  assert.equal(server.authorizationId(), 'alice');
  assert.equal(server.sessionExpiresAtMs!(), NOW + 3600 * 1000);
  assert.deepEqual([...(server as OAuthBearerSaslServer).extensions], [['traceId', 't1']]);
});

test("unsecured: an expired token gets Kafka's invalid_token JSON, after the client's 0x01", async () => {
  const client = unsecuredClient('unsecuredLoginStringClaim_sub="alice" unsecuredLoginLifetimeSeconds="60"', NOW - 120_000);
  const server = unsecuredServer();
  const challenge = await server.evaluateResponse(await client.initialResponse());
  assert.equal(challenge.toString(), '{"status":"invalid_token"}');
  const acknowledgement = await client.evaluateChallenge(challenge);
  assert.deepEqual(acknowledgement, Buffer.from([1]));
  await assert.rejects(server.evaluateResponse(acknowledgement!), refusedWith('{"status":"invalid_token"}'));
  assert.equal(server.complete, false);
});

test('unsecured: a missing required scope is insufficient_scope, naming the scope', async () => {
  const server = unsecuredServer({ unsecuredValidatorRequiredScope: 'write admin' });
  await assert.rejects(
    exchange(unsecuredClient('unsecuredLoginStringClaim_sub="alice" unsecuredLoginListClaim_scope=",read,write"'), server),
    refusedWith('{"status":"insufficient_scope", "scope":"[write, admin]"}'),
  );
  const scoped = unsecuredServer({ unsecuredValidatorRequiredScope: 'write' });
  await exchange(unsecuredClient('unsecuredLoginStringClaim_sub="alice" unsecuredLoginListClaim_scope=",read,write"'), scoped);
  assert.equal(scoped.authorizationId(), 'alice');
});

test('unsecured: clock skew lets a token issued a little in the future, or just expired, through', async () => {
  const fromTheFuture = () => unsecuredClient('unsecuredLoginStringClaim_sub="alice"', NOW + 5_000);
  await assert.rejects(exchange(fromTheFuture(), unsecuredServer()), refusedWith('{"status":"invalid_token"}'));
  await exchange(fromTheFuture(), unsecuredServer({ unsecuredValidatorAllowableClockSkewMs: '10000' }));
  const justExpired = () => unsecuredClient('unsecuredLoginStringClaim_sub="alice" unsecuredLoginLifetimeSeconds="1"', NOW - 3_000);
  await assert.rejects(exchange(justExpired(), unsecuredServer()), refusedWith('{"status":"invalid_token"}'));
  await exchange(justExpired(), unsecuredServer({ unsecuredValidatorAllowableClockSkewMs: '10000' }));
});

test('unsecured: another principal claim, a refused authzid, garbage, and bad validator options', async () => {
  const server = unsecuredServer({ unsecuredValidatorPrincipalClaimName: 'user' });
  await exchange(unsecuredClient('unsecuredLoginPrincipalClaimName="user" unsecuredLoginStringClaim_user="bob"'), server);
  assert.equal(server.authorizationId(), 'bob');
  const token = (await unsecuredClient('unsecuredLoginStringClaim_sub="alice"').initialResponse()).toString().replace('n,,', 'n,a=bob,');
  await assert.rejects(
    unsecuredServer().evaluateResponse(Buffer.from(token)),
    refusedWith("Authentication failed: Client requested an authorization id (bob) that is different from the token's principal name (alice)"),
  );
  await assert.rejects(
    unsecuredServer().evaluateResponse(Buffer.from('garbage')),
    refusedWith('Authentication failed during authentication due to invalid credentials with SASL mechanism OAUTHBEARER'),
  );
  assert.throws(() => unsecuredOAuthBearerValidator(new Map([['unsecuredValidatorAllowableClockSkewMs', '-1']])), /must not be negative/);
  assert.throws(() => unsecuredOAuthBearerValidator(new Map([['unsecuredValidatorRequiredScope', 'a"b']])), /Invalid scope value/);
});

test('a validator that breaks is an internal error, refused with the generic text', async () => {
  const broken: OAuthBearerValidator = { validate: () => Promise.reject(new Error('boom')) };
  const server = createSaslServer('OAUTHBEARER', { oauthBearerValidator: broken });
  await assert.rejects(exchange(unsecuredClient('unsecuredLoginStringClaim_sub="alice"'), server), (error: SaslAuthenticationError) =>
    error.message === 'Authentication failed during authentication due to invalid credentials with SASL mechanism OAUTHBEARER' && /internal error on the server: boom/.test(error.reason),
  );
});

// JWKS: an identity provider's key pair, its public half published as a JWKS file and over HTTP.
let directory: string;
let privateKey: CryptoKey;
let otherKey: CryptoKey;
let jwksFileUrl: string;
let http: Server;
let jwksHttpUrl: string;
let jwksFetches = 0;

before(async () => {
  directory = await mkdtemp(join(tmpdir(), 'samsa-jwks-'));
  const pair = await generateKeyPair('RS256');
  privateKey = pair.privateKey;
  otherKey = (await generateKeyPair('RS256')).privateKey;
  const jwk: JWK = { ...(await exportJWK(pair.publicKey)), kid: 'key-1', alg: 'RS256', use: 'sig' };
  const jwks = JSON.stringify({ keys: [jwk] });
  const path = join(directory, 'jwks.json');
  await writeFile(path, jwks);
  jwksFileUrl = pathToFileURL(path).href;
  http = createServer((_, response) => {
    jwksFetches++;
    response.writeHead(200, { 'content-type': 'application/json' }).end(jwks);
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  jwksHttpUrl = `http://127.0.0.1:${(http.address() as AddressInfo).port}/jwks`;
});

after(async () => {
  await new Promise<void>((resolve) => http.close(() => resolve()));
  await rm(directory, { recursive: true, force: true });
});

interface Claims {
  sub?: string;
  aud?: string;
  iss?: string;
  expSeconds?: number;
  iat?: boolean;
  scope?: string;
  key?: CryptoKey;
}

function signed(claims: Claims = {}): Promise<string> {
  const now = Math.floor(NOW / 1000);
  const jwt = new SignJWT({ ...(claims.scope === undefined ? {} : { scope: claims.scope }) })
    .setProtectedHeader({ alg: 'RS256', kid: 'key-1' })
    .setSubject(claims.sub ?? 'alice')
    .setAudience(claims.aud ?? 'kafka')
    .setIssuer(claims.iss ?? 'https://idp.example')
    .setExpirationTime(now + (claims.expSeconds ?? 3600));
  if (claims.iat !== false) jwt.setIssuedAt(now - 10);
  return jwt.sign(claims.key ?? privateKey);
}

async function jwksLogin(validator: OAuthBearerValidator, token: string): Promise<SaslServer> {
  const server = createSaslServer('OAUTHBEARER', { oauthBearerValidator: validator });
  await exchange(createSaslClient({ mechanism: 'OAUTHBEARER', oauthBearerProvider: async () => ({ value: token }) }), server);
  return server;
}

const jwksSettings = () => ({ jwksEndpointUrl: jwksFileUrl, expectedAudience: ['kafka'], expectedIssuer: 'https://idp.example', clock });

test('JWKS (file: URL): a signed token logs in as its subject, with its expiry as the session end', async () => {
  const server = await jwksLogin(jwksOAuthBearerValidator(jwksSettings()), await signed({ scope: 'produce' }));
  assert.equal(server.authorizationId(), 'alice');
  assert.equal(server.sessionExpiresAtMs!(), (Math.floor(NOW / 1000) + 3600) * 1000);
});

test('JWKS: a wrong signature, audience, issuer or expiry, or no iat, is invalid_token', async () => {
  const validator = jwksOAuthBearerValidator(jwksSettings());
  const invalid = refusedWith('{"status":"invalid_token"}');
  await assert.rejects(jwksLogin(validator, await signed({ key: otherKey })), invalid);
  await assert.rejects(jwksLogin(validator, await signed({ aud: 'elsewhere' })), invalid);
  await assert.rejects(jwksLogin(validator, await signed({ iss: 'https://evil.example' })), invalid);
  await assert.rejects(jwksLogin(validator, await signed({ expSeconds: -60 })), invalid);
  await assert.rejects(jwksLogin(validator, await signed({ iat: false })), invalid);
  const unsecured = (await unsecuredClient('unsecuredLoginStringClaim_sub="alice"').initialResponse()).toString().split('\u0001')[1]!.slice('auth=Bearer '.length);
  await assert.rejects(jwksLogin(validator, unsecured), invalid, 'an alg none token is never accepted');
  const result = await validator.validate(await signed({ aud: 'elsewhere' }));
  assert.match(result.error !== undefined ? result.reason : '', /Could not validate the access token: .*aud/);
  // Within sasl.oauthbearer.clock.skew.seconds (30 by default), an expired token still passes.
  await jwksLogin(validator, await signed({ expSeconds: -10 }));
});

test('JWKS over http: keys fetched from the endpoint and kept for sasl.oauthbearer.jwks.endpoint.refresh.ms', async () => {
  const validator = createOAuthBearerValidator({
    serverCallbackHandlerClass: OAUTHBEARER_VALIDATOR_CLASS,
    jwks: { ...jwksSettings(), jwksEndpointUrl: jwksHttpUrl, subClaimName: 'sub' },
    clock,
  });
  const before = jwksFetches;
  assert.equal((await jwksLogin(validator, await signed())).authorizationId(), 'alice');
  assert.equal((await jwksLogin(validator, await signed({ sub: 'bob' }))).authorizationId(), 'bob');
  assert.equal(jwksFetches - before, 1);
  await assert.rejects(jwksLogin(validator, await signed({ key: otherKey })), refusedWith('{"status":"invalid_token"}'));
});

test('createOAuthBearerValidator: the unsecured validator by default, clear errors for bad settings', async () => {
  const unsecured = createOAuthBearerValidator({
    jaasConfig: 'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required unsecuredValidatorRequiredScope="x";',
    clock,
  });
  const result = await unsecured.validate((await unsecuredClient('unsecuredLoginStringClaim_sub="alice"').initialResponse()).toString().split('\u0001')[1]!.slice(12));
  assert.equal(result.error?.status, 'insufficient_scope');
  assert.throws(() => createOAuthBearerValidator({ serverCallbackHandlerClass: OAUTHBEARER_VALIDATOR_CLASS }), /sasl.oauthbearer.jwks.endpoint.url is required/);
  assert.throws(() => createOAuthBearerValidator({ serverCallbackHandlerClass: 'com.example.Custom' }), /Unsupported OAUTHBEARER server callback handler class com.example.Custom/);
  assert.throws(() => jwksOAuthBearerValidator({ jwksEndpointUrl: 'ftp://idp/jwks' }), /invalid protocol \(ftp\)/);
  assert.throws(() => jwksOAuthBearerValidator({ jwksEndpointUrl: 'not a url' }), /that is malformed/);
  const missing = jwksOAuthBearerValidator({ jwksEndpointUrl: pathToFileURL(join(directory, 'missing.json')).href, clock });
  await assert.rejects(missing.ready(), /Could not read the JWKS file/);
  await assert.rejects(jwksLogin(missing, await signed()), refusedWith('{"status":"invalid_token"}'));
  await jwksOAuthBearerValidator(jwksSettings()).ready();
});
