import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { JaasConfigError, parseJaasConfig, parseSingleJaasConfigEntry, plainUsersFromJaasOptions, PLAIN_LOGIN_MODULE } from './jaas-config.ts';

test("a broker's PLAIN users, as server.properties writes them", () => {
  const entry = parseSingleJaasConfigEntry(
    'org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password="admin-secret" user_admin="admin-secret" user_alice="alice-secret";',
  );
  assert.equal(entry.loginModuleName, PLAIN_LOGIN_MODULE);
  assert.equal(entry.controlFlag, 'required');
  assert.equal(entry.options.get('username'), 'admin');
  assert.deepEqual([...plainUsersFromJaasOptions(entry.options)], [['admin', 'admin-secret'], ['alice', 'alice-secret']]);
});

test('unquoted values, single quotes, escapes, comments and line breaks', () => {
  const entry = parseSingleJaasConfigEntry(`
    // the client's login
    org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule REQUIRED
      unsecuredLoginStringClaim_sub=alice /* a comment */ unsecuredLoginLifetimeSeconds='600'
      quoted="a \\"b\\" c\\\\d" spaced="x = y; z";`);
  assert.equal(entry.controlFlag, 'required');
  assert.deepEqual(Object.fromEntries(entry.options), {
    unsecuredLoginStringClaim_sub: 'alice',
    unsecuredLoginLifetimeSeconds: '600',
    quoted: 'a "b" c\\d',
    spaced: 'x = y; z',
  });
});

test('several modules, each with its flag', () => {
  const entries = parseJaasConfig('a.B optional; c.D sufficient k=v; e.F requisite;');
  assert.deepEqual(entries.map((e) => [e.loginModuleName, e.controlFlag, e.options.size]), [
    ['a.B', 'optional', 0],
    ['c.D', 'sufficient', 1],
    ['e.F', 'requisite', 0],
  ]);
  assert.throws(() => parseSingleJaasConfigEntry('a.B optional; c.D required;'), /JAAS config property contains 2 login modules, should be 1 module/);
});

test("bad syntax gets Kafka's messages, and never quotes a value", () => {
  const cases: [string, RegExp][] = [
    ['', /Login module not specified in JAAS config/],
    ['   // only a comment', /Login module not specified in JAAS config/],
    ['a.B', /Login module control flag not specified in JAAS config/],
    ['a.B mandatory;', /Invalid login module control flag 'mandatory' in JAAS config/],
    ['a.B ;', /Login module control flag is not available in the JAAS config/],
    ['a.B required username="x"', /JAAS config entry not terminated by semi-colon/],
    ['a.B required username;', /Value not specified for key 'username' in JAAS config/],
    ['a.B required username=;', /Value not specified for key 'username' in JAAS config/],
    ['a.B required password="s3cret;', /Unterminated quoted string in JAAS config/],
    ['a.B required =x;', /Option name expected/],
    ['a.B required x=y /* open', /Unterminated comment/],
    ['a.B required x@y=1;', /Unexpected character '@'/],
  ];
  for (const [text, message] of cases) {
    assert.throws(() => parseJaasConfig(text), (error: Error) => error instanceof JaasConfigError && message.test(error.message) && !error.message.includes('s3cret'), text);
  }
});

const word = fc.stringMatching(/^[A-Za-z_$][A-Za-z0-9_$.\-]{0,15}$/);

test('options written quoted come back as written (property)', () => {
  fc.assert(
    fc.property(word, fc.dictionary(word, fc.string({ maxLength: 20 })), (module, options) => {
      const text = `${module} required ${Object.entries(options)
        .map(([key, value]) => `${key}="${value.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`)
        .join(' ')};`;
      const entry = parseSingleJaasConfigEntry(text);
      assert.equal(entry.loginModuleName, module);
      assert.deepEqual(Object.fromEntries(entry.options), { ...options });
    }),
  );
});

test('any text parses or fails with JaasConfigError (fuzz)', () => {
  fc.assert(
    fc.property(fc.oneof(fc.string({ maxLength: 80 }), fc.constantFrom('a.B required x="y";', 'a required;').chain((t) => fc.nat(t.length).map((n) => t.slice(0, n)))), (text) => {
      try {
        parseJaasConfig(text);
      } catch (error) {
        assert.ok(error instanceof JaasConfigError, String(error));
      }
    }),
  );
});
