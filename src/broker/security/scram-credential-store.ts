import { scramMechanism, type ScramCredential } from '../../protocol/sasl/scram.ts';
import type { EntityConfigStore } from '../cluster/entity-configs.ts';

/**
 * Kafka's ScramCredentialUtils string form of a credential, the value of a user's `SCRAM-SHA-256`
 * or `SCRAM-SHA-512` entity config: `salt=<base64>,stored_key=<base64>,server_key=<base64>,iterations=<n>`
 * (standard base64 with padding, keys in that order). It holds no password: a broker that keeps it
 * can check a login but cannot make one.
 */
export function scramCredentialToString(credential: ScramCredential): string {
  return `salt=${credential.salt.toString('base64')},stored_key=${credential.storedKey.toString('base64')}`
    + `,server_key=${credential.serverKey.toString('base64')},iterations=${credential.iterations}`;
}

const CREDENTIAL_KEYS = ['salt', 'stored_key', 'server_key', 'iterations'] as const;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{2}==)?$/;

/**
 * Parses scramCredentialToString's form as Kafka's credentialFromString does: exactly those four
 * keys, in any order. The error never quotes the value, which is secret.
 */
export function scramCredentialFromString(text: string): ScramCredential {
  const fields = new Map<string, string>();
  for (const token of text.split(',')) {
    const equals = token.indexOf('=');
    if (equals <= 0) throw new Error('SCRAM credential not valid');
    fields.set(token.slice(0, equals), token.slice(equals + 1));
  }
  if (fields.size !== CREDENTIAL_KEYS.length || CREDENTIAL_KEYS.some((key) => !fields.has(key))) throw new Error('SCRAM credential not valid');
  const [salt, storedKey, serverKey] = (['salt', 'stored_key', 'server_key'] as const).map((key) => {
    const value = fields.get(key)!;
    if (!BASE64.test(value)) throw new Error(`SCRAM credential not valid: ${key} is not base64`);
    return Buffer.from(value, 'base64');
  }) as [Buffer, Buffer, Buffer];
  const iterationsText = fields.get('iterations')!;
  const iterations = Number(iterationsText);
  if (!/^\d{1,10}$/.test(iterationsText) || iterations > 0x7fffffff) throw new Error('SCRAM credential not valid: iterations is not an int');
  return { salt, storedKey, serverKey, iterations };
}

/**
 * The SCRAM credentials of users, read from their entity configs (kept current by the entity
 * config store, so a credential set on any broker of a cluster counts here within a second). What
 * the SCRAM authenticator asks at each login.
 */
export class ScramCredentialStore {
  readonly #entityConfigs: EntityConfigStore;
  /** Parsed credentials by user and mechanism, with the text they came from: a changed text is parsed again. */
  readonly #parsed = new Map<string, { readonly text: string; readonly credential: ScramCredential | undefined }>();

  constructor(entityConfigs: EntityConfigStore) {
    this.#entityConfigs = entityConfigs;
  }

  /** The user's credential for `mechanism` (SCRAM-SHA-256 or SCRAM-SHA-512); undefined when none or unreadable. */
  credential(user: string, mechanism: string): ScramCredential | undefined {
    if (user === '' || scramMechanism(mechanism) === undefined) return undefined;
    const text = this.#entityConfigs.get({ user })[mechanism];
    const key = `${mechanism}\u0000${user}`;
    if (text === undefined) {
      this.#parsed.delete(key);
      return undefined;
    }
    const known = this.#parsed.get(key);
    if (known?.text === text) return known.credential;
    let credential: ScramCredential | undefined;
    try {
      credential = scramCredentialFromString(text);
    } catch {
      // A stored value this broker cannot read logs in no one; describe reports it.
      credential = undefined;
    }
    this.#parsed.set(key, { text, credential });
    return credential;
  }
}
