import { ConfigError } from '../config-definition.ts';

/**
 * Kafka's SslPrincipalMapper: ssl.principal.mapping.rules turns a client certificate's subject
 * (as RFC 2253 writes it: `CN=alice,OU=eng,O=Samsa`) into a principal name. Rules are tried in
 * order; `RULE:pattern/replacement/` applies to a subject the pattern matches whole, with `$1`...
 * for its groups and an optional L or U after the last slash to lower or upper the result;
 * `DEFAULT` takes the subject as it is.
 */
export type SslPrincipalMapper = (subject: string) => string;

interface Rule {
  readonly pattern: RegExp | null;
  readonly replacement: string;
  readonly toLowerCase: boolean;
  readonly toUpperCase: boolean;
}

const RULE = /^\s*(DEFAULT|RULE:((?:\\.|[^\\/])*)\/((?:\\.|[^\\/])*)\/([LU]?))\s*/;

export function sslPrincipalMapper(rules: string): SslPrincipalMapper {
  const parsed = parseRules(rules);
  return (subject) => {
    for (const rule of parsed) {
      if (rule.pattern === null) return subject;
      const match = rule.pattern.exec(subject);
      if (match === null) continue;
      let name = rule.replacement.replace(/\$(\d)/g, (_, group: string) => match[Number(group)] ?? '');
      if (rule.toLowerCase) name = name.toLowerCase();
      else if (rule.toUpperCase) name = name.toUpperCase();
      return name;
    }
    // As Kafka: a subject no rule maps is refused rather than taken as it is.
    throw new Error(`no rule of ssl.principal.mapping.rules maps the certificate subject ${subject}`);
  };
}

function parseRules(text: string): Rule[] {
  const rules: Rule[] = [];
  let rest = text.trim();
  while (rest.length > 0) {
    const match = RULE.exec(rest);
    if (match === null) throw new ConfigError('ssl.principal.mapping.rules', `cannot read the rule at "${rest}"`);
    if (match[1] === 'DEFAULT') {
      rules.push({ pattern: null, replacement: '', toLowerCase: false, toUpperCase: false });
    } else {
      let pattern: RegExp;
      try {
        pattern = new RegExp(`^(?:${match[2]!})$`);
      } catch (error) {
        throw new ConfigError('ssl.principal.mapping.rules', `bad pattern ${match[2]}: ${(error as Error).message}`);
      }
      rules.push({ pattern, replacement: match[3]!.replace(/\\\//g, '/'), toLowerCase: match[4] === 'L', toUpperCase: match[4] === 'U' });
    }
    rest = rest.slice(match[0].length);
    if (rest.startsWith(',')) rest = rest.slice(1).trimStart();
    else if (rest.length > 0) throw new ConfigError('ssl.principal.mapping.rules', `expected a comma before "${rest}"`);
  }
  if (rules.length === 0) rules.push({ pattern: null, replacement: '', toLowerCase: false, toUpperCase: false });
  return rules;
}

/**
 * A certificate subject as Java's X500Principal.getName() writes it (RFC 2253): the relative names
 * from the last to the first, comma-separated, special characters escaped. Node gives the subject
 * as `C=US\nO=Samsa\nCN=alice`, first to last.
 */
export function rfc2253Subject(nodeSubject: string): string {
  return nodeSubject
    .split('\n')
    .filter((part) => part !== '')
    .map((part) => {
      const eq = part.indexOf('=');
      const value = part.slice(eq + 1).replace(/([,+"\\<>;])/g, '\\$1').replace(/^([ #])/, '\\$1').replace(/ $/, '\\ ');
      return `${part.slice(0, eq)}=${value}`;
    })
    .reverse()
    .join(',');
}
