import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  encodeOAuthBearerClientInitialResponse,
  encodeOAuthBearerErrorChallenge,
  parseOAuthBearerClientInitialResponse,
  parseOAuthBearerErrorChallenge,
} from './oauthbearer.ts';
import { encodePlainMessage, parsePlainMessage } from './plain.ts';
import { encodeUnsecuredJws, parseUnsecuredJws } from './unsecured-jws.ts';
import { SaslMessageError } from './sasl-message-error.ts';

test("PLAIN's message: authzid NUL username NUL password, and Kafka's count of bad parts", () => {
  assert.equal(encodePlainMessage({ username: 'alice', password: 'pw' }).toString(), '\u0000alice\u0000pw');
  assert.deepEqual(parsePlainMessage(Buffer.from('alice\u0000alice\u0000pw')), { authorizationId: 'alice', username: 'alice', password: 'pw' });
  assert.throws(() => parsePlainMessage(Buffer.from('alice\u0000pw')), /^SaslMessageError: Invalid SASL\/PLAIN response: expected 3 tokens, got 2$/);
  assert.throws(() => parsePlainMessage(Buffer.from('a\u0000b\u0000c\u0000d\u0000e')), /expected 3 tokens, got 4/);
  fc.assert(
    fc.property(fc.string(), fc.string(), fc.string(), (authorizationId, username, password) => {
      fc.pre(![authorizationId, username, password].some((s) => s.includes('\u0000')));
      assert.deepEqual(parsePlainMessage(encodePlainMessage({ authorizationId, username, password })), { authorizationId, username, password });
    }),
  );
});

test("OAUTHBEARER's initial response as Kafka writes it, with extensions", () => {
  const bytes = encodeOAuthBearerClientInitialResponse({ tokenValue: 'eyJ.eyJ.', extensions: new Map([['traceId', '123']]) });
  assert.equal(bytes.toString(), 'n,,\u0001auth=Bearer eyJ.eyJ.\u0001traceId=123\u0001\u0001');
  const parsed = parseOAuthBearerClientInitialResponse(bytes);
  assert.equal(parsed.tokenValue, 'eyJ.eyJ.');
  assert.deepEqual([...parsed.extensions], [['traceId', '123']]);
  const withAuthzid = parseOAuthBearerClientInitialResponse(Buffer.from('n,a=alice,\u0001auth=bearer abc\u0001\u0001'));
  assert.equal(withAuthzid.authorizationId, 'alice');
});

test('malformed initial responses are refused with Kafka messages that do not quote the token', () => {
  const cases: [string, RegExp][] = [
    ['n,,auth=Bearer secret\u0001\u0001', /^Invalid OAUTHBEARER client first message$/],
    ['n,,\u0001x=y\u0001\u0001', /'auth' not specified/],
    ['n,,\u0001auth=Bearer\u0001\u0001', /invalid 'auth' format/],
    ['n,,\u0001auth=Basic secret\u0001\u0001', /Invalid scheme in OAUTHBEARER client first message: Basic/],
  ];
  for (const [text, message] of cases) {
    assert.throws(() => parseOAuthBearerClientInitialResponse(Buffer.from(text)), (error: Error) => error instanceof SaslMessageError && message.test(error.message) && !error.message.includes('secret'), text);
  }
  assert.throws(() => encodeOAuthBearerClientInitialResponse({ tokenValue: 't', extensions: new Map([['auth', 'x']]) }), /Extension name auth is invalid/);
  assert.throws(() => encodeOAuthBearerClientInitialResponse({ tokenValue: 't', extensions: new Map([['a1', 'x']]) }), /Extension name a1 is invalid/);
});

test("the server's error challenge is Kafka's JSON, byte for byte", () => {
  assert.equal(encodeOAuthBearerErrorChallenge({ status: 'invalid_token' }), '{"status":"invalid_token"}');
  const scoped = encodeOAuthBearerErrorChallenge({ status: 'insufficient_scope', scope: '[write]' });
  assert.equal(scoped, '{"status":"insufficient_scope", "scope":"[write]"}');
  assert.deepEqual(parseOAuthBearerErrorChallenge(scoped), { status: 'insufficient_scope', scope: '[write]', openidConfiguration: undefined });
  assert.throws(() => parseOAuthBearerErrorChallenge('nope'), SaslMessageError);
});

test('initial responses survive encode then parse (property), and garbage only fails with SaslMessageError (fuzz)', () => {
  const token = fc.stringMatching(/^[-_~+/.a-zA-Z0-9]{1,40}=*$/);
  const extensions = fc.dictionary(fc.stringMatching(/^[A-Za-z]{1,8}$/), fc.stringMatching(/^[!-~ ]{1,12}$/)).filter((e) => !('auth' in e));
  fc.assert(
    fc.property(token, extensions, (tokenValue, ext) => {
      const parsed = parseOAuthBearerClientInitialResponse(encodeOAuthBearerClientInitialResponse({ tokenValue, extensions: new Map(Object.entries(ext)) }));
      assert.equal(parsed.tokenValue, tokenValue);
      assert.deepEqual(Object.fromEntries(parsed.extensions), { ...ext });
    }),
  );
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 100 }), (bytes) => {
      try {
        parseOAuthBearerClientInitialResponse(Buffer.from(bytes));
      } catch (error) {
        assert.ok(error instanceof SaslMessageError);
      }
    }),
  );
});

test("unsecured JWS: Kafka's reading, and its refusals", () => {
  const jws = parseUnsecuredJws(encodeUnsecuredJws({ sub: 'alice', exp: 1700000100.5, iat: 1700000000, scope: ['read', ' write ', ''] }));
  assert.equal(jws.principalName, 'alice');
  assert.equal(jws.lifetimeMs, 1700000100500);
  assert.equal(jws.startTimeMs, 1700000000000);
  assert.deepEqual([...jws.scope], ['read', 'write']);
  assert.deepEqual([...parseUnsecuredJws(encodeUnsecuredJws({ user: 'bob', exp: 1, perms: 'admin' }), 'user', 'perms').scope], ['admin']);
  const header = Buffer.from('{"alg":"none"}').toString('base64url');
  const claims = (json: object) => Buffer.from(JSON.stringify(json)).toString('base64url');
  const cases: [string, RegExp][] = [
    [`${header}..`, /Malformed compact serialization contains '..'/],
    [`${header}.${claims({ sub: 'a', exp: 1 })}`, /must have 3 dot-separated Base64URL-encoded values/],
    [`${Buffer.from('{"alg":"RS256"}').toString('base64url')}.${claims({ sub: 'a', exp: 1 })}.`, /Unsecured JWS must have 'none' for an algorithm/],
    [`${header}.${claims({ sub: 'a', exp: 1 })}.c2ln`, /Unsecured JWS must not contain a digital signature/],
    [`${header}.${claims({ sub: 'a' })}.`, /No expiration time in JWT/],
    [`${header}.${claims({ exp: 1 })}.`, /No principal name in JWT claim: sub/],
    [`${header}.${claims({ sub: 'a', exp: 'soon' })}.`, /The 'exp' claim was not of type Number: String/],
    [`${header}.${Buffer.from('not json').toString('base64url')}.`, /malformed JSON/],
    [`${header}.%%%.`, /malformed Base64 URL encoded value/],
  ];
  for (const [token, message] of cases) assert.throws(() => parseUnsecuredJws(token), (error: Error) => error instanceof SaslMessageError && message.test(error.message), token);
});
