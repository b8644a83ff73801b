/**
 * Kafka's `sasl.jaas.config` value (Kafka's JaasConfig): one or more JAAS login module entries,
 *
 *   <LoginModuleClass> <required|requisite|sufficient|optional> key="value" key2=value2 ... ;
 *
 * tokenized as Java's StreamTokenizer does for Kafka: words of letters, digits, '.', '_', '$' and
 * '-'; values quoted with " or ' (backslash escapes inside); // and slash-star comments. The
 * errors are Kafka's texts and never quote a value, since values are often passwords.
 */

export type JaasControlFlag = 'required' | 'requisite' | 'sufficient' | 'optional';

export interface JaasConfigEntry {
  /** The login module's Java class name, e.g. org.apache.kafka.common.security.plain.PlainLoginModule. */
  readonly loginModuleName: string;
  readonly controlFlag: JaasControlFlag;
  readonly options: ReadonlyMap<string, string>;
}

export class JaasConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JaasConfigError';
  }
}

/** Kafka's login module class names, as sasl.jaas.config names them. */
export const PLAIN_LOGIN_MODULE = 'org.apache.kafka.common.security.plain.PlainLoginModule';
export const SCRAM_LOGIN_MODULE = 'org.apache.kafka.common.security.scram.ScramLoginModule';
export const OAUTHBEARER_LOGIN_MODULE = 'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule';

type Token = { readonly kind: 'word'; readonly text: string } | { readonly kind: '=' | ';' };

function isWordChar(char: string): boolean {
  return /[A-Za-z0-9._$\-]/.test(char) || char.charCodeAt(0) >= 0x80;
}

const ESCAPES: Readonly<Record<string, string>> = { n: '\n', t: '\t', r: '\r', b: '\b', f: '\f' };

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const char = text[i]!;
    if (/\s/.test(char)) {
      i++;
    } else if (text.startsWith('//', i)) {
      const end = text.indexOf('\n', i);
      i = end === -1 ? text.length : end + 1;
    } else if (text.startsWith('/*', i)) {
      const end = text.indexOf('*/', i + 2);
      if (end === -1) throw new JaasConfigError('Unterminated comment in JAAS config');
      i = end + 2;
    } else if (char === '=' || char === ';') {
      tokens.push({ kind: char });
      i++;
    } else if (char === '"' || char === "'") {
      let value = '';
      i++;
      while (i < text.length && text[i] !== char) {
        if (text[i] === '\\' && i + 1 < text.length) {
          const escaped = text[i + 1]!;
          value += ESCAPES[escaped] ?? escaped;
          i += 2;
        } else {
          value += text[i];
          i++;
        }
      }
      if (i >= text.length) throw new JaasConfigError('Unterminated quoted string in JAAS config');
      i++;
      tokens.push({ kind: 'word', text: value });
    } else if (isWordChar(char)) {
      const start = i;
      while (i < text.length && isWordChar(text[i]!)) i++;
      tokens.push({ kind: 'word', text: text.slice(start, i) });
    } else {
      throw new JaasConfigError(`Unexpected character '${char}' in JAAS config`);
    }
  }
  return tokens;
}

function controlFlagOf(flag: string): JaasControlFlag {
  const lower = flag.toLowerCase();
  if (lower === 'required' || lower === 'requisite' || lower === 'sufficient' || lower === 'optional') return lower;
  throw new JaasConfigError(`Invalid login module control flag '${flag}' in JAAS config`);
}

/** All entries of a JAAS config text, in order. */
export function parseJaasConfig(text: string): JaasConfigEntry[] {
  const tokens = tokenize(text);
  const entries: JaasConfigEntry[] = [];
  let i = 0;
  while (i < tokens.length) {
    const module = tokens[i++]!;
    if (module.kind !== 'word') throw new JaasConfigError('Login module not specified in JAAS config');
    const flag = tokens[i++];
    if (flag === undefined) throw new JaasConfigError('Login module control flag not specified in JAAS config');
    if (flag.kind !== 'word') throw new JaasConfigError('Login module control flag is not available in the JAAS config');
    const controlFlag = controlFlagOf(flag.text);
    const options = new Map<string, string>();
    let terminated = false;
    while (i < tokens.length) {
      const key = tokens[i++]!;
      if (key.kind === ';') {
        terminated = true;
        break;
      }
      if (key.kind !== 'word') throw new JaasConfigError("Option name expected before '=' in JAAS config");
      const equals = tokens[i++];
      const value = tokens[i++];
      if (equals?.kind !== '=' || value?.kind !== 'word') {
        throw new JaasConfigError(`Value not specified for key '${key.text}' in JAAS config`);
      }
      options.set(key.text, value.text);
    }
    if (!terminated) throw new JaasConfigError('JAAS config entry not terminated by semi-colon');
    entries.push({ loginModuleName: module.text, controlFlag, options });
  }
  if (entries.length === 0) throw new JaasConfigError('Login module not specified in JAAS config');
  return entries;
}

/**
 * The one entry a `sasl.jaas.config` property may hold (Kafka's JaasContext refuses more, since a
 * connection logs in with a single module).
 */
export function parseSingleJaasConfigEntry(text: string): JaasConfigEntry {
  const entries = parseJaasConfig(text);
  if (entries.length !== 1) throw new JaasConfigError(`JAAS config property contains ${entries.length} login modules, should be 1 module`);
  return entries[0]!;
}

/**
 * PLAIN's users from a PlainLoginModule entry's `user_<name>="<password>"` options (Kafka's
 * PlainServerCallbackHandler reads the same options).
 */
export function plainUsersFromJaasOptions(options: ReadonlyMap<string, string>): Map<string, string> {
  const users = new Map<string, string>();
  for (const [key, value] of options) if (key.startsWith('user_')) users.set(key.slice('user_'.length), value);
  return users;
}
