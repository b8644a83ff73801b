import { ConfigError } from './config-definition.ts';

/**
 * Java properties syntax, as Kafka reads server.properties: `key=value`, `key: value` or
 * `key value`; `#` and `!` comment lines; a line ending in an odd number of backslashes continues
 * on the next (whose leading whitespace is dropped); `\t \n \r \f \uXXXX` escapes, and a backslash
 * before any other character stands for that character. The last occurrence of a key wins.
 */
export function parseProperties(text: string): Map<string, string> {
  const properties = new Map<string, string>();
  const lines = text.split(/\r\n|\r|\n/);
  for (let i = 0; i < lines.length; i++) {
    let line = stripLeadingWhitespace(lines[i]!);
    if (line === '' || line.startsWith('#') || line.startsWith('!')) continue;
    while (endsWithContinuation(line)) {
      line = line.slice(0, -1);
      i++;
      if (i >= lines.length) break;
      line += stripLeadingWhitespace(lines[i]!);
    }
    const { key, value } = splitKeyValue(line);
    properties.set(unescape(key), unescape(value));
  }
  return properties;
}

/** `key=value` command line overrides, in order (later ones win when applied to a Map). */
export function parseOverrides(overrides: readonly string[]): Map<string, string> {
  const result = new Map<string, string>();
  for (const override of overrides) {
    const equals = override.indexOf('=');
    const key = equals < 0 ? '' : override.slice(0, equals).trim();
    if (key === '') throw new ConfigError(override, 'an override must look like key=value');
    result.set(key, override.slice(equals + 1).trim());
  }
  return result;
}

function isWhitespace(char: string): boolean {
  return char === ' ' || char === '\t' || char === '\f';
}

function stripLeadingWhitespace(line: string): string {
  let start = 0;
  while (start < line.length && isWhitespace(line[start]!)) start++;
  return line.slice(start);
}

function endsWithContinuation(line: string): boolean {
  let backslashes = 0;
  for (let i = line.length - 1; i >= 0 && line[i] === '\\'; i--) backslashes++;
  return backslashes % 2 === 1;
}

function splitKeyValue(line: string): { key: string; value: string } {
  let end = 0;
  while (end < line.length) {
    const char = line[end]!;
    if (char === '\\') {
      end += 2;
      continue;
    }
    if (char === '=' || char === ':' || isWhitespace(char)) break;
    end++;
  }
  const key = line.slice(0, end);
  let rest = end;
  while (rest < line.length && isWhitespace(line[rest]!)) rest++;
  if (rest < line.length && (line[rest] === '=' || line[rest] === ':')) rest++;
  while (rest < line.length && isWhitespace(line[rest]!)) rest++;
  return { key, value: line.slice(rest) };
}

const SIMPLE_ESCAPES: Readonly<Record<string, string>> = { t: '\t', n: '\n', r: '\r', f: '\f' };

function unescape(text: string): string {
  if (!text.includes('\\')) return text;
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!;
    if (char !== '\\' || i + 1 >= text.length) {
      if (char !== '\\') out += char;
      continue;
    }
    const next = text[++i]!;
    if (next === 'u') {
      const hex = text.slice(i + 1, i + 5);
      if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw new ConfigError(text, `malformed \\u escape "\\u${hex}"`);
      out += String.fromCharCode(parseInt(hex, 16));
      i += 4;
    } else {
      out += SIMPLE_ESCAPES[next] ?? next;
    }
  }
  return out;
}
